using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>The pieces `ruralloans dev` and `ruralloans doctor` build on: health probes and detached instances.</summary>
public sealed class DevServicesToolingTests(DevServicesFixture services)
{
    [Fact]
    public async Task Health_check_reports_every_running_service_ok_and_names_a_dead_port()
    {
        var ct = TestContext.Current.CancellationToken;
        var healthy = await DevServicesHealth.CheckAsync(services.Endpoints, ct);
        Assert.Equal(["blob", "queue", "table", "cosmos"], healthy.Select(service => service.Service));
        Assert.All(healthy, service => Assert.True(service.Ok, $"{service.Service}: {service.Detail}"));

        var deadPort = LoopbackPorts.FindFree();
        var broken = await DevServicesHealth.CheckAsync(services.Endpoints with { CosmosPort = deadPort }, ct);
        var cosmos = Assert.Single(broken, service => !service.Ok);
        Assert.Equal("cosmos", cosmos.Service);
        Assert.Contains("not listening", cosmos.Detail, StringComparison.Ordinal);
        Assert.False(LoopbackPorts.IsFree(services.Endpoints.BlobPort));
    }

    [Fact]
    public async Task A_detached_instance_outlives_its_starter_is_found_again_and_stops_cleanly()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = IsolatedRepository();
        try
        {
            var daemon = new DevServicesDaemon(repository);
            Assert.Null(await daemon.TryAttachAsync(ct));
            var options = new DevServicesOptions
            {
                DataDirectory = Path.Combine(repository, "data"),
                BlobPort = LoopbackPorts.FindFree(),
                QueuePort = LoopbackPorts.FindFree(),
                TablePort = LoopbackPorts.FindFree(),
                CosmosPort = LoopbackPorts.FindFree(),
            };

            var started = await daemon.StartDetachedAsync(options, ct);
            Assert.True(File.Exists(daemon.StateFile));
            Assert.Equal(options.CosmosPort, started.CosmosPort);

            // A second command (a new daemon object, as a new CLI process would have) finds the same instance.
            var again = new DevServicesDaemon(repository);
            Assert.Equal(started.Endpoints, await again.TryAttachAsync(ct));
            Assert.Equal(started.Pid, (await again.StartDetachedAsync(options, ct)).Pid);
            var status = await again.GetStatusAsync(ct);
            Assert.True(status.Healthy, string.Join("; ", status.Services.Select(s => $"{s.Service}: {s.Detail}")));

            Assert.True(await again.StopAsync(ct));
            Assert.False(ProcessSignals.IsAlive(started.Pid));
            Assert.False(ProcessSignals.IsAlive(started.AzuritePid));
            Assert.False(File.Exists(again.StateFile));
            Assert.False((await again.GetStatusAsync(ct)).Running);
            Assert.False(await again.StopAsync(ct));
        }
        finally
        {
            TemporaryDirectories.TryDelete(repository);
        }
    }

    /// <summary>A repository of its own, so this test's state file cannot touch a developer's real instance.</summary>
    private static string IsolatedRepository()
    {
        var real = FindRepositoryRoot();
        var repository = TemporaryDirectories.Create("devservices-daemon");
        File.WriteAllText(Path.Combine(repository, "RuralLoans.sln"), string.Empty);
        Directory.CreateSymbolicLink(Path.Combine(repository, "devservices"), Path.Combine(real, "devservices"));
        return repository;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RuralLoans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the RuralLoans repository.");
    }
}
