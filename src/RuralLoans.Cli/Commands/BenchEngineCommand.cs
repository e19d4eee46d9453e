using System.CommandLine;
using RuralLoans.DevServices;

namespace RuralLoans.Cli.Commands;

/// <summary><c>bench engine</c>: latency, throughput and storage cost of the durable engine against Azurite.</summary>
internal static class BenchEngineCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (workItemsPerSecond, p50Ms, p99Ms, idleWakeP50Ms, storageTransactionsPerWorkItem, rawQueueRoundTripsPerSecond)" };
        var command = new Command("engine", "Benchmark the durable engine: 5-activity chains, a 20-way fan-out, idle wake-up, raw queue round trips") { json };
        command.SetAction((parse, ct) => EngineHostProcess.RunAsync(parse.GetValue(json) ? ["bench", "--json"] : ["bench"], ct));
        return command;
    }
}

/// <summary>
/// Runs the engine's tool program (src/RuralLoans.Durable.Host) against the dev services' Azurite: the
/// running ones when <c>./ruralloans services start</c> is up, else a private set for this run.
/// </summary>
internal static class EngineHostProcess
{
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var project = Path.Combine(root, "src", "RuralLoans.Durable.Host", "RuralLoans.Durable.Host.csproj");
        var build = await ProcessRunner.CaptureAsync("dotnet", ["build", project, "-c", "Release", "--nologo", "-v", "q"], ct)
            ?? throw new InvalidOperationException("dotnet was not found.");
        if (build.ExitCode != 0)
        {
            await Console.Error.WriteLineAsync(build.Output);
            await Console.Error.WriteLineAsync("Building the engine host failed.");
            return 1;
        }

        var program = Path.Combine(root, "src", "RuralLoans.Durable.Host", "bin", "Release", "net10.0", "ruralloans-engine.dll");
        var attached = await new DevServicesDaemon(root).TryAttachAsync(ct);
        DevServicesHost? privateServices = null;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ruralloans-engine-" + Guid.NewGuid().ToString("N"));
        try
        {
            var endpoints = attached;
            if (endpoints is null)
            {
                await Console.Error.WriteLineAsync("Starting private dev services for this run...");
                privateServices = await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root, DataDirectory = dataDirectory }, ct);
                endpoints = privateServices.Endpoints;
            }

            return await ProcessRunner.RunAsync("dotnet", [program, .. arguments, "--storage", endpoints.StorageConnectionString], root, ct);
        }
        finally
        {
            if (privateServices is not null)
            {
                await privateServices.StopAsync();
                try
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // Left in the temp folder; harmless.
                }
            }
        }
    }
}
