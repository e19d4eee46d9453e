using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Scoring.Challenger.Tests;

public class ModelComparisonTests
{
    [Fact]
    public void The_comparison_measures_every_model_on_the_same_out_of_fold_rows()
    {
        var data = CardholderDataGenerator.Dataset(3000, 31);

        var result = ModelComparison.Run(data, new TrainingOptions { PenaltyGrid = [1], MergeSignificanceGrid = [0] }, new ChallengerOptions { Trees = 60, LearningRate = 0.1 }, folds: 3, repeats: 1);

        Assert.Equal(["scorecard (champion)", "gradient boosting, calibrated, monotone (challenger)", "plain gradient boosting"], result.Models.Select(m => m.Name));
        Assert.Equal(data.Bads / (2.0 * data.Count), result.TargetBadRate, 12);
        foreach (var model in result.Models)
        {
            Assert.Equal(data.Count, model.OutOfFold.Count);
            Assert.All(model.OutOfFold, p => Assert.InRange(p, 0, 1));
            Assert.Equal(ClassifierMetrics.Auc(model.OutOfFold, data.Targets), model.PooledAuc, 12);
            Assert.InRange(model.Auc, 0.7, 0.9);
            Assert.InRange(model.ApprovalAtBadRate, 0.2, 0.95);
            // Approving that share must really keep the bad rate at or under the target.
            var approved = model.OutOfFold.Select((p, i) => (p, i)).OrderBy(x => x.p).Take((int)Math.Round(model.ApprovalAtBadRate * data.Count)).ToArray();
            Assert.True(approved.Average(x => (double)data.Targets[x.i]) <= result.TargetBadRate + 1e-9);
        }
        var plain = result.Models.Single(m => m.Name == "plain gradient boosting");
        var challenger = result.Models.Single(m => m.Name.Contains("challenger", StringComparison.Ordinal));
        Assert.True(challenger.Brier < plain.Brier, $"challenger Brier {challenger.Brier:F4}, plain {plain.Brier:F4}");
    }
}
