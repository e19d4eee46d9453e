using System.Diagnostics;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Scoring.Challenger;

/// <summary>One model's cross-validated figures in a comparison.</summary>
/// <param name="ApprovalAtBadRate">Share approved while the approved group's bad rate stays at or below the comparison's bad-rate target.</param>
/// <param name="OutOfFold">Out-of-fold PD per row from the last repeat (for ROC and reliability plots).</param>
public sealed record ComparedModel(string Name, double Auc, double AucStdDev, double PooledAuc, double Ks, double Brier, double ApprovalAtBadRate, double Seconds, IReadOnlyList<double> OutOfFold);

public sealed record ComparisonResult(string Dataset, int Rows, int Bads, int Folds, int Repeats, double TargetBadRate, IReadOnlyList<ComparedModel> Models, IReadOnlyList<int> Targets);

/// <summary>
/// Cross-validates the champion scorecard, the challenger and plain gradient boosting on the same stratified
/// folds (each model fitted on each training split only) and measures them the same way.
/// </summary>
public static class ModelComparison
{
    /// <param name="targetBadRate">Bad rate among approved applicants at which approval rates are compared; default half the data's bad rate.</param>
    /// <param name="monotone">Constrain the challenger to the monotone trends of the scorecard fitted on the same training split.</param>
    public static ComparisonResult Run(TrainingDataset data, TrainingOptions scorecard, ChallengerOptions challenger, int folds, int repeats, double? targetBadRate = null,
        bool includePlain = true, bool monotone = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(scorecard);
        ArgumentNullException.ThrowIfNull(challenger);
        var badRate = targetBadRate ?? data.Bads / (2.0 * data.Count);
        // The champion of each split, so the challenger of that split takes its directions from it and never
        // from rows outside its training split.
        var champions = new Dictionary<(int Repeat, int Fold), Domain.Scoring.ScorecardModel>();
        var candidates = new List<(string Name, Func<(int Repeat, int Fold), TrainingDataset, int[], double[]> FitAndScore)>
        {
            ("scorecard (champion)", (split, train, test) =>
            {
                var model = ScorecardTrainer.Fit(train, scorecard, "cv", "cv", DateTimeOffset.UnixEpoch);
                champions[split] = model;
                return ScorecardTrainer.RiskScores(new Domain.Scoring.Scorecard(model), data, test);
            }),
            (monotone ? "gradient boosting, calibrated, monotone (challenger)" : "gradient boosting, calibrated (challenger)", (split, train, test) =>
            {
                var options = monotone ? challenger with { MonotoneConstraints = ChallengerOptions.MonotoneFrom(champions[split]) } : challenger;
                return ChallengerModel.Train(train, options, "cv", "cv").Probabilities(data, test);
            }),
        };
        if (includePlain)
        {
            candidates.Add(("plain gradient boosting", (_, train, test) => ChallengerModel.Train(train, ChallengerOptions.Plain with { Seed = challenger.Seed, ExcludedColumns = challenger.ExcludedColumns }, "cv", "cv").Probabilities(data, test)));
        }
        var models = new List<ComparedModel>();
        foreach (var (name, fitAndScore) in candidates)
        {
            var clock = Stopwatch.StartNew();
            var aucs = new List<double>();
            var kss = new List<double>();
            var pooled = new List<double>();
            var briers = new List<double>();
            var approvals = new List<double>();
            var outOfFold = new double[data.Count];
            for (var repeat = 0; repeat < repeats; repeat++)
            {
                var foldOf = ScorecardTrainer.StratifiedFolds(data.Targets, folds, scorecard.Seed + repeat);
                for (var fold = 0; fold < folds; fold++)
                {
                    var trainRows = Enumerable.Range(0, data.Count).Where(i => foldOf[i] != fold).ToArray();
                    var testRows = Enumerable.Range(0, data.Count).Where(i => foldOf[i] == fold).ToArray();
                    var risk = fitAndScore((repeat, fold), data.Subset(trainRows), testRows);
                    var targets = testRows.Select(i => data.Targets[i]).ToArray();
                    aucs.Add(ClassifierMetrics.Auc(risk, targets));
                    kss.Add(ClassifierMetrics.Ks(risk, targets));
                    for (var k = 0; k < testRows.Length; k++)
                    {
                        outOfFold[testRows[k]] = risk[k];
                    }
                }
                pooled.Add(ClassifierMetrics.Auc(outOfFold, data.Targets));
                briers.Add(Calibration.Brier(outOfFold, data.Targets));
                approvals.Add(Calibration.ApprovalRateAtBadRate(outOfFold, data.Targets, badRate));
            }
            var mean = aucs.Average();
            models.Add(new ComparedModel(name, mean, Math.Sqrt(aucs.Sum(a => (a - mean) * (a - mean)) / Math.Max(1, aucs.Count - 1)), pooled.Average(), kss.Average(),
                briers.Average(), approvals.Average(), clock.Elapsed.TotalSeconds, outOfFold.ToArray()));
        }
        return new ComparisonResult(data.Name, data.Count, data.Bads, folds, repeats, badRate, models, data.Targets.ToArray());
    }
}
