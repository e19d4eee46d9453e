namespace RuralLoans.Domain.Scoring.Training;

/// <summary>Platt scaling: P(bad) = 1 / (1 + e^−(A·score + B)), fitted on rows the scored model did not learn from.</summary>
public sealed record PlattCalibration(double A, double B)
{
    public double Probability(double rawScore) => 1 / (1 + Math.Exp(-(A * rawScore + B)));

    public static PlattCalibration Fit(IReadOnlyList<double> rawScores, IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(rawScores);
        ArgumentNullException.ThrowIfNull(targets);
        // A whisper of ridge keeps the fit finite when the held-out scores separate perfectly.
        var model = LogisticRegression.Fit(rawScores.Select(s => new[] { s }).ToArray(), targets, [1e-6]);
        return new PlattCalibration(model.Coefficients[0], model.Intercept);
    }
}

/// <summary>One bin of a reliability diagram: mean predicted probability against the observed bad rate.</summary>
public sealed record ReliabilityBin(double MeanPredicted, double ObservedRate, int Count);

public static class Calibration
{
    /// <summary>Mean squared difference between predicted probability and outcome (lower is better).</summary>
    public static double Brier(IReadOnlyList<double> probabilities, IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(targets);
        return probabilities.Select((p, i) => (p - targets[i]) * (p - targets[i])).Average();
    }

    /// <summary>Rows sorted by predicted probability and cut into <paramref name="bins"/> equally sized groups.</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> probabilities, IReadOnlyList<int> targets, int bins = 10)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(targets);
        var order = Enumerable.Range(0, probabilities.Count).OrderBy(i => probabilities[i]).ToArray();
        return Enumerable.Range(0, bins)
            .Select(b => order[(b * order.Length / bins)..((b + 1) * order.Length / bins)])
            .Where(g => g.Length > 0)
            .Select(g => new ReliabilityBin(g.Average(i => probabilities[i]), g.Average(i => (double)targets[i]), g.Length))
            .ToArray();
    }

    /// <summary>
    /// Share of applicants approved when each model approves the largest group (lowest risk first) whose bad
    /// rate stays at or below <paramref name="maxBadRate"/>.
    /// </summary>
    public static double ApprovalRateAtBadRate(IReadOnlyList<double> risk, IReadOnlyList<int> targets, double maxBadRate)
    {
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(targets);
        var order = Enumerable.Range(0, risk.Count).OrderBy(i => risk[i]).ToArray();
        var bads = 0;
        var approved = 0;
        for (var k = 0; k < order.Length; k++)
        {
            bads += targets[order[k]];
            var tieContinues = k + 1 < order.Length && risk[order[k + 1]] == risk[order[k]];
            if (!tieContinues && (double)bads / (k + 1) <= maxBadRate)
            {
                approved = k + 1;
            }
        }
        return (double)approved / order.Length;
    }

    /// <summary>ROC curve points (false positive rate, true positive rate) for predicting bad from risk.</summary>
    public static IReadOnlyList<(double Fpr, double Tpr)> Roc(IReadOnlyList<double> risk, IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(targets);
        var order = Enumerable.Range(0, risk.Count).OrderByDescending(i => risk[i]).ToArray();
        double bads = targets.Sum(), goods = targets.Count - bads, tp = 0, fp = 0;
        var points = new List<(double, double)> { (0, 0) };
        for (var k = 0; k < order.Length; k++)
        {
            if (targets[order[k]] == 1)
            {
                tp++;
            }
            else
            {
                fp++;
            }
            if (k + 1 == order.Length || risk[order[k + 1]] != risk[order[k]])
            {
                points.Add((fp / goods, tp / bads));
            }
        }
        return points;
    }
}
