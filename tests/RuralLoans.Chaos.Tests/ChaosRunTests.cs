using RuralLoans.Cli.Chaos;
using RuralLoans.DevServices;
using RuralLoans.Testing;
using Xunit;

namespace RuralLoans.Chaos.Tests;

public sealed class ChaosRunTests(DevServicesFixture services)
{
    /// <summary>
    /// Two worker processes on one task hub, three SIGKILLs mid-flight (each host restarted) and copied queue messages:
    /// every application must still end disbursed, paid once by the rail, booked once in a balanced ledger and audited.
    /// </summary>
    [Fact]
    public async Task Applications_survive_killed_hosts_and_duplicate_messages_paid_exactly_once()
    {
        var log = new StringWriter();
        var report = await ChaosRun.RunAsync(new ChaosOptions
        {
            Hosts = 2,
            Applications = 10,
            Kills = 3,
            Seed = 11,
            MeanKillInterval = TimeSpan.FromSeconds(2),
            QuiescenceTimeout = TimeSpan.FromMinutes(2),
        }, services.Endpoints, RepositoryRoot.Find(), log, TestContext.Current.CancellationToken);

        var details = log + string.Join("\n", report.Problems);
        Assert.True(report.Kills == 3 && report.Restarts == 3, details);
        Assert.True(report.DuplicateMessagesInjected > 0, "no queue message was duplicated, so the run proved less than it claims\n" + details);
        Assert.True(report.Completed == 10, details);
        Assert.True(report.Lost == 0 && report.Stuck == 0, details);
        Assert.True(report.DuplicatePayouts == 0, details);
        Assert.True(report.LedgerImbalances == 0, details);
        Assert.True(report.AuditFailures == 0, details);
        Assert.True(report.Reconciled, "the ledger does not reconcile with the rail: " + report.ReconcileSummary + "\n" + details);
        Assert.Equal(10, report.RailPayouts);
    }
}
