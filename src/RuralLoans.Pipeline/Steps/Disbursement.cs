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
/// How the orchestration follows a payout the rail has not settled yet, and retries its booking. A careful default:
/// rails settle most payouts within minutes, a few within hours (the payee bank's batch), so the step asks again with
/// growing pauses and raises an operator task when the payout is still unconfirmed after <see cref="ConfirmationDeadline"/>;
/// it then keeps asking, slowly, because only the rail can say whether the money left.
/// </summary>
public sealed record PayoutPolling
{
    public TimeSpan FirstRecheck { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRecheck { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan ConfirmationDeadline { get; init; } = TimeSpan.FromHours(4);

    /// <summary>The pause between checks once the operator task is open.</summary>
    public TimeSpan AfterDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The first pause before booking a settled payout again after every retry of it failed; doubles up to <see cref="MaxRecheck"/>.</summary>
    public TimeSpan BookingRetry { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan RecheckAfter(int check, DateTimeOffset now, DateTimeOffset confirmBy) =>
        now >= confirmBy ? AfterDeadline : TimeSpan.FromTicks(Math.Min(MaxRecheck.Ticks, FirstRecheck.Ticks * (1L << Math.Clamp(check, 0, 20))));
}

/// <summary>
/// Step 5: pays the borrower exactly once, follows the payout until the rail settles or fails it, and books only a
/// settled payout. One key — application + tranche — is the rail's idempotency key, the ledger transfer id and the quota
/// reservation id, so a step resumed after a crash at any point finds what was already done. Three activities:
/// <see cref="RunAsync"/> submits (or finds) the payout, <see cref="CheckAsync"/> asks the rail again while it is in
/// flight, <see cref="BookAsync"/> books a settled payout and is retried by the orchestration until it succeeds.
/// </summary>
public sealed partial class Disbursement(
    DisbursementStore payouts,
    IPaymentRail rail,
    LedgerStore ledger,
    QuotaStore quotas,
    BorrowerExposureStore borrowers,
    LendingCatalog catalog,
    ApplicationStore applications,
    CaseFile caseFile,
    ResidentIdHasher residentIds,
    TimeProvider clock,
    ILogger<Disbursement>? logger = null,
    PayoutPolling? polling = null)
{
    public const string Name = "Disbursement";
    public const string CheckName = "DisbursementStatusCheck";
    public const string BookName = "DisbursementBooking";

    private readonly PayoutPolling _polling = polling ?? new PayoutPolling();
    private ILogger Logger => (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>What the orchestration passes: the validated round names the payee, whose details stay in Cosmos.</summary>
    public sealed record Input(string ApplicationId, string PartnerId, int ValidatedRound, DateTimeOffset SubmittedAt, FundSplit Split);

    /// <summary>Another look at a payout in flight; <paramref name="Check"/> counts the looks, for the pause before the next.</summary>
    public sealed record CheckInput(Input Payout, int Check);

    public sealed record BookInput(string ApplicationId, string DisbursementId);

    /// <summary>Where a payout stands for the orchestration.</summary>
    public enum PayoutProgress
    {
        /// <summary>Pending or processing at the rail, or not confirmed either way: ask again after <see cref="Output.RecheckAfter"/>.</summary>
        InFlight,

        /// <summary>The rail settled it: book it.</summary>
        Settled,

        /// <summary>The rail failed or refused it: no money left, the lenders' quota is released.</summary>
        Failed,
    }

    private sealed record Payee(string Name, string IdHash);

    /// <param name="ConfirmBy">When an unsettled payout becomes an operator task.</param>
    public sealed record Output(string DisbursementId, string RailReference, decimal AmountYuan)
    {
        public PayoutProgress Progress { get; init; } = PayoutProgress.Settled;
        public string? Reason { get; init; }
        public TimeSpan RecheckAfter { get; init; }
        public DateTimeOffset? ConfirmBy { get; init; }
        public TimeSpan BookingRetry { get; init; }
    }

    /// <summary>Submits the payout, or finds the one already under its key, and says where it stands.</summary>
    public async Task<Output> RunAsync(Input input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = new DisbursementKey(input.ApplicationId, 1);
        var amount = input.Split.PrincipalYuan;
        var shares = input.Split.Allocations.Select(a => new PayoutShare(a.LenderId, a.AmountYuan)).ToList();

        var current = await payouts.GetOrApproveAsync(key, amount, shares, ct);
        if (current.Disbursement.State is DisbursementState.Approved)
        {
            // The claim: one conditional write. Losing it means another worker claimed first; paying on is still safe
            // because the rail de-duplicates by key, so we carry on with the state as it now is.
            current = await payouts.TryTransitionAsync(current, current.Disbursement.StartPayout(clock.GetUtcNow()), ct)
                ?? await ReadAsync(key, ct);
        }
        return await FollowAsync(current, input, 0, ct);
    }

    /// <summary>Asks the rail again about a payout in flight; one it has never heard of (a request lost in doubt) is sent again under the same key.</summary>
    public Task<Output> CheckAsync(CheckInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        return CheckCoreAsync(input, ct);
    }

    private async Task<Output> CheckCoreAsync(CheckInput input, CancellationToken ct)
    {
        var key = new DisbursementKey(input.Payout.ApplicationId, 1);
        var current = await ReadAsync(key, ct);
        var output = await FollowAsync(current, input.Payout, input.Check, ct);
        if (output.Progress == PayoutProgress.InFlight && clock.GetUtcNow() >= output.ConfirmBy)
        {
            LogUnconfirmed(Logger, key.Value, output.ConfirmBy!.Value, output.Reason ?? "in flight");
            await applications.UpdateAsync(input.Payout.ApplicationId, a => a with { Stage = "PayoutUnconfirmed", UpdatedAt = clock.GetUtcNow() }, ct);
        }
        return output;
    }

    /// <summary>
    /// Books a payout the rail settled: the ledger transfer, the lenders' quota as used, the application as disbursed.
    /// Every write is idempotent by the key, so the orchestration retries this until it succeeds and the reconciliation
    /// sweep may book the same payout first without harm.
    /// </summary>
    public async Task<Output> BookAsync(BookInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = DisbursementKey.Parse(input.DisbursementId);
        var current = await ReadAsync(key, ct);
        var payout = current.Disbursement;
        if (payout.State is not (DisbursementState.Disbursed or DisbursementState.Returned))
        {
            throw new InvalidOperationException($"Payout {key} is {payout.State}; only a payout the rail settled is booked.");
        }
        // The ledger last, the payout transfer after its funding: the payout transfer is what the reconciliation sweep
        // takes as "booked", so it must not exist before the rest has caught up. A returned payout's quota was given back: not used again.
        foreach (var share in payout.State == DisbursementState.Disbursed ? payout.Shares : [])
        {
            var committed = await quotas.ChangeAsync(share.LenderId, catalog.Lenders[share.LenderId].QuotaYuan, s => QuotaReservations.Commit(s, key.Value), ct);
            if (committed.Status == QuotaChangeStatus.NotFound)
            {
                // Normal only for a retry long after the commit was folded away; otherwise the lender's committed total
                // is short by this allocation, which an operator must correct.
                LogCommitFoundNoReservation(Logger, key.Value, share.LenderId, share.AmountYuan);
            }
        }
        if (payout.State == DisbursementState.Disbursed)
        {
            await applications.UpdateAsync(input.ApplicationId, a => a with
            {
                Stage = nameof(ApplicationStage.Disbursed),
                DisbursedAmountYuan = payout.AmountYuan,
                UpdatedAt = clock.GetUtcNow(),
            }, ct);
        }
        await ledger.PostAsync(DisbursementPostings.ForFunding(payout, payout.Shares, SettledAt(payout)), ct);
        await ledger.PostAsync(DisbursementPostings.ForPayout(payout, payout.Shares, SettledAt(payout)), ct);
        return new Output(key.Value, payout.RailReference ?? "", payout.AmountYuan);
    }

    /// <summary>
    /// The reconciliation sweep found this payout settled at the rail and not booked: records the settlement and books
    /// it as the application would have.
    /// </summary>
    public async Task RecordSettledAsync(PayoutReceipt receipt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var key = DisbursementKey.Parse(receipt.IdempotencyKey);
        var current = await payouts.FindAsync(key, ct) ?? throw new KeyNotFoundException($"The rail paid {key}, for which no payout was ever approved here.");
        if (receipt.AmountYuan != current.Disbursement.AmountYuan)
        {
            throw new InvalidOperationException($"The rail paid {key} for {receipt.AmountYuan:0.00} yuan; {current.Disbursement.AmountYuan:0.00} was approved.");
        }
        var payout = current.Disbursement;
        if (payout.State == DisbursementState.Approved)
        {
            payout = payout.StartPayout(receipt.CreatedAt);
        }
        if (payout.State == DisbursementState.Disbursing)
        {
            var written = await payouts.TryTransitionAsync(current, payout.MarkDisbursed(receipt.RailPayoutId, receipt.SettledAt ?? clock.GetUtcNow()), ct);
            if (written is null)
            {
                throw new InvalidOperationException($"Payout {key} changed while it was being recorded; the next sweep looks again.");
            }
        }
        await BookAsync(new BookInput(key.ApplicationId, key.Value), ct);
    }

    /// <summary>
    /// The payee's bank sent a settled payout back (退汇): the payout is marked returned, the lenders' quota and the
    /// borrower's hold given back (the money never reached the household, so it owes nothing and may apply again), the
    /// application shows it, and the return is booked — last, as the sign that all of it was done.
    /// </summary>
    public async Task RecordReturnedAsync(PayoutReceipt receipt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var key = DisbursementKey.Parse(receipt.IdempotencyKey);
        var current = await payouts.FindAsync(key, ct) ?? throw new KeyNotFoundException($"The rail returned {key}, for which no payout was ever approved here.");
        var settlement = await ledger.FindAsync(key.Value, ct) ?? throw new InvalidOperationException($"Payout {key} was returned before its settlement was booked.");
        var reason = receipt.Reason;
        if (current.Disbursement.State != DisbursementState.Returned)
        {
            _ = await payouts.TryTransitionAsync(current, current.Disbursement.MarkReturned(reason, receipt.ReturnedAt ?? clock.GetUtcNow()), ct)
                ?? throw new InvalidOperationException($"Payout {key} changed while its return was being recorded; the next sweep looks again.");
        }
        foreach (var share in current.Disbursement.Shares)
        {
            await quotas.ChangeAsync(share.LenderId, catalog.Lenders[share.LenderId].QuotaYuan, s => QuotaReservations.ReturnPaidOut(s, key.Value), ct);
        }
        // The scoring step recorded the borrower's keyed ID hash on the application: the same key the split held under.
        if ((await applications.GetAsync(key.ApplicationId, ct))?.ApplicantIdHash is { } borrowerKey)
        {
            await borrowers.ChangeAsync(borrowerKey, e => BorrowerExposures.Release(e, key.ApplicationId), ct);
        }
        await applications.UpdateAsync(key.ApplicationId, a => a with
        {
            Stage = nameof(ApplicationStage.PayoutReturned),
            DisbursedAmountYuan = 0m,
            UpdatedAt = clock.GetUtcNow(),
        }, ct);
        var returnedAt = receipt.ReturnedAt ?? clock.GetUtcNow();
        var note = $"{reason} (rail {receipt.RailPayoutId})";
        if (await ledger.FindAsync(DisbursementPostings.FundingTransferId(key), ct) is { } funding)
        {
            await ledger.PostAsync(DisbursementPostings.ForReturn(funding, note, returnedAt), ct);
        }
        await ledger.PostAsync(DisbursementPostings.ForReturn(settlement, note, returnedAt), ct);
    }

    private DateTimeOffset SettledAt(Domain.Disbursements.Disbursement payout) =>
        payout.History.LastOrDefault(h => h.To == DisbursementState.Disbursed)?.At ?? clock.GetUtcNow();

    /// <summary>Asks the rail (paying when it has nothing under the key) and records what it says.</summary>
    private async Task<Output> FollowAsync(StoredDisbursement current, Input input, int check, CancellationToken ct)
    {
        var key = current.Disbursement.Key;
        var confirmBy = (current.Disbursement.History.FirstOrDefault(h => h.To == DisbursementState.Disbursing)?.At ?? clock.GetUtcNow()) + _polling.ConfirmationDeadline;
        var state = current.Disbursement.State;
        if (state is DisbursementState.Disbursed or DisbursementState.Returned)
        {
            return Settled(current.Disbursement, confirmBy);
        }
        if (state == DisbursementState.Failed)
        {
            return Failed(current.Disbursement, confirmBy);
        }

        PayoutReceipt receipt;
        try
        {
            receipt = await rail.FindAsync(key.Value, ct)
                ?? await rail.PayOnceAsync(await RequestAsync(input, key, current.Disbursement.AmountYuan, ct), ct);
        }
        catch (PayoutInDoubtException e)
        {
            // Nobody knows yet whether the rail took it: the same question, under the same key, later.
            return InFlight(current.Disbursement, "", confirmBy, check, e.Message);
        }
        catch (HttpRequestException e)
        {
            return InFlight(current.Disbursement, "", confirmBy, check, "the rail did not answer: " + e.Message);
        }
        catch (PayoutRejectedException e)
        {
            return await FailAsync(current, "REJECTED " + e.Message, confirmBy, ct);
        }

        if (receipt.AmountYuan != current.Disbursement.AmountYuan)
        {
            // A payout under our key for another amount is never ours to book; people must look at it.
            throw new InvalidOperationException($"The rail holds payout {key} for {receipt.AmountYuan:0.00} yuan, not {current.Disbursement.AmountYuan:0.00}.");
        }
        switch (receipt.Status)
        {
            case PayoutStatus.Settled:
            case PayoutStatus.Returned:
                {
                    // A return is booked by the reconciliation sweep after the settlement: both happened.
                    var settled = current.Disbursement.MarkDisbursed(receipt.RailPayoutId, receipt.SettledAt ?? clock.GetUtcNow());
                    var written = settled == current.Disbursement ? current : await payouts.TryTransitionAsync(current, settled, ct) ?? await ReadAsync(key, ct);
                    return Settled(written.Disbursement, confirmBy);
                }
            case PayoutStatus.Failed:
                return await FailAsync(current, receipt.Reason, confirmBy, ct, receipt.RailPayoutId);
            default:
                return InFlight(current.Disbursement, receipt.RailPayoutId, confirmBy, check, $"{receipt.Status}".ToLowerInvariant());
        }
    }

    /// <summary>Final: records the failure and gives the lenders' quota back.</summary>
    private async Task<Output> FailAsync(StoredDisbursement current, string reason, DateTimeOffset confirmBy, CancellationToken ct, string? railReference = null)
    {
        var key = current.Disbursement.Key;
        var failed = current.Disbursement.MarkFailed(reason, clock.GetUtcNow()) with { RailReference = railReference ?? current.Disbursement.RailReference };
        var written = await payouts.TryTransitionAsync(current, failed, ct) ?? await ReadAsync(key, ct);
        foreach (var share in written.Disbursement.Shares)
        {
            await quotas.ChangeAsync(share.LenderId, catalog.Lenders[share.LenderId].QuotaYuan, s => QuotaReservations.Release(s, key.Value), ct);
        }
        await applications.UpdateAsync(key.ApplicationId, a => a with { Stage = nameof(ApplicationStage.PayoutFailed), UpdatedAt = clock.GetUtcNow() }, ct);
        return written.Disbursement.State == DisbursementState.Failed ? Failed(written.Disbursement, confirmBy) : Settled(written.Disbursement, confirmBy);
    }

    private Output Settled(Domain.Disbursements.Disbursement payout, DateTimeOffset confirmBy) =>
        new(payout.Key.Value, payout.RailReference ?? "", payout.AmountYuan) { Progress = PayoutProgress.Settled, ConfirmBy = confirmBy, BookingRetry = _polling.BookingRetry };

    private static Output Failed(Domain.Disbursements.Disbursement payout, DateTimeOffset confirmBy) =>
        new(payout.Key.Value, payout.RailReference ?? "", payout.AmountYuan) { Progress = PayoutProgress.Failed, Reason = payout.FailureReason, ConfirmBy = confirmBy };

    private Output InFlight(Domain.Disbursements.Disbursement payout, string railReference, DateTimeOffset confirmBy, int check, string reason) =>
        new(payout.Key.Value, railReference, payout.AmountYuan)
        {
            Progress = PayoutProgress.InFlight,
            Reason = reason,
            ConfirmBy = confirmBy,
            RecheckAfter = _polling.RecheckAfter(check, clock.GetUtcNow(), confirmBy),
        };

    private async Task<StoredDisbursement> ReadAsync(DisbursementKey key, CancellationToken ct) =>
        await payouts.FindAsync(key, ct) ?? throw new InvalidOperationException($"Disbursement {key} vanished.");

    private async Task<PayoutRequest> RequestAsync(Input input, DisbursementKey key, decimal amount, CancellationToken ct)
    {
        var payee = await PayeeAsync(input, ct);
        return new PayoutRequest(key.Value, amount, PayeeAccount(input.PartnerId, payee), payee.Name, $"RuralLoans {input.ApplicationId}");
    }

    private async Task<Payee> PayeeAsync(Input input, CancellationToken ct)
    {
        var application = await caseFile.ValidApplicationAsync(input.ApplicationId, input.ValidatedRound, input.SubmittedAt, ct);
        return new Payee(application.ApplicantName, residentIds.Hash(application.IdNumber.Value));
    }

    /// <summary>The borrower's account held at the originating partner, identified without the resident ID in clear.</summary>
    private static string PayeeAccount(string partnerId, Payee payee) => $"{partnerId}:{payee.IdHash[..16]}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payout {DisbursementId}: lender {LenderId} had no quota reservation to commit for ¥{AmountYuan}; unless this is a late retry, its committed total does not include it")]
    private static partial void LogCommitFoundNoReservation(ILogger logger, string disbursementId, string lenderId, decimal amountYuan);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operator task: payout {DisbursementId} is still unconfirmed by the rail after its deadline {ConfirmBy} ({Reason}); the application keeps asking")]
    private static partial void LogUnconfirmed(ILogger logger, string disbursementId, DateTimeOffset confirmBy, string reason);
}
