using RuralLoans.Domain.Disbursements;

namespace RuralLoans.Cli.Chaos;

/// <summary>
/// Exactly once, from both sides: the rail's payouts (what the bank really paid and whether it stayed paid, by the
/// application its reference names) and the ledger's transfers; every transfer must balance, the ledger's net payout
/// for each application must equal the money the rail settled and kept out, and nothing may be paid or booked twice.
/// </summary>
public static class PayoutCheck
{
    /// <param name="Reference">The payout reference, "RuralLoans {applicationId}" as the disbursement step writes it.</param>
    public sealed record RailPayout(string Key, string Reference, decimal AmountYuan, RailPayoutState State = RailPayoutState.Settled)
    {
        public string ApplicationId => Reference.Split(' ').Last();
    }

    /// <param name="BookedWithoutSettledMoney">Applications whose ledger shows more paid out than the rail settled and kept out.</param>
    /// <param name="SettledUnbooked">Applications whose settled money the ledger does not (fully) show.</param>
    public sealed record Result(int Duplicates, int Imbalances, IReadOnlyList<string> Problems, int BookedWithoutSettledMoney = 0, int SettledUnbooked = 0);

    /// <param name="expectedPaid">What each disbursed application's outcome says was paid and stayed paid; applications not in it should have no settled money.</param>
    public static Result Run(IEnumerable<string> applications, IEnumerable<RailPayout> railPayouts, IReadOnlyList<LedgerTransfer> transfers, IReadOnlyDictionary<string, decimal> expectedPaid)
    {
        ArgumentNullException.ThrowIfNull(applications);
        ArgumentNullException.ThrowIfNull(railPayouts);
        ArgumentNullException.ThrowIfNull(transfers);
        ArgumentNullException.ThrowIfNull(expectedPaid);
        var paidByApplication = railPayouts.GroupBy(p => p.ApplicationId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var transfersByApplication = transfers.GroupBy(t => DisbursementKey.Parse(DisbursementPostings.PayoutKeyOf(t)).ApplicationId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var problems = new List<string>();
        int duplicates = 0, imbalances = 0, bookedWithoutMoney = 0, unbooked = 0;
        foreach (var unbalanced in BalanceChecker.Check(transfers).UnbalancedTransfers)
        {
            imbalances++;
            problems.Add($"{unbalanced}: ledger transfer does not balance");
        }
        foreach (var id in applications)
        {
            var paid = paidByApplication.GetValueOrDefault(id) ?? [];
            var booked = transfersByApplication.GetValueOrDefault(id) ?? [];
            var settlements = booked.Count(t => t.ReversesTransferId is null && !t.TransferId.EndsWith(DisbursementPostings.FundingSuffix, StringComparison.Ordinal));
            if (paid.Count > 1 || settlements > 1)
            {
                duplicates++;
                problems.Add($"{id}: {paid.Count} payouts at the rail, {settlements} settlements booked");
            }
            var stayedOut = paid.Where(p => p.State == RailPayoutState.Settled).Sum(p => p.AmountYuan);
            var ledgerNet = DisbursementPostings.NetPaidOut(booked);
            if (ledgerNet > stayedOut)
            {
                bookedWithoutMoney++;
                problems.Add($"{id}: the ledger shows {ledgerNet} paid out, the rail settled and kept out {stayedOut} ({string.Join(", ", paid.Select(p => p.State))})");
            }
            else if (ledgerNet < stayedOut)
            {
                unbooked++;
                problems.Add($"{id}: the rail settled {stayedOut}, the ledger shows only {ledgerNet}");
            }
            var expected = expectedPaid.GetValueOrDefault(id);
            if (stayedOut != expected)
            {
                imbalances++;
                problems.Add($"{id}: the rail kept out {stayedOut}, the outcome says {expected}");
            }
        }
        return new Result(duplicates, imbalances, problems, bookedWithoutMoney, unbooked);
    }
}
