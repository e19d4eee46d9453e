using RuralLoans.Durable.Host;

namespace RuralLoans.Durable.Tests;

/// <summary>A CI-sized chaos run: real host processes killed with SIGKILL while messages are duplicated and delayed.</summary>
public sealed class ChaosTests(StorageFixture storage)
{
    [Fact]
    public async Task Killing_hosts_and_duplicating_messages_loses_nothing_and_does_nothing_twice()
    {
        var run = new ChaosRun(storage.ConnectionString, hostCount: 2, orchestrations: 12, kills: 3, progress: TestContext.Current.SendDiagnosticMessage);

        var result = await run.RunAsync(TestContext.Current.CancellationToken);

        Assert.True(result.Kills >= 1, "no host was killed while instances ran");
        Assert.Equal(12, result.Completed);
        Assert.Equal((0, 0, 0, 0), (result.Lost, result.Stuck, result.DuplicateEffects, result.HashChainFailures));
    }
}
