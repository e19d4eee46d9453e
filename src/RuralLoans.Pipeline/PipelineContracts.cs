using RuralLoans.Domain.Applications;
using RuralLoans.Pipeline.Products;
using RuralLoans.Storage.Applications;

namespace RuralLoans.Pipeline;

/// <summary>The orchestration's input: everything intake knew, including the product's rules as they were at submission.</summary>
public sealed record ApplicationStarted(string ApplicationId, string PartnerId, PipelineProduct Product, DocumentRef Document, DateTimeOffset SubmittedAt);

/// <summary>
/// Where an application is, for the portal and the CLI. Kept in the orchestration's custom status. A running application
/// at <see cref="Declined"/> was declined by the model alone and may still be reviewed until its WaitingUntilUtc.
/// </summary>
public enum ApplicationStage
{
    ReadingDocument,
    NeedsCorrection,
    AwaitingPreCheck,
    Scoring,
    AwaitingHumanReview,
    Splitting,
    Disbursing,
    Disbursed,
    Declined,
    Expired,

    /// <summary>The contract is printed; the borrower has until WaitingUntilUtc to accept it.</summary>
    AwaitingContract,

    /// <summary>The rail has not settled the payout by its deadline: an operator task is open; the application keeps asking the rail.</summary>
    PayoutUnconfirmed,

    /// <summary>Final: the rail failed or refused the payout; no money left and the lenders' quota is released.</summary>
    PayoutFailed,

    /// <summary>Final: the payout settled, then the payee's bank sent it back (退汇); the booking is reversed by a return.</summary>
    PayoutReturned,
}

/// <summary>Custom status: the stage, which of the five steps it belongs to, and what the application waits for.</summary>
public sealed record ApplicationProgress(ApplicationStage Stage, int Step, string Detail, IReadOnlyList<FieldError>? Errors = null, DateTime? WaitingUntilUtc = null)
{
    public static int StepOf(ApplicationStage stage) => stage switch
    {
        ApplicationStage.ReadingDocument or ApplicationStage.NeedsCorrection => 1,
        ApplicationStage.AwaitingPreCheck => 2,
        ApplicationStage.Scoring or ApplicationStage.AwaitingHumanReview => 3,
        ApplicationStage.Splitting or ApplicationStage.AwaitingContract => 4,
        _ => 5,
    };
}

/// <summary>
/// The submitting partner corrected fields. The values stay in Cosmos (the decision log, under <paramref name="CorrectionId"/>);
/// the orchestration's history sees only which fields changed.
/// </summary>
public sealed record FieldCorrection(string PartnerId, string CorrectionId, IReadOnlyList<string> Fields);

/// <summary>
/// The village partner's answer to a pre-check, with the checklist as ticked on the phone. Free-text remarks are kept in
/// Cosmos under <paramref name="NoteId"/>, never in the orchestration's history.
/// </summary>
public sealed record PreCheckDecision(
    string VillagePartnerId,
    bool Approved,
    bool IdentitySeen,
    bool HouseholdRegisterSeen,
    bool HomesteadCertificateSeen,
    IReadOnlyList<string> PhotoBlobNames,
    string? NoteId,
    DateTimeOffset DecidedAt);

/// <summary>The submitting partner's request, on the borrower's behalf, that a person reviews an automated decline.</summary>
public sealed record HumanReviewRequest(string PartnerId, string? NoteId, DateTimeOffset RequestedAt);

/// <summary>An operator's decision on an application referred to human review.</summary>
public sealed record ReviewDecision(string OperatorId, bool Approved, string? NoteId, DateTimeOffset DecidedAt);

/// <summary>How an application ended.</summary>
public sealed record ApplicationOutcome(
    string ApplicationId,
    ApplicationStage Stage,
    string Summary,
    double? Score = null,
    IReadOnlyList<Domain.Scoring.ReasonText>? Reasons = null,
    IReadOnlyList<LenderAmount>? Split = null,
    string? DisbursementId = null,
    string? ReviewedBy = null);

public sealed record LenderAmount(string LenderId, string LenderName, decimal AmountYuan);

/// <summary>
/// The borrower accepted the contract whose bytes hash to <paramref name="ContractSha256"/>, through the app of the
/// partner or village partner <paramref name="ActorId"/>. Ids and a hash only: the contract itself is in blob storage.
/// </summary>
public sealed record ContractAccepted(string ActorId, string ContractSha256, DateTimeOffset AcceptedAt);
