using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;

namespace RuralLoans.Domain.Tests.Disbursements;

/// <summary>The reconciliation must name every way the settlement account and the rail can disagree.</summary>
public class PayoutReconciliationTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<LedgerTransfer> Booked(string application, decimal amount)
    {
        var paid = Disbursement.Approve(new DisbursementKey(application, 1), amount).StartPayout(Now).MarkDisbursed("po", Now);
        PayoutShare[] shares = [new("coop", Money.RoundToFen(amount * 0.3m)), new("rcb", amount - Money.RoundToFen(amount * 0.3m))];
        return [DisbursementPostings.ForFunding(paid, shares, Now), DisbursementPostings.ForPayout(paid, shares, Now)];
    }

    private static RailPayoutFact Rail(string application, decimal amount, RailPayoutState state) => new($"{application}/tranche-1", amount, "CNY", state);

    [Fact]
    public void Settled_payouts_booked_once_and_failed_ones_not_booked_reconcile()
    {
        var report = PayoutReconciliation.Compare(
            [Rail("a", 10_000m, RailPayoutState.Settled), Rail("b", 5_000m, RailPayoutState.Failed), Rail("c", 7_000m, RailPayoutState.InFlight)],
            Booked("a", 10_000m));

        Assert.True(report.Reconciled, string.Join("; ", report.Differences));
        Assert.Equal((3, 1, 10_000m, 10_000m, 0m), (report.RailPayouts, report.RailSettled, report.RailSettledYuan, report.LedgerPaidOutYuan, report.ClearingBalanceYuan));
    }

    [Fact]
    public void Every_kind_of_difference_is_listed_by_key()
    {
        var returnedBooking = Booked("r", 3_000m);
        var report = PayoutReconciliation.Compare(
            [
                Rail("settled-unbooked", 10_000m, RailPayoutState.Settled),
                Rail("failed-booked", 5_000m, RailPayoutState.Failed),
                Rail("pending-booked", 4_000m, RailPayoutState.InFlight),
                Rail("r", 3_000m, RailPayoutState.Returned),
                Rail("wrong-amount", 2_000m, RailPayoutState.Settled),
            ],
            [.. Booked("failed-booked", 5_000m), .. Booked("pending-booked", 4_000m), .. returnedBooking, .. Booked("wrong-amount", 2_500m), .. Booked("ghost", 1_000m)]);

        Assert.False(report.Reconciled);
        Assert.Equal(
            new Dictionary<string, ReconciliationDifferenceKind>
            {
                ["settled-unbooked/tranche-1"] = ReconciliationDifferenceKind.SettledNotBooked,
                ["failed-booked/tranche-1"] = ReconciliationDifferenceKind.BookedNotSettled,
                ["pending-booked/tranche-1"] = ReconciliationDifferenceKind.BookedNotSettled,
                ["r/tranche-1"] = ReconciliationDifferenceKind.ReturnedNotBooked,
                ["wrong-amount/tranche-1"] = ReconciliationDifferenceKind.AmountDiffers,
                ["ghost/tranche-1"] = ReconciliationDifferenceKind.BookedWithoutPayout,
            },
            report.Differences.ToDictionary(d => d.Key, d => d.Kind));
    }

    [Fact]
    public void A_returned_payout_with_its_returns_booked_reconciles()
    {
        var booked = Booked("r", 3_000m);
        var report = PayoutReconciliation.Compare([Rail("r", 3_000m, RailPayoutState.Returned)],
            [.. booked, .. booked.Select(t => DisbursementPostings.ForReturn(t, "AC04", Now))]);

        Assert.True(report.Reconciled, string.Join("; ", report.Differences));
    }

    [Fact]
    public void A_payout_booked_without_its_funding_leaves_the_settlement_account_unreconciled()
    {
        var report = PayoutReconciliation.Compare([Rail("a", 10_000m, RailPayoutState.Settled)], Booked("a", 10_000m).Skip(1));

        Assert.Empty(report.Differences);
        Assert.Equal(-10_000m, report.ClearingBalanceYuan);
        Assert.False(report.Reconciled);
    }
}
