using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.Scoring;

/// <summary>The facts about an applicant that are not on the form: from the credit bureau and the product.</summary>
public sealed record ApplicantFacts(decimal ExistingDebtYuan, bool OnBlacklist, decimal ProductCapYuan);

/// <summary>Scores an application, applies the policy rules and words the outcome for the borrower.</summary>
public sealed class CreditDecisionEngine
{
    public const int MaxReasons = 4;

    private readonly Scorecard _scorecard;
    private readonly CreditPolicy _policy;
    private readonly TimeProvider _time;

    public CreditDecisionEngine(Scorecard scorecard, CreditPolicy policy, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(scorecard);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(time);
        _scorecard = scorecard;
        _policy = policy;
        _time = time;
    }

    public CreditDecision Decide(string applicationId, LoanApplication application, VillagePreCheckResult preCheck, ApplicantFacts applicant)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(preCheck);
        ArgumentNullException.ThrowIfNull(applicant);
        var facts = new PolicyFacts
        {
            ApplicantAge = application.ApplicantAge,
            AgeAtMaturity = RuralHouseholdFeatures.AgeAtMaturity(application),
            RequestedAmountYuan = application.RequestedAmountYuan,
            ProductCapYuan = applicant.ProductCapYuan,
            ExistingDebtYuan = applicant.ExistingDebtYuan,
            OnBlacklist = applicant.OnBlacklist,
            PreCheck = preCheck.Outcome,
        };
        return Decide(applicationId, new DecisionInput(RuralHouseholdFeatures.From(application, preCheck), facts), _time.GetUtcNow());
    }

    public CreditDecision Decide(string applicationId, DecisionInput input) => Decide(applicationId, input, _time.GetUtcNow());

    /// <summary>Re-computes a recorded decision with the same model and policy; the result must equal the record.</summary>
    public static CreditDecision Replay(CreditDecision recorded, ScorecardModel model, CreditPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(policy);
        if (model.ModelId != recorded.ModelId || model.Version != recorded.ModelVersion || policy.Version != recorded.PolicyVersion)
        {
            throw new ArgumentException(
                $"The decision was made with {recorded.ModelId} {recorded.ModelVersion} under policy {recorded.PolicyVersion}; got {model.ModelId} {model.Version} and {policy.Version}.");
        }
        var replayed = new CreditDecisionEngine(new Scorecard(model), policy, TimeProvider.System)
            .Decide(recorded.ApplicationId, recorded.Input, recorded.DecidedAt);
        return recorded.HumanReview is null ? replayed : replayed.RequestHumanReview(recorded.HumanReview.RequestedAt, recorded.HumanReview.ApplicantStatement);
    }

    private CreditDecision Decide(string applicationId, DecisionInput input, DateTimeOffset decidedAt)
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = _scorecard.Score(input.Features);
        var findings = PolicyRules.Evaluate(_policy, input.Facts);
        var outcome = findings.Any(f => f.Severity == RuleSeverity.Decline) || result.Score < _policy.DeclineBelow
            ? DecisionOutcome.Decline
            : findings.Count > 0 || result.Score < _policy.ApproveAtOrAbove
                ? DecisionOutcome.ReferToHumanReview
                : DecisionOutcome.Approve;
        return new CreditDecision
        {
            ApplicationId = applicationId,
            ModelId = _scorecard.Model.ModelId,
            ModelVersion = _scorecard.Model.Version,
            PolicyVersion = _policy.Version,
            Input = input,
            Score = result.Score,
            ProbabilityOfDefault = result.ProbabilityOfDefault,
            Outcome = outcome,
            Reasons = outcome == DecisionOutcome.Approve ? [] : Reasons(outcome, findings, result),
            FeaturePoints = result.Features,
            BasePoints = result.BasePoints,
            PolicyFindings = findings,
            DecidedAt = decidedAt,
        };
    }

    private List<ReasonText> Reasons(DecisionOutcome outcome, IReadOnlyList<PolicyFinding> findings, ScoreResult result)
    {
        // "A loan officer reviews it" would mislead a borrower who was declined for another reason.
        var reasons = findings
            .Where(f => outcome != DecisionOutcome.Decline || f.RuleId != PolicyRules.NoLocalPartnerRule)
            .OrderBy(f => f.Severity).Select(f => (Reason: f.Reason, IsAge: false)).ToList();
        var featureReasons = result.Features
            .Select((points, i) => (points, feature: _scorecard.Model.Features[i]))
            .Where(x => x.points.MaxPoints - x.points.Points > 0)
            .OrderByDescending(x => x.points.MaxPoints - x.points.Points)
            .ThenBy(x => x.feature.Name, StringComparer.Ordinal)
            .Select(x => (Reason: FeatureReasons.For(x.feature), IsAge: Training.ProtectedAttributePolicy.IsAgeName(x.feature.Name)));
        foreach (var reason in featureReasons)
        {
            if (reasons.All(r => r.Reason.Code != reason.Reason.Code))
            {
                reasons.Add(reason);
            }
        }
        var ordered = FeatureReasons.AgeNeverAlone(reasons, r => r.IsAge).Select(r => r.Reason).Take(MaxReasons).ToList();
        return ordered.Count > 0 ? ordered : [FeatureReasons.OverallScore];
    }
}
