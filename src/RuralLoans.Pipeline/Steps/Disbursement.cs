using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Payments;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Credit;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Disbursements;
using RuralLoans.Storage.Ledger;
using RuralLoans.Storage.Quotas;
using DisbursementState = RuralLoans.Domain.Disbursements.DisbursementState;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 5: pays the borrower exactly once and books it. One key — application + tranche — is the rail's idempotency key,
/// the ledger transfer id and the quota reservation id, so a step resumed after a crash at any point finds what was
/// already done (the rail is asked by key before paying) and only finishes the rest.
/// </summary>
public sealed partial class Disbursement(
    DisbursementStore payouts,
    IPaymentRail rail,
    LedgerStore ledger,
    QuotaStore quotas,
    LendingCatalog catalog,
    ApplicationStore applications,
    CaseFile caseFile,
    TimeProvider clock,
    ILogger<Disbursement>? logger = null)
{
    public const string Name = "Disbursement";

    /// <summary>What the orchestration passes: the validated round names the payee, whose details stay in Cosmos.</summary>
    public sealed record Input(string ApplicationId, string PartnerId, int ValidatedRound, DateTimeOffset SubmittedAt, FundSplit Split);

    private sealed record Payee(string Name, string IdHash);

    public sealed record Output(string DisbursementId, string RailReference, decimal AmountYuan);

    public async Task<Output> RunAsync(Input input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = new DisbursementKey(input.ApplicationId, 1);
        var amount = input.Split.PrincipalYuan;

        var current = await payouts.GetOrApproveAsync(key, amount, ct);
        if (current.Disbursement.State is DisbursementState.Approved or DisbursementState.Failed)
        {
            // The claim: one conditional write. Losing it means another worker claimed first; paying on is still safe
            // because the rail de-duplicates by key, so we carry on with the state as it now is.
            current = await payouts.TryTransitionAsync(current, current.Disbursement.StartPayout(clock.GetUtcNow()), ct)
                ?? await payouts.FindAsync(key, ct)
                ?? throw new InvalidOperationException($"Disbursement {key} vanished.");
        }

        var receipt = current.Disbursement.State == DisbursementState.Disbursed
            ? new PayoutReceipt(key.Value, current.Disbursement.RailReference!, amount, clock.GetUtcNow())
            : await PayAsync(current, input, await PayeeAsync(input, ct), key, amount, ct);

        var disbursed = current.Disbursement.State == DisbursementState.Disbursed
            ? current.Disbursement
            : current.Disbursement.MarkDisbursed(receipt.RailPayoutId, clock.GetUtcNow());
        await ledger.PostAsync(DisbursementPostings.ForPayout(disbursed, input.Split, clock.GetUtcNow()), ct);
        foreach (var allocation in input.Split.Allocations)
        {
            var committed = await quotas.ChangeAsync(allocation.LenderId, catalog.Lenders[allocation.LenderId].QuotaYuan, s => QuotaReservations.Commit(s, key.Value), ct);
            if (committed.Status == QuotaChangeStatus.NotFound)
            {
                // Normal only for a retry long after the commit was folded away; otherwise the lender's committed total
                // is short by this allocation, which an operator must correct.
                LogCommitFoundNoReservation(logger ?? (ILogger)NullLogger.Instance, key.Value, allocation.LenderId, allocation.AmountYuan);
            }
        }
        if (current.Disbursement.State != DisbursementState.Disbursed)
        {
            await payouts.TryTransitionAsync(current, disbursed, ct);
        }
        await applications.UpdateAsync(input.ApplicationId, a => a with
        {
            Stage = nameof(ApplicationStage.Disbursed),
            DisbursedAmountYuan = amount,
            UpdatedAt = clock.GetUtcNow(),
        }, ct);
        return new Output(key.Value, receipt.RailPayoutId, amount);
    }

    private async Task<Payee> PayeeAsync(Input input, CancellationToken ct)
    {
        var application = await caseFile.ValidApplicationAsync(input.ApplicationId, input.ValidatedRound, input.SubmittedAt, ct);
        return new Payee(application.ApplicantName, ApplicantFactsSource.HashResidentId(application.IdNumber.Value));
    }

    private async Task<PayoutReceipt> PayAsync(StoredDisbursement current, Input input, Payee payee, DisbursementKey key, decimal amount, CancellationToken ct)
    {
        var request = new PayoutRequest(key.Value, amount, PayeeAccount(input.PartnerId, payee), payee.Name, $"RuralLoans {input.ApplicationId}");
        try
        {
            return await rail.PayOnceAsync(request, ct);
        }
        catch (PayoutRejectedException e)
        {
            // Final: record the failure and give the lenders' quota back, then fail the step so an operator sees it.
            await payouts.TryTransitionAsync(current, current.Disbursement.MarkFailed(e.Message, clock.GetUtcNow()), ct);
            foreach (var allocation in input.Split.Allocations)
            {
                await quotas.ChangeAsync(allocation.LenderId, catalog.Lenders[allocation.LenderId].QuotaYuan, s => QuotaReservations.Release(s, key.Value), ct);
            }
            throw;
        }
    }

    /// <summary>The borrower's account held at the originating partner, identified without the resident ID in clear.</summary>
    private static string PayeeAccount(string partnerId, Payee payee) => $"{partnerId}:{payee.IdHash[..16]}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payout {DisbursementId}: lender {LenderId} had no quota reservation to commit for ¥{AmountYuan}; unless this is a late retry, its committed total does not include it")]
    private static partial void LogCommitFoundNoReservation(ILogger logger, string disbursementId, string lenderId, decimal amountYuan);
}
