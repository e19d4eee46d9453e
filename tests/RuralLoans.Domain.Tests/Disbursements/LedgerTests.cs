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

    private static Ledger Booked(Disbursement? paid = null, FundSplit? split = null)
    {
        paid ??= Paid();
        var shares = DisbursementPostings.Shares(split ?? Split());
        return Ledger.Empty.Post(DisbursementPostings.ForFunding(paid, shares, Now)).Post(DisbursementPostings.ForPayout(paid, shares, Now));
    }

    [Fact]
    public void A_payout_debits_the_principal_once_as_each_lenders_receivable_against_the_settlement_account()
    {
        var transfer = DisbursementPostings.ForPayout(Paid(), Split(), Now);

        Assert.Equal("app-1/tranche-1", transfer.TransferId);
        Assert.Equal(30_000m, transfer.Debits);
        Assert.Equal(30_000m, transfer.Credits);
        Assert.Equal(
            [("loan-receivable:coop", EntrySide.Debit, 10_000m), ("rail-clearing", EntrySide.Credit, 10_000m), ("loan-receivable:rcb", EntrySide.Debit, 20_000m), ("rail-clearing", EntrySide.Credit, 20_000m)],
            transfer.Entries.Select(e => (e.Account, e.Side, e.AmountYuan)));
        Assert.All(transfer.Entries, e => Assert.Equal("CNY", e.Currency));
    }

    [Fact]
    public void With_its_funding_the_settlement_account_nets_to_zero_and_each_lender_has_funded_its_share()
    {
        var balances = Booked().Balances();

        Assert.Equal(0m, balances[ChartOfAccounts.RailClearing]);
        Assert.Equal(10_000m, balances["loan-receivable:coop"]);
        Assert.Equal(-10_000m, balances["lender-funding:coop"]);
        Assert.Equal(20_000m, balances["loan-receivable:rcb"]);
        Assert.Equal(-20_000m, balances["lender-funding:rcb"]);
        Assert.Equal(30_000m, balances.Where(b => ChartOfAccounts.IsLoanReceivable(b.Key)).Sum(b => b.Value));
        Assert.All(balances.Keys, account => Assert.True(ChartOfAccounts.IsKnown(account), account));
    }

    [Fact]
    public void Posting_the_same_payout_twice_books_it_once()
    {
        var once = Booked();

        var twice = once.Post(DisbursementPostings.ForPayout(Paid(), Split(), Now.AddMinutes(5)));

        Assert.Same(once, twice);
        Assert.Throws<LedgerConflictException>(() => once.Post(DisbursementPostings.ForPayout(Paid(31_000m), Split(11_000m), Now)));
    }

    [Fact]
    public void A_return_mirrors_payout_and_funding_keeps_both_and_zeroes_every_account()
    {
        var booked = Booked();
        var payout = booked.Find("app-1/tranche-1")!;
        var funding = booked.Find("app-1/tranche-1/funding")!;

        var returned = booked
            .Post(DisbursementPostings.ForReturn(funding, "AC04 ClosedAccountNumber", Now.AddDays(2)))
            .Post(DisbursementPostings.ForReturn(payout, "AC04 ClosedAccountNumber", Now.AddDays(2)));

        Assert.Equal(4, returned.Transfers.Count);
        Assert.Same(payout, returned.Find("app-1/tranche-1"));
        Assert.Equal("app-1/tranche-1", returned.Find("app-1/tranche-1/return")!.ReversesTransferId);
        Assert.All(returned.Balances().Values, balance => Assert.Equal(0, balance));
        Assert.Equal(0m, DisbursementPostings.NetPaidOut(returned.Transfers));
        Assert.All(returned.Transfers, t => Assert.Equal("app-1/tranche-1", DisbursementPostings.PayoutKeyOf(t)));
        Assert.Throws<LedgerConflictException>(() => DisbursementPostings.ForReturn(returned.Find("app-1/tranche-1/return")!, "undo the undo", Now));
    }

    [Fact]
    public void An_unbalanced_transfer_is_refused_on_posting_and_found_by_the_checker()
    {
        var lopsided = new LedgerTransfer
        {
            TransferId = "t-1",
            Description = "broken",
            PostedAt = Now,
            Entries = [new("loan-receivable:rcb", EntrySide.Debit, 100m), new("rail-clearing", EntrySide.Credit, 99.99m)],
        };
        var fine = lopsided with { TransferId = "t-2", Entries = [new("loan-receivable:rcb", EntrySide.Debit, 100m), new("rail-clearing", EntrySide.Credit, 100m)] };

        Assert.Throws<ArgumentException>(() => Ledger.Empty.Post(lopsided));
        var report = BalanceChecker.Check([fine, lopsided]);
        Assert.False(report.IsBalanced);
        Assert.Equal(["t-1"], report.UnbalancedTransfers);
        Assert.Equal((200m, 199.99m), (report.TotalDebits, report.TotalCredits));
    }

    [Fact]
    public void Amounts_in_different_currencies_never_balance_each_other_and_a_currency_is_required()
    {
        var mixed = new LedgerTransfer
        {
            TransferId = "t-3",
            Description = "mixed",
            PostedAt = Now,
            Entries = [new("loan-receivable:rcb", EntrySide.Debit, 100m, "CNY"), new("rail-clearing", EntrySide.Credit, 100m, "USD")],
        };

        Assert.False(mixed.Balances);
        Assert.Throws<ArgumentException>(() => Ledger.Empty.Post(mixed));
        Assert.Equal(["t-3"], BalanceChecker.Check([mixed]).UnbalancedTransfers);
        Assert.Throws<ArgumentException>(() => Ledger.Empty.Post(mixed with { Entries = [new("a", EntrySide.Debit, 1m, ""), new("b", EntrySide.Credit, 1m, "")] }));
    }

    [Fact]
    public void Only_a_payout_the_rail_settled_is_booked()
    {
        var claimed = Disbursement.Approve(new DisbursementKey("app-1", 1), 30_000m).StartPayout(Now);
        var failed = claimed.MarkFailed("AC04 ClosedAccountNumber", Now);

        Assert.Throws<InvalidOperationException>(() => DisbursementPostings.ForPayout(claimed, Split(), Now));
        Assert.Throws<InvalidOperationException>(() => DisbursementPostings.ForPayout(failed, Split(), Now));
        Assert.Throws<InvalidOperationException>(() => DisbursementPostings.ForFunding(failed, DisbursementPostings.Shares(Split()), Now));
    }

    [Property(Arbitrary = [typeof(CoLendingArbitraries)], MaxTest = 200)]
    public void Any_split_payout_debits_its_principal_once_balances_and_its_return_nets_every_account_to_zero(SplitCase c)
    {
        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;
        var paid = Disbursement.Approve(new DisbursementKey(split.ApplicationId, 1), split.PrincipalYuan).StartPayout(Now).MarkDisbursed("RAIL", Now);
        var shares = DisbursementPostings.Shares(split);

        var ledger = Ledger.Empty.Post(DisbursementPostings.ForFunding(paid, shares, Now)).Post(DisbursementPostings.ForPayout(paid, shares, Now));
        var returned = ledger.Transfers.Aggregate(ledger, (l, t) => l.Post(DisbursementPostings.ForReturn(t, "test", Now)));

        Assert.True(BalanceChecker.Check(ledger.Transfers).IsBalanced);
        Assert.Equal(split.PrincipalYuan, ledger.Find(paid.Key.Value)!.Debits);
        Assert.Equal(split.PrincipalYuan, DisbursementPostings.NetPaidOut(ledger.Transfers));
        Assert.Equal(0m, ledger.Balances()[ChartOfAccounts.RailClearing]);
        Assert.All(returned.Balances().Values, b => Assert.Equal(0, b));
    }
}
