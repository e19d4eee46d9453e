using FsCheck.Xunit;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Domain.Tests.CoLending;

namespace RuralLoans.Domain.Tests.Disbursements;

public class LedgerTests
{
    private static readonly DateTimeOffset Now = new(2024, 3, 20, 10, 0, 0, TimeSpan.FromHours(8));

    private static FundSplit Split(decimal coop = 10_000m, decimal bank = 20_000m) => new()
    {
        ApplicationId = "app-1",
        ProductId = "p",
        ProductVersion = "1",
        RuleSetVersion = "r",
        PrincipalYuan = coop + bank,
        BlendedAnnualRate = 0.05m,
        Allocations = [new("coop", LenderRole.Partner, 1 / 3m, coop, 0.06m), new("rcb", LenderRole.Bank, 2 / 3m, bank, 0.045m)],
    };

    private static Disbursement Paid(decimal amount = 30_000m) =>
        Disbursement.Approve(new DisbursementKey("app-1", 1), amount).StartPayout(Now).MarkDisbursed("RAIL-1", Now);

    [Fact]
    public void A_payout_books_each_lenders_receivable_against_its_funding_and_the_borrowers_payout()
    {
        var ledger = Ledger.Empty.Post(DisbursementPostings.ForPayout(Paid(), Split(), Now));

        var transfer = Assert.Single(ledger.Transfers);
        Assert.Equal("app-1/tranche-1", transfer.TransferId);
        var balances = ledger.Balances();
        Assert.Equal(10_000m, balances["loan-receivable:coop"]);
        Assert.Equal(-10_000m, balances["lender-funding:coop"]);
        Assert.Equal(20_000m, balances["loan-receivable:rcb"]);
        Assert.Equal(-20_000m, balances["lender-funding:rcb"]);
        Assert.Equal(30_000m, balances["borrower-loan:app-1"]);
        Assert.Equal(-30_000m, balances["borrower-payout:app-1"]);
        Assert.True(BalanceChecker.Check(ledger.Transfers).IsBalanced);
    }

    [Fact]
    public void Posting_the_same_payout_twice_books_it_once()
    {
        var transfer = DisbursementPostings.ForPayout(Paid(), Split(), Now);
        var once = Ledger.Empty.Post(transfer);

        var twice = once.Post(DisbursementPostings.ForPayout(Paid(), Split(), Now.AddMinutes(5)));

        Assert.Same(once, twice);
        Assert.Throws<LedgerConflictException>(() => once.Post(DisbursementPostings.ForPayout(Paid(31_000m), Split(11_000m), Now)));
    }

    [Fact]
    public void A_correction_is_a_reversal_that_keeps_the_original_and_zeroes_every_account()
    {
        var booked = Ledger.Empty.Post(DisbursementPostings.ForPayout(Paid(), Split(), Now));

        var corrected = booked.Reverse("app-1/tranche-1", "paid to the wrong account", Now.AddHours(1));

        Assert.Equal(2, corrected.Transfers.Count);
        Assert.Equal("app-1/tranche-1", corrected.Find("app-1/tranche-1/reversal")!.ReversesTransferId);
        Assert.All(corrected.Balances().Values, balance => Assert.Equal(0, balance));
        Assert.True(BalanceChecker.Check(corrected.Transfers).IsBalanced);
        Assert.Same(corrected, corrected.Reverse("app-1/tranche-1", "paid to the wrong account", Now.AddHours(1)));
        Assert.Throws<LedgerConflictException>(() => corrected.Reverse("app-1/tranche-1/reversal", "undo the undo", Now));
    }

    [Fact]
    public void An_unbalanced_transfer_is_refused_on_posting_and_found_by_the_checker()
    {
        var lopsided = new LedgerTransfer
        {
            TransferId = "t-1",
            Description = "broken",
            PostedAt = Now,
            Entries = [new("loan-receivable:rcb", EntrySide.Debit, 100m), new("lender-funding:rcb", EntrySide.Credit, 99.99m)],
        };
        var fine = lopsided with { TransferId = "t-2", Entries = [new("loan-receivable:rcb", EntrySide.Debit, 100m), new("lender-funding:rcb", EntrySide.Credit, 100m)] };

        Assert.Throws<ArgumentException>(() => Ledger.Empty.Post(lopsided));
        var report = BalanceChecker.Check([fine, lopsided]);
        Assert.False(report.IsBalanced);
        Assert.Equal(["t-1"], report.UnbalancedTransfers);
        Assert.Equal((200m, 199.99m), (report.TotalDebits, report.TotalCredits));
    }

    [Fact]
    public void Only_a_confirmed_payout_is_booked()
    {
        var claimed = Disbursement.Approve(new DisbursementKey("app-1", 1), 30_000m).StartPayout(Now);

        Assert.Throws<InvalidOperationException>(() => DisbursementPostings.ForPayout(claimed, Split(), Now));
    }

    [Property(Arbitrary = [typeof(CoLendingArbitraries)], MaxTest = 200)]
    public void Any_split_payout_balances_and_its_reversal_nets_every_account_to_zero(SplitCase c)
    {
        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;
        var paid = Disbursement.Approve(new DisbursementKey(split.ApplicationId, 1), split.PrincipalYuan).StartPayout(Now).MarkDisbursed("RAIL", Now);

        var ledger = Ledger.Empty.Post(DisbursementPostings.ForPayout(paid, split, Now));
        var reversed = ledger.Reverse(paid.Key.Value, "test", Now);

        Assert.True(BalanceChecker.Check(ledger.Transfers).IsBalanced);
        Assert.Equal(split.PrincipalYuan * 2, ledger.Transfers[0].Debits);
        Assert.All(reversed.Balances().Values, b => Assert.Equal(0, b));
    }
}
