using RuralLoans.Domain.Scoring;

namespace RuralLoans.Domain.Tests.Scoring;

public class ScorecardTests
{
    [Fact]
    public void Standard_scaling_gives_600_points_at_50_to_1_with_20_points_to_double_the_odds()
    {
        var scaling = ScoreScaling.Standard;

        Assert.Equal(28.8539, scaling.Factor, 4);
        Assert.Equal(487.123, scaling.Offset, 3);
        Assert.Equal(600, scaling.ScoreForLogOddsGood(Math.Log(50)), 9);
        Assert.Equal(620, scaling.ScoreForLogOddsGood(Math.Log(100)), 9);
        Assert.Equal(1 / 51.0, scaling.ProbabilityOfDefaultForScore(600), 12);
    }

    private static ScorecardModel OneFeatureModel() => new()
    {
        ModelId = "hand",
        Version = "1",
        Calibration = "expert-calibrated",
        Scaling = ScoreScaling.Standard,
        Intercept = -Math.Log(50),
        Features =
        [
            new ScorecardFeature
            {
                Name = "years",
                Kind = FeatureKind.Numeric,
                Coefficient = -1,
                Bins =
                [
                    new ScorecardBin { Label = "< 2", UpperBound = 2, Woe = -Math.Log(2) },
                    new ScorecardBin { Label = "[2, 10)", UpperBound = 10, Woe = 0 },
                    new ScorecardBin { Label = ">= 10", Woe = Math.Log(2) },
                ],
            },
            new ScorecardFeature
            {
                Name = "region",
                Kind = FeatureKind.Categorical,
                Coefficient = -0.5,
                Bins =
                [
                    new ScorecardBin { Label = "north", Categories = ["N"], Woe = Math.Log(4) },
                    new ScorecardBin { Label = "other", Categories = ["S"], Woe = 0, IsFallback = true },
                ],
            },
        ],
    };

    [Theory]
    // logit P(bad) = -ln 50 - WOE(years) - 0.5 × WOE(region); score = Offset + Factor × ln(odds good).
    [InlineData(1, "S", 580)]      // odds good 25
    [InlineData(5, "S", 600)]      // odds good 50
    [InlineData(10, "S", 620)]     // odds good 100: the lower bound belongs to the upper bin
    [InlineData(10, "N", 640)]     // odds good 200: 0.5 × ln 4 = ln 2
    [InlineData(5, "unseen", 600)] // unseen categories fall back
    public void Scores_match_hand_computed_log_odds(double years, string region, double expectedScore)
    {
        var scorecard = new Scorecard(OneFeatureModel());

        var result = scorecard.Score(new Dictionary<string, FeatureValue> { ["years"] = FeatureValue.Of(years), ["region"] = FeatureValue.Of(region) });

        Assert.Equal(expectedScore, result.Score, 9);
        var oddsGood = Math.Pow(2, (expectedScore - 600) / 20) * 50;
        Assert.Equal(1 / (1 + oddsGood), result.ProbabilityOfDefault, 12);
        Assert.Equal(600, result.BasePoints, 9);
        Assert.Equal(expectedScore, result.BasePoints + result.Features.Sum(f => f.Points), 9);
    }

    [Fact]
    public void Breakdown_names_each_feature_bin_and_its_best_possible_points()
    {
        var result = new Scorecard(OneFeatureModel()).Score(new Dictionary<string, FeatureValue> { ["years"] = FeatureValue.Of(1), ["region"] = FeatureValue.Of("N") });

        Assert.Collection(result.Features,
            f => { Assert.Equal(("years", "< 2"), (f.Feature, f.Bin)); Assert.Equal(-20, f.Points, 9); Assert.Equal(20, f.MaxPoints, 9); },
            f => { Assert.Equal(("region", "north"), (f.Feature, f.Bin)); Assert.Equal(20, f.Points, 9); Assert.Equal(20, f.MaxPoints, 9); });
    }

    [Fact]
    public void A_missing_feature_is_an_error_not_a_silent_default()
    {
        var error = Assert.Throws<ArgumentException>(() => new Scorecard(OneFeatureModel()).Score(new Dictionary<string, FeatureValue> { ["years"] = FeatureValue.Of(1) }));

        Assert.Contains("region", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_bin_adjustments_add_to_the_weighted_woe()
    {
        var model = OneFeatureModel();
        var years = model.Features[0];
        var adjusted = model with
        {
            Features = [years with { Bins = [years.Bins[0] with { Adjustment = -Math.Log(2) }, years.Bins[1], years.Bins[2]] }, model.Features[1]],
        };

        var result = new Scorecard(adjusted).Score(new Dictionary<string, FeatureValue> { ["years"] = FeatureValue.Of(1), ["region"] = FeatureValue.Of("S") });

        Assert.Equal(600, result.Score, 9);
    }

    [Fact]
    public void Model_json_round_trips_to_the_same_scores()
    {
        var model = OneFeatureModel();
        var reloaded = ScorecardModel.FromJson(model.ToJson());
        var input = new Dictionary<string, FeatureValue> { ["years"] = FeatureValue.Of(3), ["region"] = FeatureValue.Of("N") };

        Assert.Equal(new Scorecard(model).Score(input).Score, new Scorecard(reloaded).Score(input).Score);
    }
}
