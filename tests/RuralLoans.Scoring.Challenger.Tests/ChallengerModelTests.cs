using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Scoring.Challenger.Tests;

public class ChallengerModelTests
{
    private static readonly TrainingDataset Train = CardholderDataGenerator.Dataset(6000, 21);
    private static readonly TrainingDataset Holdout = CardholderDataGenerator.Dataset(3000, 22);
    private static readonly ChallengerOptions Fast = new() { Trees = 120, LearningRate = 0.08 };
    private static readonly Lazy<ChallengerModel> Model = new(() => ChallengerModel.Train(Train, Fast, "cards-challenger", "1.0.0"));

    private static int[] All(TrainingDataset data) => Enumerable.Range(0, data.Count).ToArray();

    [Fact]
    public void On_unseen_holders_it_ranks_well_and_its_probabilities_match_the_observed_bad_rate()
    {
        var pd = Model.Value.Probabilities(Holdout, All(Holdout));

        Assert.InRange(ClassifierMetrics.Auc(pd, Holdout.Targets), 0.75, 0.9);
        var observed = Holdout.Targets.Average();
        Assert.InRange(pd.Average(), observed - 0.03, observed + 0.03);
        // The riskiest tenth really is much riskier than the safest tenth.
        var reliability = Calibration.Reliability(pd, Holdout.Targets, 10);
        Assert.True(reliability[^1].ObservedRate > 4 * reliability[0].ObservedRate);
        Assert.All(reliability, b => Assert.InRange(b.ObservedRate - b.MeanPredicted, -0.08, 0.08));
    }

    [Fact]
    public void Calibrating_on_held_out_rows_gives_a_lower_brier_score_than_plain_boosting()
    {
        var plain = ChallengerModel.Train(Train, ChallengerOptions.Plain, "plain", "1");

        var calibrated = Calibration.Brier(Model.Value.Probabilities(Holdout, All(Holdout)), Holdout.Targets);
        var uncalibrated = Calibration.Brier(plain.Probabilities(Holdout, All(Holdout)), Holdout.Targets);

        Assert.True(calibrated < uncalibrated, $"calibrated {calibrated:F4}, plain {uncalibrated:F4}");
    }

    [Fact]
    public void A_saved_challenger_reloads_to_the_same_hash_and_re_scores_every_decision_identically()
    {
        var reloaded = ChallengerModel.FromJson(Model.Value.ToJson());

        Assert.Equal(Model.Value.ModelSha256, reloaded.ModelSha256);
        for (var row = 0; row < 50; row++)
        {
            var input = Holdout.RowAsInput(row);
            var first = Model.Value.Score(input);
            var again = reloaded.Score(input);
            Assert.Equal(first.ProbabilityOfDefault, again.ProbabilityOfDefault);
            Assert.Equal(first.Reasons.Select(r => r.Code), again.Reasons.Select(r => r.Code));
        }
        // Training itself is deterministic too (one thread, fixed seed): the same data grows the same trees, and
        // LightGBM's text model makes the artifact byte-identical, hash included.
        var retrained = ChallengerModel.Train(Train, Fast, "cards-challenger", "1.0.0");
        Assert.Equal(Model.Value.Probabilities(Holdout, All(Holdout)), retrained.Probabilities(Holdout, All(Holdout)));
        Assert.Equal(Model.Value.ToJson(), retrained.ToJson());
        Assert.Equal(Model.Value.ModelSha256, retrained.ModelSha256);
    }

    [Fact]
    public void Contributions_explain_the_score_and_the_reasons_name_the_features_that_raised_the_risk()
    {
        // Find a holder who is two or more months overdue: the latest status must be among the reasons.
        var pay0 = Holdout.ColumnIndex("pay0");
        var row = Enumerable.Range(0, Holdout.Count).First(r => Holdout.Rows[r][pay0].Number >= 2);

        var score = Model.Value.Score(Holdout.RowAsInput(row));

        Assert.Contains("F-pay0", score.Reasons.Select(r => r.Code));
        Assert.InRange(score.Reasons.Count, 1, CreditDecisionEngine.MaxReasons);
        Assert.Equal(Train.Columns.Count, score.Contributions.Count);
        Assert.True(score.Contributions.First(c => c.Feature == "pay0").Contribution > 0);
        Assert.True(score.ProbabilityOfDefault > Holdout.Targets.Average());
        Assert.Equal(ScoreScaling.Standard.ScoreForLogOddsGood(Math.Log((1 - score.ProbabilityOfDefault) / score.ProbabilityOfDefault)), score.Score, 9);
    }

