namespace RuralLoans.Domain.CoLending;

/// <summary>
/// Yuan ↔ fen conversion and the one rounding rule used for money: to the fen, halves away from zero
/// (四舍五入), the way a bank statement rounds.
/// </summary>
public static class Money
{
    public static decimal RoundToFen(decimal yuan) => decimal.Round(yuan, 2, MidpointRounding.AwayFromZero);

    public static long ToFen(decimal yuan)
    {
        if (decimal.Round(yuan, 2) != yuan)
        {
            throw new ArgumentException($"{yuan} yuan is not a whole number of fen.", nameof(yuan));
        }
        return (long)(yuan * 100);
    }

    public static decimal ToYuan(long fen) => fen / 100m;

    /// <summary>
    /// Splits <paramref name="totalFen"/> in proportion to <paramref name="weights"/> by the largest-remainder
    /// method: everyone gets the floor of their exact share, then the fen left over go one each to the largest
    /// fractional remainders (ties to the earlier weight). The parts always sum to the total, and each part
    /// is within one fen of its exact share.
    /// </summary>
    public static long[] AllocateFen(long totalFen, IReadOnlyList<decimal> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (totalFen < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(totalFen), totalFen, "Only non-negative amounts can be allocated.");
        }
        if (weights.Count == 0 || weights.Any(w => w < 0))
        {
            throw new ArgumentException("Weights must be non-negative and there must be at least one.", nameof(weights));
        }
        var weightTotal = 0m;
        for (var i = 0; i < weights.Count; i++)
        {
            weightTotal += weights[i];
        }
        if (weightTotal == 0)
        {
            throw new ArgumentException("At least one weight must be positive.", nameof(weights));
        }
        var parts = new long[weights.Count];
        var remainders = new decimal[weights.Count];
        var leftover = totalFen;
        for (var i = 0; i < weights.Count; i++)
        {
            var exact = totalFen * (weights[i] / weightTotal);
            parts[i] = (long)decimal.Floor(exact);
            remainders[i] = exact - parts[i];
            leftover -= parts[i];
        }
        // Fewer fen are left over than there are parts, so each goes to a different part.
        for (; leftover > 0; leftover--)
        {
            var largest = 0;
            for (var i = 1; i < remainders.Length; i++)
            {
                if (remainders[i] > remainders[largest])
                {
                    largest = i;
                }
            }
            parts[largest]++;
            remainders[largest] = -1;
        }
        return parts;
    }
}
