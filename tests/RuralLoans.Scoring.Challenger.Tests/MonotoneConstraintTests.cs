using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Scoring.Challenger.Tests;

/// <summary>The challenger's monotone constraints: taken from the champion's trends and enforced by LightGBM.</summary>
public class MonotoneConstraintTests
{
    private static readonly TrainingDataset Train = CardholderDataGenerator.Dataset(6000, 31);
    private static readonly ChallengerOptions Fast = new() { Trees = 120, LearningRate = 0.08, ExcludedColumns = ["sex", "marriage", "age"] };

    private static readonly Lazy<ScorecardModel> Champion = new(() => ScorecardTrainer.Fit(Train,
        new TrainingOptions { PenaltyGrid = [1], MergeSignificanceGrid = [0.05], ExcludedColumns = Fast.ExcludedColumns }, "cards", "1", DateTimeOffset.UnixEpoch));

    private static ScorecardFeature Numeric(string name, string shape, params ScorecardBin[] bins) =>
        new() { Name = name, Kind = FeatureKind.Numeric, Coefficient = 1, Shape = shape, Bins = bins.Length > 0 ? bins : [new() { Label = "< 1", UpperBound = 1, Woe = 0.2 }, new() { Label = ">= 1", Woe = -0.2 }] };

    [Fact]
    public void Directions_come_from_the_champions_monotone_numeric_trends_with_its_special_codes_left_outside()
    {
        var champion = ScorecardModelCatalog.RuralHousehold with
        {
            Features =
            [
                Numeric("overdueMonths", "monotone increasing"),
                Numeric("limit", "monotone decreasing"),
                Numeric("age", "single-peaked"),
                Numeric("pay0", "monotone increasing; special codes/missing apart", new() { Label = "= -2 (code)", Values = [-2], IsSpecial = true, Woe = -0.5 }, new() { Label = "< 1", UpperBound = 1, Woe = 0.3 }, new() { Label = ">= 1", Woe = -0.9 }),
                Numeric("flat", "single bin"),
                new() { Name = "region", Kind = FeatureKind.Categorical, Coefficient = 1, Shape = "monotone increasing", Bins = [new() { Label = "north", Categories = ["north"], Woe = 0.1, IsFallback = true }] },
            ],
        };

        var constraints = ChallengerOptions.MonotoneFrom(champion);

        Assert.Equal(["limit", "overdueMonths", "pay0"], constraints.Select(c => c.Feature));
        Assert.Equal([-1, 1, 1], constraints.Select(c => c.Direction));
        Assert.Equal([-2.0], constraints[2].Codes!);
        Assert.Null(constraints[0].Codes);
    }

    [Fact]
    public void A_constrained_feature_never_moves_the_pd_against_its_direction_anywhere_on_its_range()
    {
        var constraints = ChallengerOptions.MonotoneFrom(Champion.Value);
        Assert.True(constraints.Count >= 3, $"only {constraints.Count} monotone features in the champion");
        // Repayment status is constrained on its months overdue; its codes -2 and -1 keep their own, free slots.
        Assert.Equal([-2.0, -1.0], Assert.Single(constraints, c => c.Feature == "pay0").Codes!);
        Assert.DoesNotContain(constraints, c => c.Feature == "education");

        var constrained = ChallengerModel.Train(Train, Fast with { MonotoneConstraints = constraints }, "c", "1");
        var free = ChallengerModel.Train(Train, Fast, "c", "1");

        var freeViolations = 0;
        foreach (var constraint in constraints)
        {
            Assert.Equal(0, Violations(constrained, constraint));
            freeViolations += Violations(free, constraint);
        }
        // Without the constraint the trees do zigzag on the same features, so the check above can fail.
        Assert.True(freeViolations > 0, "the unconstrained challenger never moved against a trend");
        // A coded status scores through its own slot and is still reported as one pay0 contribution.
        var coded = Train.RowAsInput(0);
        coded["pay0"] = FeatureValue.Of(-2);
        var score = constrained.Score(coded);
        Assert.Equal(constrained.Manifest.Features.Count, score.Contributions.Count);
        Assert.Single(score.Contributions, c => c.Feature == "pay0");
        Assert.Equal(3, constrained.Manifest.Features.Single(f => f.Name == "pay0").Slots);

        var reloaded = ChallengerModel.FromJson(constrained.ToJson());
        Assert.Equal(constraints.Select(c => (c.Feature, c.Direction, string.Join(",", c.Codes ?? []))),
            reloaded.Manifest.Options.MonotoneConstraints!.Select(c => (c.Feature, c.Direction, string.Join(",", c.Codes ?? []))));
        Assert.Equal(constrained.ModelSha256, reloaded.ModelSha256);
        Assert.Contains("pay0 risk rises with the value (codes -2/-1 apart, unconstrained)", ShippedModelCards.ForChallenger(constrained), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_numeric_model_inputs_can_be_constrained()
    {
        var data = CardholderDataGenerator.Dataset(600, 5);
        var options = new ChallengerOptions { Trees = 5, ExcludedColumns = ["sex"] };

        Assert.Throws<ArgumentException>(() => ChallengerModel.Train(data, options with { MonotoneConstraints = [new("sex", 1)] }, "c", "1"));
        Assert.Throws<ArgumentException>(() => ChallengerModel.Train(data, options with { MonotoneConstraints = [new("limitBalance", 2)] }, "c", "1"));
    }

    /// <summary>Steps, over 40 evenly spaced values of the feature on 40 applicants, where the PD moves against the direction.</summary>
    private static int Violations(ChallengerModel model, MonotoneConstraint constraint)
    {
        var column = Train.ColumnIndex(constraint.Feature);
        var values = Train.Rows.Select(r => r[column].Number).OfType<double>().Where(v => constraint.Codes?.Contains(v) != true).ToArray();
        double low = values.Min(), high = values.Max();
        var count = 0;
        for (var row = 0; row < 40; row++)
        {
            var input = Train.RowAsInput(row * 97);
            var previous = double.NaN;
            for (var k = 0; k <= 40; k++)
            {
                input[constraint.Feature] = FeatureValue.Of(low + (high - low) * k / 40);
                var pd = model.Score(input).ProbabilityOfDefault;
                count += constraint.Direction * (pd - previous) < -1e-12 ? 1 : 0;
                previous = pd;
            }
        }
        return count;
    }
}
