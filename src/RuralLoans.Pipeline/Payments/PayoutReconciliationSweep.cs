using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Payments;
using RuralLoans.Storage.Ledger;

namespace RuralLoans.Pipeline.Payments;

/// <summary>What one sweep looks at.</summary>
public sealed record PayoutSweepPolicy
{
    /// <summary>
    /// How far back a payout's last change may lie and still be looked at. Returns (退汇) usually come within days; a
    /// month and a bit covers the slow ones. `ledger reconcile` compares everything, whatever its age.
    /// </summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromDays(35);
}

/// <summary>What a sweep found and did.</summary>
/// <param name="Listed">Payouts the rail listed.</param>
/// <param name="Booked">Settled payouts the ledger lacked, booked now.</param>
/// <param name="Returned">Returned payouts whose return was booked now (settlement first when it was missing too).</param>
/// <param name="Flagged">Differences the sweep may not fix itself, one line each, for an operator.</param>
public sealed record PayoutSweepReport(int Listed, int Booked, int Returned, IReadOnlyList<string> Flagged)
{
    public override string ToString() =>
        $"{Listed} rail payout(s): {Booked} settled payout(s) booked, {Returned} return(s) booked, {Flagged.Count} flagged";
}

/// <summary>Maps the rail's view of a payout onto what the books care about.</summary>
public static class RailFacts
{
    public static RailPayoutFact From(PayoutReceipt payout)
    {
        ArgumentNullException.ThrowIfNull(payout);
        var state = payout.Status switch
        {
            PayoutStatus.Settled => RailPayoutState.Settled,
            PayoutStatus.Failed => RailPayoutState.Failed,
            PayoutStatus.Returned => RailPayoutState.Returned,
            _ => RailPayoutState.InFlight,
        };
        return new RailPayoutFact(payout.IdempotencyKey, payout.AmountYuan, payout.Currency, state, payout.ReasonCode is null ? null : payout.Reason);
    }

    /// <summary>Every payout the rail lists, and every ledger transfer, compared key by key.</summary>
    public static async Task<ReconciliationReport> ReconcileAsync(IPaymentRail rail, LedgerStore ledger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rail);
        ArgumentNullException.ThrowIfNull(ledger);
        var payouts = new List<RailPayoutFact>();
        await foreach (var payout in rail.ListAllAsync(new PayoutQuery { PageSize = 200 }, ct))
        {
            payouts.Add(From(payout));
        }
        var transfers = new List<LedgerTransfer>();
        await foreach (var transfer in ledger.ReadAllAsync(ct))
        {
            transfers.Add(transfer);
        }
        return PayoutReconciliation.Compare(payouts, transfers);
    }
}

/// <summary>
/// Compares the rail's recent payouts with the ledger and books or flags every difference (run by housekeeping). A
/// settled payout the ledger lacks — its application's booking failed, or the application ended before it settled —
/// is booked; a payout the payee's bank returned gets its return booked, the lenders' quota back and the application
/// marked returned; money booked that the rail did not settle is flagged, never silently undone. Every write is
/// idempotent by the payout key, so sweeps on many hosts, and the applications' own bookings, never book twice.
/// </summary>
public sealed partial class PayoutReconciliationSweep(IPaymentRail rail, LedgerStore ledger, Steps.Disbursement disbursement, TimeProvider clock,
    ILogger<PayoutReconciliationSweep>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task<PayoutSweepReport> RunAsync(PayoutSweepPolicy policy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var query = new PayoutQuery { UpdatedFrom = clock.GetUtcNow() - policy.Lookback, PageSize = 200 };
        int listed = 0, booked = 0, returned = 0;
        var flagged = new List<string>();
        await foreach (var payout in rail.ListAllAsync(query, ct))
        {
            listed++;
            var key = payout.IdempotencyKey;
            var fact = RailFacts.From(payout);
            var transfers = await ledger.FindPayoutAsync(key, ct);
            var bookedYuan = DisbursementPostings.NetPaidOut(transfers);
            var hasSettlement = transfers.Any(t => t.TransferId == key);
            var hasReturn = transfers.Any(t => t.ReversesTransferId == key);
            if (hasSettlement && !transfers.Any(t => t.TransferId == key + DisbursementPostings.FundingSuffix))
            {
                // A payout whose funding was not booked (a crash between the two): booking again adds just the funding.
                hasSettlement = false;
            }
            try
            {
                switch (fact.State)
                {
                    case RailPayoutState.Settled when !hasSettlement:
                        await disbursement.RecordSettledAsync(payout, ct);
                        booked++;
                        LogBooked(_logger, key, payout.AmountYuan);
                        break;
                    case RailPayoutState.Settled when bookedYuan != payout.AmountYuan:
                        flagged.Add($"{key}: the rail settled {payout.AmountYuan:0.00}, the ledger shows {bookedYuan:0.00} paid out");
                        break;
                    case RailPayoutState.Returned when !hasReturn:
                        if (!hasSettlement)
                        {
                            await disbursement.RecordSettledAsync(payout, ct);
                        }
                        await disbursement.RecordReturnedAsync(payout, ct);
                        returned++;
                        LogReturned(_logger, key, payout.AmountYuan, payout.Reason);
                        break;
                    case RailPayoutState.Failed or RailPayoutState.InFlight when bookedYuan != 0:
                        flagged.Add($"{key}: booked {bookedYuan:0.00} paid out, but the rail says {payout.Status.ToString().ToLowerInvariant()}");
                        break;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
            {
                flagged.Add($"{key}: {e.Message}");
            }
        }
        foreach (var line in flagged)
        {
            LogFlagged(_logger, line);
        }
        return new PayoutSweepReport(listed, booked, returned, flagged);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation booked settled payout {Key} (¥{AmountYuan}) the ledger lacked")]
    private static partial void LogBooked(ILogger logger, string key, decimal amountYuan);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation booked the return (退汇) of payout {Key} (¥{AmountYuan}): {Reason}")]
    private static partial void LogReturned(ILogger logger, string key, decimal amountYuan, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciliation difference for an operator: {Difference}")]
    private static partial void LogFlagged(ILogger logger, string difference);
}
