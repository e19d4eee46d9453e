using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Steps;

namespace RuralLoans.Functions;

/// <summary>
/// The orchestration and its activities as Durable Functions: each function hands its trigger to the code the local
/// task hub runs (<see cref="LoanApplicationOrchestration"/>, <see cref="PipelineActivities"/>). Nothing is decided here.
/// </summary>
public sealed class PipelineFunctions(FunctionAppPipeline pipeline)
{
    [Function(LoanApplicationOrchestration.Name)]
    public static Task<ApplicationOutcome> LoanApplication([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return LoanApplicationOrchestration.RunAsync(context, context.GetInput<ApplicationStarted>());
    }

    [Function(DocumentOcr.Name)]
    public async Task<DocumentOcr.Output> RunDocumentOcr([ActivityTrigger] DocumentOcr.Input input, FunctionContext context) =>
        await (await Activities(context)).DocumentOcrAsync(input, context.CancellationToken);

    [Function(FieldValidation.Name)]
    public async Task<FieldValidation.Output> RunFieldValidation([ActivityTrigger] FieldValidation.Input input, FunctionContext context) =>
        await (await Activities(context)).FieldValidationAsync(input, context.CancellationToken);

    [Function(VillagePreCheck.AssignName)]
    public async Task<VillagePreCheck.Assignment> RunAssignPreCheck([ActivityTrigger] VillagePreCheck.AssignInput input, FunctionContext context) =>
        await (await Activities(context)).AssignPreCheckAsync(input, context.CancellationToken);

    [Function(VillagePreCheck.RemindName)]
    public async Task<bool> RunRemindPreCheck([ActivityTrigger] VillagePreCheck.RemindInput input, FunctionContext context) =>
        await (await Activities(context)).RemindPreCheckAsync(input, context.CancellationToken);

    [Function(VillagePreCheck.RecordName)]
    public async Task<VillagePreCheck.Recorded> RunRecordPreCheck([ActivityTrigger] VillagePreCheck.RecordInput input, FunctionContext context) =>
        await (await Activities(context)).RecordPreCheckAsync(input, context.CancellationToken);

    [Function(DataScoring.Name)]
    public async Task<CreditDecision> RunDataScoring([ActivityTrigger] DataScoring.Input input, FunctionContext context) =>
        await (await Activities(context)).DataScoringAsync(input, context.CancellationToken);

    [Function(CoLendingSplit.Name)]
    public async Task<CoLendingSplit.Output> RunCoLendingSplit([ActivityTrigger] CoLendingSplit.Input input, FunctionContext context) =>
        await (await Activities(context)).CoLendingSplitAsync(input, context.CancellationToken);

    [Function(Disbursement.Name)]
    public async Task<Disbursement.Output> RunDisbursement([ActivityTrigger] Disbursement.Input input, FunctionContext context) =>
        await (await Activities(context)).DisbursementAsync(input, context.CancellationToken);

    [Function(LoanContract.OfferName)]
    public async Task<LoanContract.Offer> RunOfferContract([ActivityTrigger] LoanContract.OfferInput input, FunctionContext context) =>
        await (await Activities(context)).OfferContractAsync(input, context.CancellationToken);

    [Function(LoanContract.RemindName)]
    public async Task<bool> RunRemindContract([ActivityTrigger] LoanContract.RemindInput input, FunctionContext context) =>
        await (await Activities(context)).RemindContractAsync(input, context.CancellationToken);

    [Function(LoanContract.AcceptName)]
    public async Task<LoanContract.Accepted> RunAcceptContract([ActivityTrigger] LoanContract.AcceptInput input, FunctionContext context) =>
        await (await Activities(context)).AcceptContractAsync(input, context.CancellationToken);

    [Function(LoanContract.WithdrawName)]
    public async Task<bool> RunWithdrawContract([ActivityTrigger] LoanContract.WithdrawInput input, FunctionContext context) =>
        await (await Activities(context)).WithdrawContractAsync(input, context.CancellationToken);

    [Function(Disbursement.CheckName)]
    public async Task<Disbursement.Output> RunDisbursementStatusCheck([ActivityTrigger] Disbursement.CheckInput input, FunctionContext context) =>
        await (await Activities(context)).DisbursementStatusCheckAsync(input, context.CancellationToken);

    [Function(Disbursement.BookName)]
    public async Task<Disbursement.Output> RunDisbursementBooking([ActivityTrigger] Disbursement.BookInput input, FunctionContext context) =>
        await (await Activities(context)).DisbursementBookingAsync(input, context.CancellationToken);

    private Task<PipelineActivities> Activities(FunctionContext context) => pipeline.ActivitiesAsync(context.CancellationToken);
}
