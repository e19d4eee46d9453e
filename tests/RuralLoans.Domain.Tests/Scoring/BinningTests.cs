using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Domain.Tests.Scoring;

public class BinningTests
{
    /// <summary>A one-column dataset where each value has the given rows and bad rate.</summary>
    private static TrainingDataset Column(params (double? Value, int Rows, double BadRate)[] groups)
    {
        var rows = new List<FeatureValue[]>();
        var targets = new List<int>();
        foreach (var (value, count, badRate) in groups)
        {
            var bads = (int)Math.Round(count * badRate);
            for (var i = 0; i < count; i++)
            {
                rows.Add([value is { } v ? FeatureValue.Of(v) : FeatureValue.Missing]);
                targets.Add(i < bads ? 1 : 0);
            }
        }
        return new TrainingDataset("column", [new DatasetColumn("x", FeatureKind.Numeric)], rows, targets);
    }

    private static double BadRate(ScorecardBin b) => (double)b.Bads / (b.Goods + b.Bads);

    [Fact]
    public void Negative_status_codes_keep_their_own_bins_even_when_their_risk_breaks_the_numeric_order()
    {
        // Repayment status: -2 unused card (riskier than -1 paid in full), -1, 0 revolving, 1..3 months overdue.
        var data = Column((-2, 800, 0.20), (-1, 1500, 0.06), (0, 3000, 0.12), (1, 600, 0.35), (2, 400, 0.6), (3, 200, 0.7));

        var feature = WoeBinner.Fit(data, 0, new BinningOptions());

        var unused = feature.Bins.Single(b => b.Values is [-2]);
        var paid = feature.Bins.Single(b => b.Values is [-1]);
        Assert.True(unused.IsSpecial && paid.IsSpecial);
        Assert.Equal(0.20, BadRate(unused), 2);
        Assert.True(unused.Woe < paid.Woe, "the unused card must score worse than paid in full");
        var scorecard = new Scorecard(ScorecardTrainer.Fit(data, new TrainingOptions { PenaltyGrid = [1] }, "t", "1", DateTimeOffset.UnixEpoch));
        var points = (double v) => scorecard.Score(new Dictionary<string, FeatureValue> { ["x"] = FeatureValue.Of(v) }).Score;
        Assert.True(points(-1) > points(-2), "-1 must earn more points than -2");
        Assert.True(points(-2) > points(2), "-2 is still far safer than two months overdue");
        Assert.StartsWith("= -2", feature.Bins[0].Label, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_values_get_their_own_bin_and_score_through_it_and_a_model_without_one_refuses_them()
    {
        var data = Column((null, 500, 0.4), (1, 1000, 0.1), (2, 1000, 0.15), (3, 1000, 0.2), (4, 1000, 0.25));

        var model = ScorecardTrainer.Fit(data, new TrainingOptions { PenaltyGrid = [1] }, "t", "1", DateTimeOffset.UnixEpoch);
        var missingBin = model.Features.Single().Bins.Single(b => b.IsMissing);
        var scorecard = new Scorecard(ScorecardModel.FromJson(model.ToJson()));

        Assert.Equal(WoeBinner.MissingLabel, missingBin.Label);
        var missing = scorecard.Score(new Dictionary<string, FeatureValue> { ["x"] = FeatureValue.Missing });
        Assert.Equal(WoeBinner.MissingLabel, missing.Features.Single().Bin);
        Assert.True(missing.Score < scorecard.Score(new Dictionary<string, FeatureValue> { ["x"] = FeatureValue.Of(1) }).Score);
        var complete = new Scorecard(ScorecardTrainer.Fit(Column((1, 1000, 0.1), (2, 1000, 0.3)), new TrainingOptions { PenaltyGrid = [1] }, "t", "1", DateTimeOffset.UnixEpoch));
        Assert.Throws<ArgumentException>(() => complete.Score(new Dictionary<string, FeatureValue> { ["x"] = FeatureValue.Missing }));
    }

    [Fact]
    public void A_rare_special_code_joins_the_bin_with_the_closest_bad_rate_instead_of_getting_a_noisy_bin()
    {
        var data = Column((-1, 30, 0.6), (0, 2000, 0.1), (1, 2000, 0.2), (2, 2000, 0.55));

        var feature = WoeBinner.Fit(data, 0, new BinningOptions());

        var host = feature.Bins.Single(b => b.Values is not null && b.Values.Contains(-1));
        Assert.False(host.IsSpecial);
        Assert.Contains("-1", host.Label, StringComparison.Ordinal);
        Assert.InRange(BadRate(host), 0.5, 0.6);
    }

    [Fact]
    public void A_clearly_u_shaped_risk_gets_a_single_valley_and_a_noisy_monotone_one_stays_monotone()
    {
        var random = new Random(3);
        (double?, int, double)[] Shape(Func<double, double> rate) =>
            Enumerable.Range(0, 40).Select(i => ((double?)(20 + i), 250, rate(20 + i))).ToArray();

        var ushaped = WoeBinner.Fit(Column(Shape(age => 0.1 + 0.0009 * (age - 40) * (age - 40))), 0, new BinningOptions());
        var monotone = WoeBinner.Fit(Column(Shape(age => Math.Clamp(0.35 - 0.006 * (age - 20) + 0.02 * (random.NextDouble() - 0.5), 0, 1))), 0, new BinningOptions());

        Assert.Equal("single-valley", ushaped.Shape);
        var rates = ushaped.Bins.Select(BadRate).ToArray();
        var lowest = Array.IndexOf(rates, rates.Min());
        Assert.InRange(lowest, 1, rates.Length - 2);
        Assert.Equal("monotone decreasing", monotone.Shape);
        var m = monotone.Bins.Select(BadRate).ToArray();
        Assert.True(m.Zip(m.Skip(1)).All(p => p.Second <= p.First), string.Join(", ", m));
    }

    [Fact]
    public void Chi_merge_joins_neighbours_whose_bad_rates_do_not_differ_and_keeps_those_that_do()
    {
        // 1 and 2 share a bad rate, 3 differs clearly.
        var data = Column((1, 1000, 0.10), (2, 1000, 0.10), (3, 1000, 0.30));

        var merged = WoeBinner.Fit(data, 0, new BinningOptions { MergeSignificance = 0.05 });
        var unmerged = WoeBinner.Fit(data, 0, new BinningOptions { MergeSignificance = 0 });

        Assert.Equal(2, merged.Bins.Count);
        Assert.Equal(2000, merged.Bins[0].Goods + merged.Bins[0].Bads);
        Assert.Equal(3, unmerged.Bins.Count);
    }

    [Fact]
    public void Bins_keep_the_minimum_share_of_rows()
    {
        var data = Column(Enumerable.Range(0, 60).Select(i => ((double?)i, i % 7 == 0 ? 5 : 100, 0.05 + i * 0.004)).ToArray());

        var feature = WoeBinner.Fit(data, 0, new BinningOptions { MinBinFraction = 0.05, MergeSignificance = 0 });

        Assert.All(feature.Bins, b => Assert.True(b.Goods + b.Bads >= 0.05 * data.Count, b.Label));
    }

    [Fact]
    public void Integer_codes_with_no_order_in_their_risk_are_grouped_as_categories()
    {
        // An education-like code: 1 and 3 are safe, 2 and 4 risky; no trend along the number line explains it.
        var data = Column((1, 1500, 0.08), (2, 1500, 0.35), (3, 1500, 0.08), (4, 1500, 0.35));

        var feature = WoeBinner.Fit(data, 0, new BinningOptions());

        Assert.Equal("coded categories", feature.Shape);
        Assert.Equal(2, feature.Bins.Count);
        Assert.Contains(feature.Bins, b => b.Values!.Order().SequenceEqual([1.0, 3.0]));
        var scorecard = new Scorecard(ScorecardTrainer.Fit(data, new TrainingOptions { PenaltyGrid = [1] }, "t", "1", DateTimeOffset.UnixEpoch));
        var score = (double v) => scorecard.Score(new Dictionary<string, FeatureValue> { ["x"] = FeatureValue.Of(v) }).Score;
        Assert.Equal(score(1), score(3), 9);
        Assert.True(score(3) > score(4));
        // A code never seen in training scores like the most common group rather than failing.
        Assert.True(double.IsFinite(score(9)));
    }
}
