using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Pipeline;
using RuralLoans.Storage;
using RuralLoans.TaskHub;

namespace RuralLoans.Cli.Chaos;

/// <summary>
/// <c>chaos-host</c> (hidden): one worker of a chaos run — the pipeline's task hub worker and nothing else, on the
/// storage account, Cosmos database and task hub the environment names, until it is killed.
/// </summary>
internal static class ChaosHostCommand
{
    public const string Name = "chaos-host";

    private const string Prefix = "RURALLOANS_CHAOS_";

    public static Command Create()
    {
        var command = new Command(Name, "One worker process of a chaos run (started by `chaos`)") { Hidden = true };
        command.SetAction((_, ct) => RunAsync(ct));
        return command;
    }

    /// <summary>The environment a host needs; the worker id is left to default (machine name + process id).</summary>
    public static IReadOnlyDictionary<string, string> Environment(string storageConnectionString, string cosmosConnectionString, string cosmosDatabase, TaskHubSettings settings, Uri rail, string configDirectory) =>
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Prefix + "STORAGE"] = storageConnectionString,
            [Prefix + "COSMOS"] = cosmosConnectionString,
            [Prefix + "DATABASE"] = cosmosDatabase,
            [Prefix + "HUB"] = settings.HubName,
            [Prefix + "PARTITIONS"] = settings.PartitionCount.ToString(CultureInfo.InvariantCulture),
            [Prefix + "VISIBILITY_MS"] = ((long)settings.VisibilityTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            [Prefix + "LEASE_MS"] = ((long)settings.LeaseInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            [Prefix + "EXTENDED_SESSIONS"] = settings.ExtendedSessionsEnabled ? "true" : "false",
            [Prefix + "RAIL"] = rail.AbsoluteUri,
            [Prefix + "CONFIG"] = configDirectory,
        };

    private static async Task<int> RunAsync(CancellationToken ct)
    {
        static string Get(string name) => System.Environment.GetEnvironmentVariable(Prefix + name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Prefix}{name} is not set; chaos-host is started by `ruralloans chaos`.");
        static TimeSpan Milliseconds(string name) => TimeSpan.FromMilliseconds(long.Parse(Get(name), CultureInfo.InvariantCulture));

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Warning));
        using var railHttp = new HttpClient { BaseAddress = new Uri(Get("RAIL")) };
        var settings = PipelineRuntime.LocalTaskHubSettings(Get("HUB")) with
        {
            PartitionCount = int.Parse(Get("PARTITIONS"), CultureInfo.InvariantCulture),
            VisibilityTimeout = Milliseconds("VISIBILITY_MS"),
            LeaseInterval = Milliseconds("LEASE_MS"),
            ExtendedSessionsEnabled = Get("EXTENDED_SESSIONS") == "true",
        };
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = Get("STORAGE"),
            Cosmos = CosmosClients.FromConnectionString(Get("COSMOS")),
            CosmosDatabase = Get("DATABASE"),
            TaskHubName = settings.HubName,
            TaskHub = settings,
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Get("CONFIG"),
            LoggerFactory = loggers,
            RunWorker = true,
        }, ct);
        Console.WriteLine($"chaos host {settings.WorkerId} working on task hub {settings.HubName}");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop (SIGTERM or Ctrl+C): leave through DisposeAsync so leases are released.
        }
        return 0;
    }
}
