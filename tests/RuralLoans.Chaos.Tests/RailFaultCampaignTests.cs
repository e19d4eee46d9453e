using RuralLoans.Cli.Chaos;
using RuralLoans.DevServices;
using RuralLoans.Testing;
using Xunit;

namespace RuralLoans.Chaos.Tests;

public sealed class RailFaultCampaignTests(DevServicesFixture services)
{
    /// <summary>
    /// One application per rail fault — timeouts, a dropped answer, a rail down through the first try, payouts pending
    /// (one past its deadline), failed, and returned after settling, before and after the application finished: no loan
    /// is booked without settled money, no settled payout is left unbooked, none is paid twice, and the ledger reconciles.
    /// </summary>
    [Fact]
    public async Task A_small_rail_fault_campaign_books_exactly_the_money_that_settled_and_stayed_out()
    {
        var log = new StringWriter();
        var report = await RailFaultCampaign.RunAsync(new RailFaultOptions { Applications = Enum.GetValues<RailFaultKind>().Length, Seed = 5 },
            services.Endpoints, RepositoryRoot.Find(), log, TestContext.Current.CancellationToken);

        var details = log + string.Join("\n", report.Problems);
        Assert.All(Enum.GetValues<RailFaultKind>(), kind => Assert.Equal(1, report.Faults[kind]));
        Assert.True(report.Stuck == 0 && report.WrongOutcome == 0, details);
        Assert.True(report.BookedWithoutSettledMoney == 0, details);
        Assert.True(report.SettledUnbooked == 0, details);
        Assert.True(report.DoublePayouts == 0, details);
        Assert.True(report.LedgerImbalances == 0, details);
        Assert.True(report.Reconciled, report.ReconcileSummary + "\n" + details);
        Assert.Equal(2, report.PayoutFailed);
        Assert.Equal(2, report.Returned);
        Assert.Equal(1, report.SawOperatorTask);
        Assert.True(report.Passed, details);
    }
}
