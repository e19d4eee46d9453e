using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using Microsoft.DurableTask.Client;
using RuralLoans.Payments;
using RuralLoans.Storage.Quotas;

namespace RuralLoans.Pipeline.CoLending;

/// <summary>What one reservation sweep should do.</summary>
public sealed record ReservationSweepPolicy
{
    /// <summary>
    /// How long an application must have been terminated or failed before its quota is given back. A step that was
    /// running when an operator terminated the application may still finish (a payout request already on its way to the
    /// rail); by then it has long timed out, and what it did is visible to the sweep.
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>What a sweep found and did.</summary>
/// <param name="Held">Reservations still holding quota that were looked at.</param>
/// <param name="Released">Given back: the application ended without a payout.</param>
/// <param name="Committed">Booked as used: the application ended, but the rail had paid under its key.</param>
/// <param name="Waiting">The application ended within the grace period, or its payout is still in flight at the rail; looked at again next time.</param>
/// <param name="BorrowerHoldsReleased">Borrowers' holds given back: the application was declined, expired or not paid out.</param>
/// <param name="BorrowerHoldsDisbursed">Borrowers' holds now open loans: the application was paid out.</param>
public sealed record ReservationSweepReport(int Held, int Released, int Committed, int Waiting, int BorrowerHoldsReleased = 0, int BorrowerHoldsDisbursed = 0)
{
    public override string ToString() =>
        $"{Held} held quota reservation(s): {Released} released, {Committed} committed after a payout, {Waiting} within the grace period; "
        + $"borrower holds: {BorrowerHoldsReleased} released, {BorrowerHoldsDisbursed} now open loans";
}

/// <summary>
/// Gives back the quota of applications that will never pay out. The split step reserves and the disbursement step
/// commits or releases, but an application terminated by an operator between the two, or failed for good, would hold
/// its reservation forever. Only applications whose orchestration completed, or is Terminated or Failed and has been for
/// the grace period, are touched: a running, pending or unknown application keeps its reservation. Before releasing, the rail is asked
/// by the disbursement key, so money that did leave is committed instead. Every change is the quota store's idempotent
/// ETag-guarded write, so sweeps on many hosts at once release each reservation once. An application that completed
/// without a payout (declined or expired after its split) gives its reservations back at once; one that completed paid
/// out but still holds a reservation has it committed. The same pass settles
/// each borrower's holds: released when the application ended without a payout, kept as an open loan when it was paid.
/// </summary>
public sealed partial class ReservationSweep(LendingCatalog catalog, QuotaStore quotas, IPaymentRail rail, DurableTaskClient engine, TimeProvider clock,
    ILogger<ReservationSweep>? logger = null, BorrowerExposureStore? borrowers = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task<ReservationSweepReport> RunAsync(ReservationSweepPolicy policy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var endedBefore = clock.GetUtcNow() - policy.Grace;
        var states = new Dictionary<string, OrchestrationMetadata?>(StringComparer.Ordinal);
        int held = 0, released = 0, committed = 0, waiting = 0;
        foreach (var terms in catalog.Lenders.Values.OrderBy(l => l.Id, StringComparer.Ordinal))
        {
            var snapshot = await quotas.GetAsync(terms.Id, terms.QuotaYuan, ct);
            foreach (var reservation in snapshot.Held.ToList())
            {
                held++;
                if (!TryParseKey(reservation.ReservationId, out var key))
                {
                    continue;
                }
                if (!states.TryGetValue(key.ApplicationId, out var state))
                {
                    state = states[key.ApplicationId] = await engine.GetInstanceAsync(key.ApplicationId, getInputsAndOutputs: true, ct);
                }
                var ending = Ending(state, endedBefore);
                if (ending == Settlement.Wait)
                {
                    waiting++;
                }
                if (ending is Settlement.Keep or Settlement.Wait)
                {
                    continue;
                }
                // Only money that left and stayed out uses quota; a failed or returned payout gives it back, and one still
                // in flight is looked at again next time.
                var status = (await rail.FindAsync(key.Value, ct))?.Status;
                if (status is PayoutStatus.Pending or PayoutStatus.Processing)
                {
                    waiting++;
                    continue;
                }
                var paid = status is PayoutStatus.Settled;
                var change = await quotas.ChangeAsync(terms.Id, terms.QuotaYuan,
                    s => paid ? QuotaReservations.Commit(s, reservation.ReservationId) : QuotaReservations.Release(s, reservation.ReservationId), ct);
                if (change.Status != QuotaChangeStatus.Applied)
                {
                    // Another host's sweep or the application's own step settled it first.
                    continue;
                }
                if (paid)
                {
                    committed++;
                }
                else
                {
                    released++;
                }
                LogSettled(_logger, reservation.ReservationId, terms.Id, reservation.AmountYuan, state!.RuntimeStatus, paid ? "committed" : "released");
            }
        }
        var (borrowersReleased, borrowersDisbursed) = await SweepBorrowersAsync(states, endedBefore, ct);
        return new ReservationSweepReport(held, released, committed, waiting, borrowersReleased, borrowersDisbursed);
    }

    private enum Settlement
    {
        /// <summary>Running, pending, suspended or unknown: nothing to settle yet.</summary>
        Keep,

        /// <summary>Ended abnormally within the grace period: look again next time.</summary>
        Wait,

        /// <summary>Ended: settle by what the rail says (paid → used, otherwise given back).</summary>
        Settle,

        /// <summary>Completed and paid out.</summary>
        Paid,
    }

    /// <remarks>
    /// A missing instance is left alone: it may be starting, and ended ones are purged long after the grace period. A
    /// completed one needs no grace (no step of it can still be running); terminated and failed ones do.
    /// </remarks>
    private static Settlement Ending(OrchestrationMetadata? state, DateTimeOffset endedBefore) => state?.RuntimeStatus switch
    {
        OrchestrationRuntimeStatus.Completed => state.ReadOutputAs<ApplicationOutcome>()?.Stage == ApplicationStage.Disbursed ? Settlement.Paid : Settlement.Settle,
        OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Failed => state.LastUpdatedAt > endedBefore ? Settlement.Wait : Settlement.Settle,
        _ => Settlement.Keep,
    };

    /// <summary>Each borrower hold not yet paid out is released when its application ended without a payout, or marked an open loan when paid.</summary>
    private async Task<(int Released, int Disbursed)> SweepBorrowersAsync(Dictionary<string, OrchestrationMetadata?> states, DateTimeOffset endedBefore, CancellationToken ct)
    {
        if (borrowers is null)
        {
            return (0, 0);
        }
        int released = 0, disbursed = 0;
        await foreach (var exposure in borrowers.WithPendingHoldsAsync(ct))
        {
            foreach (var hold in exposure.Holds.Values.Where(h => h.State == BorrowerHoldState.Reserved).ToList())
            {
                if (!states.TryGetValue(hold.ApplicationId, out var state))
                {
                    state = states[hold.ApplicationId] = await engine.GetInstanceAsync(hold.ApplicationId, getInputsAndOutputs: true, ct);
                }
                var ending = Ending(state, endedBefore);
                if (ending is Settlement.Keep or Settlement.Wait)
                {
                    continue;
                }
                var paid = ending == Settlement.Paid;
                if (!paid)
                {
                    // Only money that left and stayed out makes an open loan; failed, returned or never sent gives the hold
                    // back, and a payout still in flight at the rail is looked at again next time.
                    var status = (await rail.FindAsync(new DisbursementKey(hold.ApplicationId, 1).Value, ct))?.Status;
                    if (status is PayoutStatus.Pending or PayoutStatus.Processing)
                    {
                        continue;
                    }
                    paid = status is PayoutStatus.Settled;
                }
                var change = await borrowers.ChangeAsync(exposure.BorrowerKey,
                    e => paid ? BorrowerExposures.MarkDisbursed(e, hold.ApplicationId) : BorrowerExposures.Release(e, hold.ApplicationId), ct);
                if (change.Status != BorrowerChangeStatus.Applied)
                {
                    continue;
                }
                if (paid)
                {
                    disbursed++;
                }
                else
                {
                    released++;
                    LogBorrowerReleased(_logger, hold.ApplicationId, hold.AmountYuan, state!.RuntimeStatus);
                }
            }
        }
        return (released, disbursed);
    }

    private static bool TryParseKey(string reservationId, out DisbursementKey key)
    {
        try
        {
            key = DisbursementKey.Parse(reservationId);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            key = default;
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Borrower hold of application {ApplicationId} ({AmountYuan} yuan) released by the sweep: the {Status} application was not paid out")]
    private static partial void LogBorrowerReleased(ILogger logger, string applicationId, decimal amountYuan, OrchestrationRuntimeStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota reservation {ReservationId} at {LenderId} ({AmountYuan} yuan) of a {Status} application {Outcome} by the sweep")]
    private static partial void LogSettled(ILogger logger, string reservationId, string lenderId, decimal amountYuan, OrchestrationRuntimeStatus status, string outcome);
}
