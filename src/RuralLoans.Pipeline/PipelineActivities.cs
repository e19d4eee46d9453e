using Microsoft.DurableTask;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Storage.Journal;
using RuralLoans.TaskHub;

namespace RuralLoans.Pipeline;

/// <summary>
/// The orchestration and its activities by name — the single list both hosts register: the local task hub through
/// <see cref="Register"/>, the Function App through one thin function per entry. Activities take their input and a
/// cancellation token and nothing from either host.
/// </summary>
public sealed class PipelineActivities(DocumentOcr documentOcr, FieldValidation validation, VillagePreCheck preCheck, DataScoring scoring, CoLendingSplit split, Disbursement disbursement,
    AuditJournal journal, LoanContract contract)
{
    /// <summary>Every activity name the orchestration calls.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        DocumentOcr.Name, FieldValidation.Name, VillagePreCheck.AssignName, VillagePreCheck.RemindName, VillagePreCheck.RecordName,
        DataScoring.Name, CoLendingSplit.Name, Disbursement.Name,
        LoanContract.OfferName, LoanContract.RemindName, LoanContract.AcceptName, LoanContract.WithdrawName,
        Disbursement.CheckName, Disbursement.BookName,
    ];

    /// <summary>A fresh orchestrator: the engine's adapter keeps state per execution.</summary>
    public static ITaskOrchestrator Orchestrator() =>
        FuncTaskOrchestrator.Create<ApplicationStarted, ApplicationOutcome>((context, started) => LoanApplicationOrchestration.RunAsync(context, started));

    public Task<DocumentOcr.Output> DocumentOcrAsync(DocumentOcr.Input input, CancellationToken ct) =>
        Journaled(DocumentOcr.Name, input.ApplicationId, input, () => documentOcr.RunAsync(input, ct), ct);

    public Task<FieldValidation.Output> FieldValidationAsync(FieldValidation.Input input, CancellationToken ct) =>
        Journaled(FieldValidation.Name, input.ApplicationId, input, () => validation.RunAsync(input, ct), ct);

    public Task<VillagePreCheck.Assignment> AssignPreCheckAsync(VillagePreCheck.AssignInput input, CancellationToken ct) =>
        Journaled(VillagePreCheck.AssignName, input.ApplicationId, input, () => preCheck.AssignAsync(input, ct), ct);

    public Task<bool> RemindPreCheckAsync(VillagePreCheck.RemindInput input, CancellationToken ct) =>
        Journaled(VillagePreCheck.RemindName, input.ApplicationId, input, () => preCheck.RemindAsync(input, ct), ct);

    public Task<VillagePreCheck.Recorded> RecordPreCheckAsync(VillagePreCheck.RecordInput input, CancellationToken ct) =>
        Journaled(VillagePreCheck.RecordName, input.ApplicationId, input, () => preCheck.RecordAsync(input, ct), ct);

    public Task<CreditDecision> DataScoringAsync(DataScoring.Input input, CancellationToken ct) =>
        Journaled(DataScoring.Name, input.ApplicationId, input, () => scoring.RunAsync(input, ct), ct);

    public Task<CoLendingSplit.Output> CoLendingSplitAsync(CoLendingSplit.Input input, CancellationToken ct) =>
        Journaled(CoLendingSplit.Name, input.ApplicationId, input, () => split.RunAsync(input, ct), ct);

    public Task<Disbursement.Output> DisbursementAsync(Disbursement.Input input, CancellationToken ct) =>
        Journaled(Disbursement.Name, input.ApplicationId, input, () => disbursement.RunAsync(input, ct), ct);

    public Task<LoanContract.Offer> OfferContractAsync(LoanContract.OfferInput input, CancellationToken ct) =>
        Journaled(LoanContract.OfferName, input.ApplicationId, input, () => contract.OfferAsync(input, ct), ct);

    public Task<bool> RemindContractAsync(LoanContract.RemindInput input, CancellationToken ct) =>
        Journaled(LoanContract.RemindName, input.ApplicationId, input, () => contract.RemindAsync(input, ct), ct);

    public Task<LoanContract.Accepted> AcceptContractAsync(LoanContract.AcceptInput input, CancellationToken ct) =>
        Journaled(LoanContract.AcceptName, input.ApplicationId, input, () => contract.AcceptAsync(input, ct), ct);

    public Task<bool> WithdrawContractAsync(LoanContract.WithdrawInput input, CancellationToken ct) =>
        Journaled(LoanContract.WithdrawName, input.ApplicationId, input, () => contract.WithdrawAsync(input, ct), ct);

    public Task<Disbursement.Output> DisbursementStatusCheckAsync(Disbursement.CheckInput input, CancellationToken ct) =>
        Journaled(Disbursement.CheckName, input.Payout.ApplicationId, input, () => disbursement.CheckAsync(input, ct), ct);

    public Task<Disbursement.Output> DisbursementBookingAsync(Disbursement.BookInput input, CancellationToken ct) =>
        Journaled(Disbursement.BookName, input.ApplicationId, input, () => disbursement.BookAsync(input, ct), ct);

    /// <summary>
    /// Runs a step and journals it before its result goes back to the engine: the hashes of the input it was given
    /// and the result it returns, as the history will store them, after the decisions the step stored. The instance
    /// id is the application id; every step input carries it. Both hosts call these methods, so both journal.
    /// </summary>
    private Task<TOut> Journaled<TIn, TOut>(string name, string applicationId, TIn input, Func<Task<TOut>> run, CancellationToken ct) =>
        journal.RecordingAsync(applicationId, run, result => [JournalFact.Activity(name, PayloadHash.Of(input), PayloadHash.Of(result))], ct);

    /// <summary>Registers the orchestration and every activity with a local task hub.</summary>
    public TaskRegistry Register(TaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        // The local engine gives activities no cancellation token; a stopping host abandons them and the message is redelivered.
        return registry
            .AddOrchestrator<ApplicationStarted, ApplicationOutcome>(LoanApplicationOrchestration.Name, LoanApplicationOrchestration.RunAsync)
            .AddActivity<DocumentOcr.Input, DocumentOcr.Output>(DocumentOcr.Name, (_, input) => DocumentOcrAsync(input, CancellationToken.None))
            .AddActivity<FieldValidation.Input, FieldValidation.Output>(FieldValidation.Name, (_, input) => FieldValidationAsync(input, CancellationToken.None))
            .AddActivity<VillagePreCheck.AssignInput, VillagePreCheck.Assignment>(VillagePreCheck.AssignName, (_, input) => AssignPreCheckAsync(input, CancellationToken.None))
            .AddActivity<VillagePreCheck.RemindInput, bool>(VillagePreCheck.RemindName, (_, input) => RemindPreCheckAsync(input, CancellationToken.None))
            .AddActivity<VillagePreCheck.RecordInput, VillagePreCheck.Recorded>(VillagePreCheck.RecordName, (_, input) => RecordPreCheckAsync(input, CancellationToken.None))
            .AddActivity<DataScoring.Input, CreditDecision>(DataScoring.Name, (_, input) => DataScoringAsync(input, CancellationToken.None))
            .AddActivity<CoLendingSplit.Input, CoLendingSplit.Output>(CoLendingSplit.Name, (_, input) => CoLendingSplitAsync(input, CancellationToken.None))
            .AddActivity<Disbursement.Input, Disbursement.Output>(Disbursement.Name, (_, input) => DisbursementAsync(input, CancellationToken.None))
            .AddActivity<LoanContract.OfferInput, LoanContract.Offer>(LoanContract.OfferName, (_, input) => OfferContractAsync(input, CancellationToken.None))
            .AddActivity<LoanContract.RemindInput, bool>(LoanContract.RemindName, (_, input) => RemindContractAsync(input, CancellationToken.None))
            .AddActivity<LoanContract.AcceptInput, LoanContract.Accepted>(LoanContract.AcceptName, (_, input) => AcceptContractAsync(input, CancellationToken.None))
            .AddActivity<LoanContract.WithdrawInput, bool>(LoanContract.WithdrawName, (_, input) => WithdrawContractAsync(input, CancellationToken.None))
            .AddActivity<Disbursement.CheckInput, Disbursement.Output>(Disbursement.CheckName, (_, input) => DisbursementStatusCheckAsync(input, CancellationToken.None))
            .AddActivity<Disbursement.BookInput, Disbursement.Output>(Disbursement.BookName, (_, input) => DisbursementBookingAsync(input, CancellationToken.None));
    }
}
