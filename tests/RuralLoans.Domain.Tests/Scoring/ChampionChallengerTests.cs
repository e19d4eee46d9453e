using Microsoft.Extensions.Time.Testing;
using RuralLoans.Domain.Scoring;

namespace RuralLoans.Domain.Tests.Scoring;

public class ChampionChallengerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>A deterministic stand-in: PD rises with land area under 5 mu and with the amount requested.</summary>
    private sealed class LinearShadow(string sha = "abc123", bool fail = false, double drift = 0) : IShadowModel
    {
        public string ModelId => "shadow";
        public string ModelVersion => "0.1.0";
        public string ModelSha256 => sha;

        public ChallengerScore Score(IReadOnlyDictionary<string, FeatureValue> features)
        {
            if (fail)
            {
                throw new InvalidOperationException("model file unreadable");
            }
            var contributions = new[]
            {
                new FeatureContribution("landAreaMu", features["landAreaMu"].Number < 5 ? 0.4 : -0.2),
                new FeatureContribution("requestedAmountYuan", features["requestedAmountYuan"].Number!.Value / 200_000),
                new FeatureContribution("age", -0.1),
            };
            var pd = 1 / (1 + Math.Exp(-(-3 + contributions.Sum(c => c.Contribution)))) + drift;
            return new ChallengerScore
            {
                ModelId = ModelId,
                ModelVersion = ModelVersion,
                ModelSha256 = ModelSha256,
                ProbabilityOfDefault = pd,
                Score = ScoreScaling.Standard.ScoreForLogOddsGood(Math.Log((1 - pd) / pd)),
                Contributions = contributions,
                Reasons = ChampionChallenger.Reasons(contributions, FeatureReasons.From(ScorecardModelCatalog.RuralHousehold)),
            };
        }
    }

    private static DecisionInput Input(double land = 3, double amount = 60_000) => new(
        new Dictionary<string, FeatureValue>
        {
            ["age"] = FeatureValue.Of(43),
            ["householdSize"] = FeatureValue.Of(5),
            ["landAreaMu"] = FeatureValue.Of(land),
            ["farmingProject"] = FeatureValue.Of("livestock"),
            ["requestedAmountYuan"] = FeatureValue.Of(amount),
            ["termMonths"] = FeatureValue.Of(12),
            ["purposeCategory"] = FeatureValue.Of("production-inputs"),
            ["repaymentMethod"] = FeatureValue.Of("equal-instalment"),
            ["preCheckItemsFailed"] = FeatureValue.Of(0),
        },
        new PolicyFacts
        {
            ApplicantAge = 43,
            AgeAtMaturity = 44,
            RequestedAmountYuan = (decimal)amount,
            ProductCapYuan = 100_000,
            ExistingDebtYuan = 0,
            OnBlacklist = false,
            PreCheck = PreCheckOutcome.Pass,
        });

    private CreditDecisionEngine Champion() => new(new Scorecard(ScorecardModelCatalog.RuralHousehold), CreditPolicy.RuralDefault, _time);

    [Fact]
    public void The_champion_decides_and_the_challenger_is_recorded_beside_it_with_reasons_in_the_scorecards_codes()
    {
        var alone = Champion().Decide("app-1", Input());

        var both = ChampionChallenger.Decide(Champion(), new LinearShadow(), "app-1", Input());

        Assert.Equal(alone.Outcome, both.Champion.Outcome);
        Assert.Equal(alone.Score, both.Champion.Score);
        var shadow = Assert.IsType<ChallengerScore>(both.Challenger);
        Assert.Equal("abc123", shadow.ModelSha256);
        // Land (R03) pushed the risk up most, then the amount (R05); age pulled it down and gives no reason.
        var land = ScorecardModelCatalog.RuralHousehold.Features.Single(f => f.Name == "landAreaMu").Reason!.Code;
        var amount = ScorecardModelCatalog.RuralHousehold.Features.Single(f => f.Name == "requestedAmountYuan").Reason!.Code;
        Assert.Equal([land, amount], shadow.Reasons.Select(r => r.Code));
    }

    [Fact]
    public void A_failing_challenger_leaves_the_decision_alone_and_is_recorded_as_an_error()
    {
        var both = ChampionChallenger.Decide(Champion(), new LinearShadow(fail: true), "app-2", Input());

        Assert.Null(both.Challenger);
        Assert.Contains("model file unreadable", both.ChallengerError, StringComparison.Ordinal);
        Assert.Equal(Champion().Decide("app-2", Input()).Outcome, both.Champion.Outcome);
    }

    [Fact]
    public void The_audit_re_verifies_both_and_catches_a_different_challenger_artifact_or_a_changed_score()
    {
        var recorded = ChampionChallenger.Decide(Champion(), new LinearShadow(), "app-3", Input(land: 8, amount: 30_000));
        var model = ScorecardModelCatalog.RuralHousehold;

        var same = ChampionChallenger.Verify(recorded, model, CreditPolicy.RuralDefault, new LinearShadow());
        var otherArtifact = ChampionChallenger.Verify(recorded, model, CreditPolicy.RuralDefault, new LinearShadow(sha: "def456"));
        var drifted = ChampionChallenger.Verify(recorded, model, CreditPolicy.RuralDefault, new LinearShadow(drift: 1e-9));
        var tamperedChampion = ChampionChallenger.Verify(recorded with { Champion = recorded.Champion with { Score = recorded.Champion.Score + 1 } }, model, CreditPolicy.RuralDefault, new LinearShadow());

        Assert.True(same.Verified);
        Assert.Equal((true, true), (same.ChampionMatches, same.ChallengerMatches));
        Assert.False(otherArtifact.Verified);
        Assert.Contains("def456", otherArtifact.Differences.Single(), StringComparison.Ordinal);
        Assert.False(drifted.Verified);
        Assert.False(tamperedChampion.ChampionMatches);
    }
}
