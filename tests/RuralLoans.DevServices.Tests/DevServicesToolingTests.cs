using System.Globalization;
using System.Net;
using System.Net.Sockets;
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
    public async Task A_fixed_port_already_in_use_fails_the_start_with_the_reason_and_leaves_nothing_running()
    {
        var ct = TestContext.Current.CancellationToken;
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var takenPort = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var dataDirectory = TemporaryDirectories.Create("devservices-port-taken");
        try
        {
            var failure = await Assert.ThrowsAsync<DevServicesException>(() => DevServicesHost.StartAsync(
                new DevServicesOptions { DataDirectory = dataDirectory, CosmosPort = takenPort }, ct));

            Assert.Contains("EADDRINUSE", failure.Message, StringComparison.Ordinal);
            Assert.Contains(takenPort.ToString(CultureInfo.InvariantCulture), failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(ProcessesUsing(dataDirectory), ProcessSignals.IsAlive);
        }
        finally
        {
            TemporaryDirectories.TryDelete(dataDirectory);
        }
    }

    [Fact]
    public async Task A_detached_instance_outlives_the_command_that_started_it_and_is_stopped_by_another()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = IsolatedRepository();
        DevServicesState? started = null;
        try
        {
            Assert.Null(await new DevServicesDaemon(repository).TryAttachAsync(ct));

            // Started by a separate .NET process that exits right away, as `ruralloans services start` does.
            using (var starter = ProbeProcess.StartDetached(repository, Path.Combine(repository, "data")))
            {
                var errors = starter.StandardError.ReadToEndAsync(ct);
                await starter.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(120), ct);
                Assert.True(starter.ExitCode == 0, $"the starter failed: {await errors}");
            }

            var daemon = new DevServicesDaemon(repository);
            var status = await daemon.GetStatusAsync(ct);
            started = status.State;
            Assert.True(status.Healthy, string.Join("; ", status.Services.Select(s => $"{s.Service}: {s.Detail}")));
            Assert.True(File.Exists(daemon.StateFile));
            Assert.Equal(started!.Endpoints, await daemon.TryAttachAsync(ct));
            Assert.Equal(started.Pid, (await daemon.StartDetachedAsync(cancellationToken: ct)).Pid);

            Assert.True(await daemon.StopAsync(ct));
            Assert.False(ProcessSignals.IsAlive(started.Pid));
            Assert.False(ProcessSignals.IsAlive(started.AzuritePid));
            Assert.False(File.Exists(daemon.StateFile));
            Assert.False((await daemon.GetStatusAsync(ct)).Running);
            Assert.False(await daemon.StopAsync(ct));
        }
        finally
        {
            if (started is not null && ProcessSignals.IsAlive(started.Pid))
            {
                ProcessSignals.Kill(started.Pid);
                ProcessSignals.Kill(started.AzuritePid);
            }

            TemporaryDirectories.TryDelete(repository);
        }
    }

    private static List<int> ProcessesUsing(string dataDirectory) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && (ProcessSignals.CommandLine(pid)?.Contains(dataDirectory, StringComparison.Ordinal) ?? false))
            .ToList();

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
