using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Domain.Tests.Scoring;

public class ModelValidationTests
{
    private static TrainingDataset Synthetic(int rows, int seed, double signal)
    {
        var random = new Random(seed);
        var columns = new[] { new DatasetColumn("a", FeatureKind.Numeric), new DatasetColumn("b", FeatureKind.Numeric), new DatasetColumn("group", FeatureKind.Categorical) };
        var data = new List<FeatureValue[]>();
        var targets = new List<int>();
        for (var i = 0; i < rows; i++)
        {
            double a = random.Next(0, 50), b = random.Next(0, 50);
            var group = random.Next(2) == 0 ? "x" : "y";
            data.Add([FeatureValue.Of(a), FeatureValue.Of(b), FeatureValue.Of(group)]);
            targets.Add(random.NextDouble() < 1 / (1 + Math.Exp(-(-1 + signal * (a - 25) / 10))) ? 1 : 0);
        }
        return new TrainingDataset("synthetic", columns, data, targets);
    }

    [Fact]
    public void The_inner_cross_validation_shrinks_harder_on_small_noisy_data_than_on_plenty_of_clean_data()
    {
        var options = new TrainingOptions { MergeSignificanceGrid = [0] };

        var noisy = ScorecardTrainer.ChooseRegularisation(Synthetic(300, 1, signal: 0.05), options);
        var clean = ScorecardTrainer.ChooseRegularisation(Synthetic(6000, 2, signal: 1.5), options);

        Assert.True(noisy.PenaltyMultiplier > clean.PenaltyMultiplier, $"noisy x{noisy.PenaltyMultiplier}, clean x{clean.PenaltyMultiplier}");
    }

