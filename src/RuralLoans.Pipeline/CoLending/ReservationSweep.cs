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
public sealed record ReservationSweepReport(int Held, int Released, int Committed, int Waiting)
{
    public override string ToString() =>
        $"{Held} held quota reservation(s): {Released} released, {Committed} committed after a payout, {Waiting} within the grace period";
}

/// <summary>
/// Gives back the quota of applications that will never pay out. The split step reserves and the disbursement step
/// commits or releases, but an application terminated by an operator between the two, or failed for good, would hold
/// its reservation forever. Only applications whose orchestration is Terminated or Failed, and has been for the grace
/// period, are touched: a running or completed application keeps its reservation. Before releasing, the rail is asked
/// by the disbursement key, so money that did leave is committed instead. Every change is the quota store's idempotent
/// ETag-guarded write, so sweeps on many hosts at once release each reservation once.
/// </summary>
public sealed partial class ReservationSweep(LendingCatalog catalog, QuotaStore quotas, IPaymentRail rail, DurableTaskClient engine, TimeProvider clock, ILogger<ReservationSweep>? logger = null)
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
                    state = states[key.ApplicationId] = await engine.GetInstanceAsync(key.ApplicationId, ct);
                }
                // A missing instance is left alone: it may be starting, and ended ones are purged long after the grace period.
                if (state?.RuntimeStatus is not (OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Failed))
                {
                    continue;
                }
                if (state.LastUpdatedAt > endedBefore)
                {
                    waiting++;
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
                LogSettled(_logger, reservation.ReservationId, terms.Id, reservation.AmountYuan, state.RuntimeStatus, paid ? "committed" : "released");
            }
        }
        return new ReservationSweepReport(held, released, committed, waiting);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota reservation {ReservationId} at {LenderId} ({AmountYuan} yuan) of a {Status} application {Outcome} by the sweep")]
    private static partial void LogSettled(ILogger logger, string reservationId, string lenderId, decimal amountYuan, OrchestrationRuntimeStatus status, string outcome);
}
