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
        var weightTotal = weights.Sum();
        if (weightTotal == 0)
        {
            throw new ArgumentException("At least one weight must be positive.", nameof(weights));
        }
        var parts = new long[weights.Count];
        var remainders = new decimal[weights.Count];
        long allocated = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            var exact = totalFen * (weights[i] / weightTotal);
            parts[i] = (long)decimal.Floor(exact);
            remainders[i] = exact - parts[i];
            allocated += parts[i];
        }
        var order = Enumerable.Range(0, weights.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i).ToArray();
        for (var k = 0; allocated < totalFen; k++)
        {
            parts[order[k % order.Length]]++;
            allocated++;
        }
        return parts;
    }
}