    [Fact]
    public void An_excluded_column_is_never_in_the_model_and_an_unknown_one_is_an_error()
    {
        var data = Synthetic(2000, 3, signal: 1);

        var model = ScorecardTrainer.Fit(data, new TrainingOptions { ExcludedColumns = ["a"], PenaltyGrid = [1] }, "t", "1", DateTimeOffset.UnixEpoch);

        Assert.DoesNotContain(model.Features, f => f.Name == "a");
        Assert.Equal(["a"], model.Training!.ExcludedColumns);
        var error = Assert.Throws<ArgumentException>(() => ScorecardTrainer.Fit(data, new TrainingOptions { ExcludedColumns = ["sex"] }, "t", "1", DateTimeOffset.UnixEpoch));
        Assert.Contains("sex", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Approval_rates_by_group_are_counted_at_one_cut_for_everyone()
    {
        // Rows 0-3 group x, 4-7 group y; the four lowest risks are three x rows and one y row.
        var columns = new[] { new DatasetColumn("group", FeatureKind.Categorical), new DatasetColumn("age", FeatureKind.Numeric) };
        var groups = new[] { "x", "x", "x", "x", "y", "y", "y", "y" };
        var ages = new double[] { 22, 30, 40, 61, 22, 30, 40, 61 };
        var data = new TrainingDataset("g", columns, groups.Select((g, i) => new[] { FeatureValue.Of(g), FeatureValue.Of(ages[i]) }).ToArray(), [0, 0, 1, 0, 0, 1, 1, 1]);
        double[] risk = [0.1, 0.2, 0.3, 0.9, 0.15, 0.6, 0.7, 0.8];

        var approvals = ModelCard.ApprovalByGroup(data, risk, 0.5, ["group"], "age");

        var x = approvals.Single(a => a is { Group: "group", Value: "x" });
        var y = approvals.Single(a => a is { Group: "group", Value: "y" });
        Assert.Equal(0.75, x.ApprovalRate, 9);
        Assert.Equal(0.25, y.ApprovalRate, 9);
        Assert.Equal(0.25 / 0.75, y.RatioToHighest, 9);
        Assert.Equal(-0.25, y.DifferenceFromOverall, 9);
        Assert.Equal(1.0, approvals.Single(a => a is { Group: "age band", Value: "< 25" }).ApprovalRate, 9);
        Assert.Equal(0.0, approvals.Single(a => a is { Group: "age band", Value: ">= 60" }).ApprovalRate, 9);
    }

    [Fact]
    public void A_model_card_names_the_target_the_exclusions_the_bins_intervals_and_group_differences()
    {
        var data = Synthetic(1500, 4, signal: 1);
        var options = new TrainingOptions { Folds = 3, Repeats = 1, ExcludedColumns = ["group"], PenaltyGrid = [1] };
        var validation = ScorecardTrainer.CrossValidate(data, options);
        var model = ScorecardTrainer.Fit(data, options, "card-test", "2.0.0", new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero));

        var card = ModelCard.Build(model, data, validation, validation.OutOfFold, options.ExcludedColumns, "column 'bad': 1 = bad", ["group"], ageColumn: null);
        var text = ModelCard.ToMarkdown(card);

        Assert.True(card.Auc.Lower < card.Auc.Value && card.Auc.Value < card.Auc.Upper, card.Auc.ToString());
        Assert.Equal(validation.PooledAuc, card.Auc.Value, 9);
        Assert.Contains("Excluded (never used for scoring): group", text, StringComparison.Ordinal);
        Assert.Contains("column 'bad': 1 = bad", text, StringComparison.Ordinal);
        Assert.Contains("| group | x |", text, StringComparison.Ordinal);
        Assert.Contains("| a | monotone increasing |", text, StringComparison.Ordinal);
        Assert.Contains("Brier score", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Platt_calibration_recovers_a_known_logistic_relation()
    {
        var random = new Random(9);
        var scores = Enumerable.Range(0, 20_000).Select(_ => random.NextDouble() * 6 - 3).ToArray();
        var targets = scores.Select(s => random.NextDouble() < 1 / (1 + Math.Exp(-(0.5 * s - 1))) ? 1 : 0).ToArray();

        var platt = PlattCalibration.Fit(scores, targets);

        Assert.Equal(0.5, platt.A, 1);
        Assert.Equal(-1, platt.B, 1);
    }

    [Fact]
    public void Brier_and_approval_at_a_bad_rate_match_hand_counts()
    {
        double[] risk = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
        int[] targets = [0, 0, 0, 1, 0, 0, 1, 1, 1, 1];

        // Approving the 6 lowest gives 1 bad in 6 (16.7 %); the 7 lowest 2 in 7 (28.6 %).
        Assert.Equal(0.6, Calibration.ApprovalRateAtBadRate(risk, targets, 0.2), 9);
        Assert.Equal(0.3, Calibration.ApprovalRateAtBadRate(risk, targets, 0.0), 9);
        Assert.Equal(risk.Select((p, i) => (p - targets[i]) * (p - targets[i])).Average(), Calibration.Brier(risk, targets), 12);
        var reliability = Calibration.Reliability(risk, targets, 2);
        Assert.Equal([0.2, 0.8], reliability.Select(b => b.ObservedRate));
    }

    [Fact]
    public void The_generated_cardholder_data_has_the_shape_and_codes_it_promises_and_the_same_seed_repeats_it()
    {
        var data = CardholderDataGenerator.Dataset(5000, 11);
        var again = CardholderDataGenerator.Dataset(5000, 11);

        Assert.Equal(23, data.Columns.Count);
        Assert.InRange((double)data.Bads / data.Count, 0.17, 0.27);
        var pay0 = data.ColumnIndex("pay0");
        var codes = data.Rows.Select(r => r[pay0].Number!.Value).Distinct().ToHashSet();
        Assert.Subset(Enumerable.Range(-2, 11).Select(c => (double)c).ToHashSet(), codes);
        Assert.Contains(-2.0, codes);
        Assert.Contains(-1.0, codes);
        Assert.Equal(data.Targets, again.Targets);
        Assert.Equal(data.Rows[123].Select(v => v.ToString()), again.Rows[123].Select(v => v.ToString()));
    }

    [Fact]
    public void On_generated_cardholder_data_special_status_codes_lift_the_scorecard_above_treating_them_as_numbers()
    {
        var full = CardholderDataGenerator.Dataset(8000, 5);
        var data = full.WithoutColumns(full.Columns.Select(c => c.Name).Where(n => n != "pay0").ToArray());
        var plain = new TrainingOptions { Folds = 3, Repeats = 1, PenaltyGrid = [1], MergeSignificanceGrid = [0.05], Binning = new BinningOptions { MaxNegativeCodes = 0, MaxCodedValues = 0 } };
        var coded = plain with { Binning = new BinningOptions() };

        var asNumbers = ScorecardTrainer.CrossValidate(data, plain);
        var asCodes = ScorecardTrainer.CrossValidate(data, coded);

        // As numbers, the monotone trend merges -2 (unused card, riskier) with -1 (paid in full, safest) away.
        var numberBins = WoeBinner.Fit(data, 0, plain.Binning).Bins;
        var codeBins = WoeBinner.Fit(data, 0, coded.Binning).Bins;
        Assert.Contains(numberBins, b => b.Label == "< 0");
        Assert.Contains(codeBins, b => b.Values is [-2]);
        Assert.Contains(codeBins, b => b.Values is [-1]);
        Assert.True(asCodes.Auc > asNumbers.Auc + 0.002, $"codes {asCodes.Auc:F4}, numbers {asNumbers.Auc:F4}");
    }
}
