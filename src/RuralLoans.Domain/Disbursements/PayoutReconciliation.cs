namespace RuralLoans.Domain.Disbursements;

/// <summary>Where the rail says a payout stands, as far as the books care.</summary>
public enum RailPayoutState
{
    /// <summary>Pending or processing: no money has provably left yet.</summary>
    InFlight,
    Settled,
    Failed,

    /// <summary>Settled, then sent back by the payee's bank (退汇).</summary>
    Returned,
}

/// <summary>One payout as the rail lists it.</summary>
public sealed record RailPayoutFact(string Key, decimal AmountYuan, string Currency, RailPayoutState State, string? Reason = null);

public enum ReconciliationDifferenceKind
{
    /// <summary>The rail settled it; the ledger has no (or a returned) booking. Money left without a record.</summary>
    SettledNotBooked,

    /// <summary>The rail returned it; the ledger still shows the loan. A receivable that does not exist.</summary>
    ReturnedNotBooked,

    /// <summary>The ledger shows money out that the rail says did not go (failed or still in flight).</summary>
    BookedNotSettled,

    /// <summary>The ledger books a payout key the rail has never heard of.</summary>
    BookedWithoutPayout,

    /// <summary>Both sides know the payout, for different amounts or currencies.</summary>
    AmountDiffers,

    /// <summary>A transfer that does not balance, or touches accounts outside the chart.</summary>
    BadTransfer,
}

public sealed record ReconciliationDifference(string Key, ReconciliationDifferenceKind Kind, decimal RailYuan, decimal LedgerYuan, string Detail)
{
    public override string ToString() => $"{Key}: {Kind} — rail {RailYuan:0.00}, ledger {LedgerYuan:0.00}; {Detail}";
}

/// <summary>
/// What a reconciliation of the settlement account with the rail found. <see cref="ClearingBalanceYuan"/> must be zero:
/// every payout out of the settlement account was funded by its lenders.
/// </summary>
public sealed record ReconciliationReport(
    int RailPayouts,
    int RailSettled,
    decimal RailSettledYuan,
    decimal LedgerPaidOutYuan,
    decimal ClearingBalanceYuan,
    IReadOnlyList<ReconciliationDifference> Differences)
{
    public bool Reconciled => Differences.Count == 0 && ClearingBalanceYuan == 0 && RailSettledYuan == LedgerPaidOutYuan;
}

/// <summary>
/// Compares the rail's payouts with the ledger, key by key: what stayed out at the rail (settled, not returned) must be
/// exactly what the ledger's payout legs show as paid out under that key, and nothing may be booked for a payout the
/// rail did not settle. Pure: the caller reads both sides.
/// </summary>
public static class PayoutReconciliation
{
    public static ReconciliationReport Compare(IEnumerable<RailPayoutFact> rail, IEnumerable<LedgerTransfer> ledger)
    {
        ArgumentNullException.ThrowIfNull(rail);
        ArgumentNullException.ThrowIfNull(ledger);
        var payouts = rail.ToList();
        var transfers = ledger.ToList();
        var differences = new List<ReconciliationDifference>();
        foreach (var transfer in transfers)
        {
            if (!transfer.Balances || transfer.Entries.Any(e => !ChartOfAccounts.IsKnown(e.Account) || e.Currency != LedgerEntry.Cny))
            {
                differences.Add(new(DisbursementPostings.PayoutKeyOf(transfer), ReconciliationDifferenceKind.BadTransfer, 0, 0,
                    $"transfer {transfer.TransferId} does not balance or books outside the chart of accounts in CNY"));
            }
        }
        var byKey = transfers.GroupBy(DisbursementPostings.PayoutKeyOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var railKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var payout in payouts)
        {
            railKeys.Add(payout.Key);
            var booked = byKey.TryGetValue(payout.Key, out var ofKey) ? DisbursementPostings.NetPaidOut(ofKey) : 0m;
            var stayedOut = payout.State == RailPayoutState.Settled ? payout.AmountYuan : 0m;
            if (payout.Currency != LedgerEntry.Cny && payout.State == RailPayoutState.Settled)
            {
                differences.Add(new(payout.Key, ReconciliationDifferenceKind.AmountDiffers, payout.AmountYuan, booked, $"the rail paid in {payout.Currency}, the ledger books CNY"));
                continue;
            }
            if (booked == stayedOut)
            {
                continue;
            }
            var (kind, detail) = payout.State switch
            {
                RailPayoutState.Settled when booked == 0 => (ReconciliationDifferenceKind.SettledNotBooked, "settled at the rail, not booked"),
                RailPayoutState.Settled => (ReconciliationDifferenceKind.AmountDiffers, "settled at the rail for another amount than booked"),
                RailPayoutState.Returned => (ReconciliationDifferenceKind.ReturnedNotBooked, $"returned by the payee's bank ({payout.Reason}), still booked as a loan"),
                _ => (ReconciliationDifferenceKind.BookedNotSettled, $"booked, but the rail says {payout.State}{(payout.Reason is null ? "" : $" ({payout.Reason})")}"),
            };
            differences.Add(new(payout.Key, kind, stayedOut, booked, detail));
        }
        foreach (var (key, ofKey) in byKey.Where(kv => !railKeys.Contains(kv.Key)))
        {
            var booked = DisbursementPostings.NetPaidOut(ofKey);
            if (booked != 0)
            {
                differences.Add(new(key, ReconciliationDifferenceKind.BookedWithoutPayout, 0, booked, "booked, but the rail has no payout under this key"));
            }
        }
        var clearing = transfers.SelectMany(t => t.Entries).Where(e => e.Account == ChartOfAccounts.RailClearing)
            .Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan);
        var settled = payouts.Where(p => p.State == RailPayoutState.Settled).ToList();
        return new ReconciliationReport(payouts.Count, settled.Count, settled.Sum(p => p.AmountYuan),
            byKey.Values.Sum(DisbursementPostings.NetPaidOut), clearing, differences);
    }
}