    [Fact]
    public void The_challenger_speaks_the_champions_reason_codes_for_the_same_features()
    {
        var worded = new ReasonText("R11", "最近一期还款逾期", "The latest repayment was late");
        // A champion with a worded reason on the latest status, as a shipped model has.
        var champion = ScorecardModelCatalog.RuralHousehold with
        {
            Features = [new ScorecardFeature { Name = "pay0", Kind = FeatureKind.Numeric, Coefficient = 1, Bins = [new ScorecardBin { Label = "all", Woe = 0 }], Reason = worded }],
        };
        var model = ChallengerModel.Train(Train, Fast with { Trees = 40 }, "c", "1", champion);
        var pay0 = Holdout.ColumnIndex("pay0");
        var row = Enumerable.Range(0, Holdout.Count).First(r => Holdout.Rows[r][pay0].Number >= 2);

        var score = model.Score(Holdout.RowAsInput(row));

        Assert.Contains(worded, score.Reasons);
        Assert.DoesNotContain("F-pay0", score.Reasons.Select(r => r.Code));
    }

    [Fact]
    public void The_monotonicity_check_finds_the_trend_the_trees_learned_for_overdue_months()
    {
        // Months overdue (codes -2 and -1 left aside) raise the risk; the unconstrained trees mostly follow that.
        var along = Model.Value.MonotonicityViolations(Holdout, "pay0", direction: +1, codes: [-2, -1], sampleRows: 60);
        var against = Model.Value.MonotonicityViolations(Holdout, "pay0", direction: -1, codes: [-2, -1], sampleRows: 60);

        Assert.True(along < 0.2, $"{along:P1} of steps lower the risk");
        Assert.True(against > along, $"{against:P1} against, {along:P1} along");
    }

    [Fact]
    public void Excluded_columns_are_never_model_inputs()
    {
        var model = ChallengerModel.Train(Train, Fast with { Trees = 30, ExcludedColumns = ["sex", "age"] }, "c", "1");

        Assert.DoesNotContain(model.Manifest.Features, f => f.Name is "sex" or "age");
        var input = Holdout.RowAsInput(0);
        input.Remove("sex");
        input.Remove("age");
        Assert.InRange(model.Score(input).ProbabilityOfDefault, 0, 1);
    }

    [Fact]
    public void The_audit_verifies_a_recorded_champion_challenger_decision_with_the_real_challenger()
    {
        var champion = ScorecardModelCatalog.RuralHousehold;
        var engine = new CreditDecisionEngine(new Scorecard(champion), CreditPolicy.RuralDefault, TimeProvider.System);
        var shadow = new FixedInputShadow(Model.Value, Holdout.RowAsInput(7));
        var input = new DecisionInput(
            new Dictionary<string, FeatureValue>
            {
                ["age"] = FeatureValue.Of(43), ["householdSize"] = FeatureValue.Of(5), ["landAreaMu"] = FeatureValue.Of(8),
                ["farmingProject"] = FeatureValue.Of("grain"), ["requestedAmountYuan"] = FeatureValue.Of(30_000), ["termMonths"] = FeatureValue.Of(12),
                ["purposeCategory"] = FeatureValue.Of("inputs"), ["repaymentMethod"] = FeatureValue.Of("equal"), ["preCheckItemsFailed"] = FeatureValue.Of(0),
            },
            new PolicyFacts { ApplicantAge = 43, AgeAtMaturity = 44, RequestedAmountYuan = 30_000, ProductCapYuan = 100_000, ExistingDebtYuan = 0, OnBlacklist = false, PreCheck = PreCheckOutcome.Pass });

        var recorded = ChampionChallenger.Decide(engine, shadow, "app-1", input);
        var audit = ChampionChallenger.Verify(recorded, champion, CreditPolicy.RuralDefault, new FixedInputShadow(ChallengerModel.FromJson(Model.Value.ToJson()), Holdout.RowAsInput(7)));

        Assert.NotNull(recorded.Challenger);
        Assert.True(audit.Verified, string.Join("; ", audit.Differences));
    }

    /// <summary>The card-holder challenger cannot read a rural form; this feeds it a fixed holder so the audit path runs end to end.</summary>
    private sealed class FixedInputShadow(ChallengerModel model, IReadOnlyDictionary<string, FeatureValue> holder) : IShadowModel
    {
        public string ModelId => model.ModelId;
        public string ModelVersion => model.ModelVersion;
        public string ModelSha256 => model.ModelSha256;
        public ChallengerScore Score(IReadOnlyDictionary<string, FeatureValue> features) => model.Score(holder);
    }
}
