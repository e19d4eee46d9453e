namespace RuralLoans.Domain.Scoring;

public enum DecisionOutcome
{
    Approve,
    Decline,
    ReferToHumanReview,
}

/// <summary>Everything the decision was computed from; replaying it with the recorded model and policy versions gives the same decision.</summary>
public sealed record DecisionInput(IReadOnlyDictionary<string, FeatureValue> Features, PolicyFacts Facts);

/// <summary>
/// An applicant's request (PIPL Art. 24) that a person, not the model, decide. It keeps what the automated
/// decision was, so the record shows both.
/// </summary>
public sealed record HumanReviewRequest(DateTimeOffset RequestedAt, DecisionOutcome AutomatedOutcome, string? ApplicantStatement);

/// <summary>A credit decision, with the model and policy versions and the input that produced it.</summary>
public sealed record CreditDecision
{
    public required string ApplicationId { get; init; }
    public required string ModelId { get; init; }
    public required string ModelVersion { get; init; }
    public required string PolicyVersion { get; init; }
    public required DecisionInput Input { get; init; }
    public required double Score { get; init; }
    public required double ProbabilityOfDefault { get; init; }
    public required DecisionOutcome Outcome { get; init; }

    /// <summary>At most four reasons, policy objections first, then the features that cost the most points.</summary>
    public required IReadOnlyList<ReasonText> Reasons { get; init; }

    public required IReadOnlyList<FeaturePoints> FeaturePoints { get; init; }
    public required double BasePoints { get; init; }
    public required IReadOnlyList<PolicyFinding> PolicyFindings { get; init; }
    public required DateTimeOffset DecidedAt { get; init; }
    public HumanReviewRequest? HumanReview { get; init; }

    /// <summary>Only an automated decline may be sent to a person on the applicant's request.</summary>
    public bool CanRequestHumanReview => Outcome == DecisionOutcome.Decline && HumanReview is null;

    /// <summary>
    /// The applicant refuses the automated decline: the decision becomes a referral to a loan officer, and the
    /// automated outcome is kept on record.
    /// </summary>
    public CreditDecision RequestHumanReview(DateTimeOffset requestedAt, string? applicantStatement = null)
    {
        if (!CanRequestHumanReview)
        {
            throw new InvalidOperationException(HumanReview is not null
                ? "A human review has already been requested for this decision."
                : $"Only an automated decline can be sent to human review; this decision is {Outcome}.");
        }
        return this with
        {
            Outcome = DecisionOutcome.ReferToHumanReview,
            HumanReview = new HumanReviewRequest(requestedAt, Outcome, applicantStatement),
        };
    }
}
