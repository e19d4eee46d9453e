using RuralLoans.Domain.Disbursements;

namespace RuralLoans.Cli.Chaos;

/// <summary>
/// Exactly once, from both sides: the rail's payouts (what the bank really paid, by the application its reference
/// names) and the ledger's transfers (booked per application); every transfer must balance, and the ledger's net
/// payout to each borrower must equal what the rail paid and, for a disbursed application, what its outcome says.
/// </summary>
public static class PayoutCheck
{
    /// <param name="Reference">The payout reference, "RuralLoans {applicationId}" as the disbursement step writes it.</param>
    public sealed record RailPayout(string Reference, decimal AmountYuan)
    {
        public string ApplicationId => Reference.Split(' ').Last();
    }

    public sealed record Result(int Duplicates, int Imbalances, IReadOnlyList<string> Problems);

    /// <param name="expectedPaid">What each disbursed application's outcome says was paid; applications not in it should not have been paid.</param>
    public static Result Run(IEnumerable<string> applications, IEnumerable<RailPayout> railPayouts, IReadOnlyList<LedgerTransfer> transfers, IReadOnlyDictionary<string, decimal> expectedPaid)
    {
        ArgumentNullException.ThrowIfNull(applications);
        ArgumentNullException.ThrowIfNull(railPayouts);
        ArgumentNullException.ThrowIfNull(transfers);
        ArgumentNullException.ThrowIfNull(expectedPaid);
        var paidByApplication = railPayouts.GroupBy(p => p.ApplicationId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(p => p.AmountYuan).ToList(), StringComparer.Ordinal);
        var problems = new List<string>();
        var duplicates = 0;
        var imbalances = 0;
        foreach (var unbalanced in BalanceChecker.Check(transfers).UnbalancedTransfers)
        {
            imbalances++;
            problems.Add($"{unbalanced}: ledger transfer does not balance");
        }
        foreach (var id in applications)
        {
            var paid = paidByApplication.GetValueOrDefault(id) ?? [];
            var payoutAccount = DisbursementPostings.BorrowerPayout(id);
            var booked = transfers.Count(t => t.ReversesTransferId is null && t.Entries.Any(e => e.Account == payoutAccount));
            var reversed = transfers.Count(t => t.ReversesTransferId is not null && t.Entries.Any(e => e.Account == payoutAccount));
            if (paid.Count > 1 || booked - reversed > 1)
            {
                duplicates++;
                problems.Add($"{id}: paid {paid.Count} times by the rail, booked {booked} times in the ledger ({reversed} reversed)");
            }
            var ledgerNet = transfers.SelectMany(t => t.Entries).Where(e => e.Account == payoutAccount)
                .Sum(e => e.Side == EntrySide.Credit ? e.AmountYuan : -e.AmountYuan);
            var expected = expectedPaid.GetValueOrDefault(id);
            if (ledgerNet != paid.Sum() || paid.Sum() != expected)
            {
                imbalances++;
                problems.Add($"{id}: rail paid {paid.Sum()}, ledger shows {ledgerNet}, outcome says {expected}");
            }
        }
        return new Result(duplicates, imbalances, problems);
    }
}
