using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Tests.Applications;

namespace RuralLoans.Domain.Tests.Scoring;

public class CreditDecisionTests
{
    private static readonly DateOnly Today = new(2024, 3, 20);
    private static readonly ApplicantFacts CleanApplicant = new(ExistingDebtYuan: 0, OnBlacklist: false, ProductCapYuan: 100_000);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 3, 20, 9, 30, 0, TimeSpan.FromHours(8)));

    private static LoanApplication Application(LoanApplicationForm? form = null) =>
        ApplicationValidator.Validate(form ?? ApplicationValidatorTests.ValidForm(), Today).Application
        ?? throw new InvalidOperationException("test form must be valid");

    private CreditDecisionEngine Engine() => new(new Scorecard(ScorecardModelCatalog.RuralHousehold), CreditPolicy.RuralDefault, _time);

    [Fact]
    public void A_typical_livestock_household_scores_as_hand_computed_and_is_approved()
    {
        var decision = Engine().Decide("app-1", Application(), VillagePreCheckResult.Clean(8), CleanApplicant);

        // Age 43 +0.25, household 5 +0.15, 8.5 mu +0.15, livestock -0.20, ¥35,000 +0.05, 12 months +0.15,
        // piglets and feed +0.20, equal instalment +0.15, no pre-check item failed +0.30: Σ WOE = 1.20.
        // logit P(bad) = -3.3 - 1.20 = -4.5, so ln(odds good) = 4.5.
        var scaling = ScoreScaling.Standard;
        Assert.Equal(scaling.Offset + scaling.Factor * 4.5, decision.Score, 9);
        Assert.Equal(1 / (1 + Math.Exp(4.5)), decision.ProbabilityOfDefault, 12);
        Assert.Equal(DecisionOutcome.Approve, decision.Outcome);
        Assert.Empty(decision.Reasons);
        Assert.Equal(9, decision.FeaturePoints.Count);
        Assert.Equal(("rural-household", "1.0.0", "rural-policy-2026.1"), (decision.ModelId, decision.ModelVersion, decision.PolicyVersion));
        Assert.Equal(_time.GetUtcNow(), decision.DecidedAt);
    }

    [Fact]
    public void A_blacklisted_applicant_is_declined_with_the_record_check_as_first_reason_and_at_most_four_reasons()
    {
        var form = ApplicationValidatorTests.ValidForm() with { Purpose = "装修房子", TermMonths = "48", RepaymentMethod = "到期一次还本付息", FarmingProject = "小龙虾" };

        var decision = Engine().Decide("app-2", Application(form), new VillagePreCheckResult(PreCheckOutcome.Concerns, 8, 1), CleanApplicant with { OnBlacklist = true });

        Assert.Equal(DecisionOutcome.Decline, decision.Outcome);
        Assert.Equal(CreditDecisionEngine.MaxReasons, decision.Reasons.Count);
        Assert.Equal(["P05", "P07"], decision.Reasons.Take(2).Select(r => r.Code));
        Assert.All(decision.Reasons, r => Assert.False(string.IsNullOrWhiteSpace(r.Zh) || string.IsNullOrWhiteSpace(r.En)));
    }

    [Fact]
    public void A_household_no_partner_could_vouch_for_goes_to_a_loan_officer_with_its_own_reason_and_none_about_a_pre_check()
    {
        var vouched = Engine().Decide("app-np0", Application(), VillagePreCheckResult.Clean(4), CleanApplicant);

        var unvouched = Engine().Decide("app-np1", Application(), VillagePreCheckResult.NoLocalPartner, CleanApplicant);

        Assert.Equal(DecisionOutcome.ReferToHumanReview, unvouched.Outcome);
        var reason = unvouched.Reasons[0];
        Assert.Equal("P08", reason.Code);
        Assert.DoesNotContain(unvouched.Reasons, r => r.Code is "P06" or "P07" or "R09");
        Assert.Equal("No local partner could vouch for the household; a loan officer reviews it", reason.En);
        Assert.Contains("信贷员人工审核", reason.Zh, StringComparison.Ordinal);
        Assert.Equal([PolicyRules.NoLocalPartnerRule], unvouched.PolicyFindings.Select(f => f.RuleId));
        // Not penalised for a visit that could not happen: the score is the one its form earns.
        Assert.Equal(vouched.Score, unvouched.Score, 9);
    }

    [Fact]
    public void A_household_no_partner_could_vouch_for_is_still_declined_by_a_hard_rule_without_being_told_an_officer_reviews_it()
    {
        var decision = Engine().Decide("app-np2", Application(), VillagePreCheckResult.NoLocalPartner, CleanApplicant with { OnBlacklist = true });

        Assert.Equal(DecisionOutcome.Decline, decision.Outcome);
        Assert.Equal("P05", decision.Reasons[0].Code);
        Assert.DoesNotContain(decision.Reasons, r => r.Code is "P06" or "P07" or "P08" or "R09");
    }

    [Fact]
    public void The_2024_policy_still_reads_no_local_partner_as_a_pre_check_with_concerns_so_its_decisions_replay()
    {
        var old = new CreditDecisionEngine(new Scorecard(ScorecardModelCatalog.RuralHousehold), CreditPolicy.Rural2024, _time);

        var decision = old.Decide("app-np3", Application(), VillagePreCheckResult.NoLocalPartner, CleanApplicant);
        var stored = JsonSerializer.Serialize(decision, ScorecardModel.JsonOptions);
        var recorded = JsonSerializer.Deserialize<CreditDecision>(stored, ScorecardModel.JsonOptions)!;
        var replayed = CreditDecisionEngine.Replay(recorded, ScorecardModelCatalog.Load(recorded.ModelId, recorded.ModelVersion), CreditPolicy.Find(recorded.PolicyVersion)!);

        Assert.Equal("rural-policy-2024.1", decision.PolicyVersion);
        Assert.Equal("P07", decision.Reasons[0].Code);
        Assert.Equal(stored, JsonSerializer.Serialize(replayed, ScorecardModel.JsonOptions));
        Assert.Throws<ArgumentException>(() => CreditDecisionEngine.Replay(recorded, ScorecardModelCatalog.RuralHousehold, CreditPolicy.RuralDefault));
        Assert.Equal(["rural-policy-2024.1", "rural-policy-2026.1"], CreditPolicy.Shipped.Select(p => p.Version));
        Assert.Null(CreditPolicy.Find("rural-policy-1999.1"));
    }

    [Fact]
    public void Feature_reasons_follow_the_points_lost_against_the_best_bin()
    {
        // ¥150,000 (−0.50 vs +0.20 best) and 48 months (−0.30 vs +0.15) cost the most.
        var form = ApplicationValidatorTests.ValidForm() with { RequestedAmountYuan = "15万", TermMonths = "48" };

        var decision = Engine().Decide("app-3", Application(form), VillagePreCheckResult.Clean(8), CleanApplicant with { ProductCapYuan = 200_000 });

        Assert.Equal(DecisionOutcome.ReferToHumanReview, decision.Outcome);
        Assert.Equal(["R05", "R06"], decision.Reasons.Take(2).Select(r => r.Code));
    }

    [Theory]
    [InlineData("19600101", "12", true)]  // 65 at maturity (2025-03-15): allowed
    [InlineData("19600101", "24", false)] // 66 at maturity: declined
    [InlineData("20060401", "12", false)] // 17 when applying
    [InlineData("20060301", "12", true)]  // just 18
    public void Age_limits_apply_at_application_and_at_maturity(string birthDate, string term, bool allowed)
    {
        var form = ApplicationValidatorTests.ValidForm() with { IdNumber = ApplicationValidatorTests.IdFor("511423", birthDate, "031"), TermMonths = term };

        var decision = Engine().Decide("app-age", Application(form), VillagePreCheckResult.Clean(8), CleanApplicant);

        Assert.Equal(allowed, decision.PolicyFindings.All(f => f.RuleId != "age-limits"));
    }

    [Theory]
    [InlineData(0, "120000", "product-cap", DecisionOutcome.Decline)]
    [InlineData(180_000, "30000", "household-cap", DecisionOutcome.Decline)]
    [InlineData(120_000, "30000", "existing-debt", DecisionOutcome.ReferToHumanReview)]
    public void Amount_and_debt_rules_name_themselves(decimal existingDebt, string amount, string rule, DecisionOutcome outcome)
    {
        var form = ApplicationValidatorTests.ValidForm() with { RequestedAmountYuan = amount };

        var decision = Engine().Decide("app-cap", Application(form), VillagePreCheckResult.Clean(8), CleanApplicant with { ExistingDebtYuan = existingDebt });

        Assert.Equal(outcome, decision.Outcome);
        Assert.Contains(decision.PolicyFindings, f => f.RuleId == rule);
    }

    [Fact]
    public void A_failed_village_pre_check_declines()
    {
        var decision = Engine().Decide("app-pc", Application(), new VillagePreCheckResult(PreCheckOutcome.Fail, 8, 3), CleanApplicant);

        Assert.Equal(DecisionOutcome.Decline, decision.Outcome);
        Assert.Equal("P06", decision.Reasons[0].Code);
    }

    [Fact]
    public void An_automated_decline_goes_to_a_person_on_request_and_keeps_the_automated_outcome()
    {
        var declined = Engine().Decide("app-4", Application(), VillagePreCheckResult.Clean(8), CleanApplicant with { OnBlacklist = true });
        _time.Advance(TimeSpan.FromDays(2));

        var reviewed = declined.RequestHumanReview(_time.GetUtcNow(), "我已还清欠款 / the debt has been repaid");

        Assert.True(declined.CanRequestHumanReview);
        Assert.Equal(DecisionOutcome.ReferToHumanReview, reviewed.Outcome);
        Assert.Equal(DecisionOutcome.Decline, reviewed.HumanReview!.AutomatedOutcome);
        Assert.False(reviewed.CanRequestHumanReview);
        Assert.Throws<InvalidOperationException>(() => reviewed.RequestHumanReview(_time.GetUtcNow()));
    }

    [Fact]
    public void An_approval_cannot_be_sent_to_human_review()
    {
        var approved = Engine().Decide("app-5", Application(), VillagePreCheckResult.Clean(8), CleanApplicant);

        Assert.Throws<InvalidOperationException>(() => approved.RequestHumanReview(_time.GetUtcNow()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_recorded_decision_replays_exactly_from_its_stored_json_with_the_recorded_model_version(bool reviewRequested)
    {
        var form = ApplicationValidatorTests.ValidForm() with { RequestedAmountYuan = "8.8万", LandAreaMu = "1.5", TermMonths = "30" };
        var decision = Engine().Decide("app-6", Application(form), new VillagePreCheckResult(PreCheckOutcome.Pass, 8, 1), CleanApplicant with { OnBlacklist = reviewRequested });
        if (reviewRequested)
        {
            decision = decision.RequestHumanReview(_time.GetUtcNow().AddHours(1), "请人工复核");
        }
        var stored = JsonSerializer.Serialize(decision, ScorecardModel.JsonOptions);

        var recorded = JsonSerializer.Deserialize<CreditDecision>(stored, ScorecardModel.JsonOptions)!;
        var replayed = CreditDecisionEngine.Replay(recorded, ScorecardModelCatalog.Load(recorded.ModelId, recorded.ModelVersion), CreditPolicy.RuralDefault);

        Assert.Equal(decision.Score, replayed.Score);
        Assert.Equal(decision.ProbabilityOfDefault, replayed.ProbabilityOfDefault);
        Assert.Equal(decision.Outcome, replayed.Outcome);
        Assert.Equal(decision.Reasons, replayed.Reasons);
        Assert.Equal(decision.FeaturePoints, replayed.FeaturePoints);
        Assert.Equal(stored, JsonSerializer.Serialize(replayed, ScorecardModel.JsonOptions));
    }

    [Fact]
    public void Replaying_with_another_model_version_is_refused()
    {
        var decision = Engine().Decide("app-7", Application(), VillagePreCheckResult.Clean(8), CleanApplicant);
        var otherVersion = ScorecardModelCatalog.RuralHousehold with { Version = "2.0.0" };

        Assert.Throws<ArgumentException>(() => CreditDecisionEngine.Replay(decision, otherVersion, CreditPolicy.RuralDefault));
    }

    [Fact]
    public void The_shipped_rural_model_is_marked_expert_calibrated_and_covers_every_form_feature()
    {
        var model = ScorecardModelCatalog.RuralHousehold;

        Assert.Equal("expert-calibrated", model.Calibration);
        Assert.Equal(
            new[] { "age", "householdSize", "landAreaMu", "farmingProject", "requestedAmountYuan", "termMonths", "purposeCategory", "repaymentMethod", "preCheckItemsFailed" },
            model.Features.Select(f => f.Name));
        Assert.All(model.Features, f => Assert.NotNull(f.Reason));
    }
}
