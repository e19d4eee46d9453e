namespace RuralLoans.Domain.Scoring.Training;

/// <summary>Discrimination and stability measures for credit scores.</summary>
public static class ClassifierMetrics
{
    /// <summary>
    /// Area under the ROC curve for predicting bad (target 1) from <paramref name="riskScores"/> (higher = riskier),
    /// by the Mann–Whitney rank sum with tied scores sharing their average rank.
    /// </summary>
    public static double Auc(IReadOnlyList<double> riskScores, IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(riskScores);
        ArgumentNullException.ThrowIfNull(targets);
        var order = Enumerable.Range(0, riskScores.Count).OrderBy(i => riskScores[i]).ToArray();
        var bads = targets.Sum();
        var goods = targets.Count - bads;
        if (bads == 0 || goods == 0)
        {
            throw new ArgumentException("AUC needs both good and bad outcomes.", nameof(targets));
        }
        var badRankSum = 0.0;
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && riskScores[order[end + 1]] == riskScores[order[start]])
            {
                end++;
            }
            var averageRank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                badRankSum += targets[order[k]] * averageRank;
            }
            start = end + 1;
        }
        return (badRankSum - bads * (bads + 1) / 2.0) / ((double)bads * goods);
    }

    public static double Gini(double auc) => 2 * auc - 1;

    /// <summary>Kolmogorov–Smirnov: the largest gap between the cumulative score distributions of bads and goods.</summary>
    public static double Ks(IReadOnlyList<double> riskScores, IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(riskScores);
        ArgumentNullException.ThrowIfNull(targets);
        var order = Enumerable.Range(0, riskScores.Count).OrderBy(i => riskScores[i]).ToArray();
        var bads = (double)targets.Sum();
        var goods = targets.Count - bads;
        double cumulativeBads = 0, cumulativeGoods = 0, ks = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (targets[order[k]] == 1)
            {
                cumulativeBads++;
            }
            else
            {
                cumulativeGoods++;
            }
            var tieContinues = k + 1 < order.Length && riskScores[order[k + 1]] == riskScores[order[k]];
            if (!tieContinues)
            {
                ks = Math.Max(ks, Math.Abs(cumulativeGoods / goods - cumulativeBads / bads));
            }
        }
        return ks;
    }

    /// <summary>
    /// Population stability index between two distributions over the same bins:
    /// Σ (actual − expected) × ln(actual / expected), shares floored at 0.0001 so empty bins stay finite.
    /// </summary>
    public static double Psi(IReadOnlyList<int> expectedCounts, IReadOnlyList<int> actualCounts)
    {
        ArgumentNullException.ThrowIfNull(expectedCounts);
        ArgumentNullException.ThrowIfNull(actualCounts);
        if (expectedCounts.Count != actualCounts.Count)
        {
            throw new ArgumentException("Both distributions need the same bins.", nameof(actualCounts));
        }
        const double Floor = 1e-4;
        double expectedTotal = expectedCounts.Sum(), actualTotal = actualCounts.Sum();
        var psi = 0.0;
        for (var i = 0; i < expectedCounts.Count; i++)
        {
            var e = Math.Max(expectedCounts[i] / expectedTotal, Floor);
            var a = Math.Max(actualCounts[i] / actualTotal, Floor);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }
}
