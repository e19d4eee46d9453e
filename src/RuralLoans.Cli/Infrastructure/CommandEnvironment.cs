using Microsoft.Azure.Cosmos;
using RuralLoans.DevServices;
using RuralLoans.Host.Configuration;
using OcrEngineKind = RuralLoans.Host.Configuration.OcrEngineKind;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Storage;

namespace RuralLoans.Cli;

/// <summary>Connects a one-shot command to the storage the settings name, the same way the host does.</summary>
internal static class CommandEnvironment
{
    public sealed record CosmosConnection(CosmosClient Client, string Database);

    /// <summary>A pipeline on the configured storage (the running dev services locally), optionally with a worker in this process.</summary>
    public sealed class PipelineSession : IAsyncDisposable
    {
        private readonly HttpClient _railHttp;
        private readonly RailSimulator? _rail;

        internal PipelineSession(PipelineRuntime runtime, HttpClient railHttp, RailSimulator? rail)
        {
            Runtime = runtime;
            _railHttp = railHttp;
            _rail = rail;
        }

        public PipelineRuntime Runtime { get; }

        public async ValueTask DisposeAsync()
        {
            await Runtime.DisposeAsync();
            if (_rail is not null)
            {
                await _rail.DisposeAsync();
            }
            _railHttp.Dispose();
        }
    }

    public static async Task<PipelineSession> StartPipelineAsync(bool runWorker, CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var settings = SettingsLoader.Load(root);
        var storage = settings.Storage switch
        {
            ServiceConnection.DevelopmentEmulator => (await RequireDevServicesAsync(ct)).StorageConnectionString,
            ServiceConnection.ConnectionString c => c.Value,
            _ => throw new InvalidOperationException("The command line needs AzureWebJobsStorage as UseDevelopmentStorage=true or a connection string."),
        };
        var cosmos = await ConnectCosmosAsync(ct);

        // The local rail simulator keeps its journal with the dev services, so payouts survive between commands.
        RailSimulator? rail = null;
        Uri railAddress;
        if (settings.UsesLocalRailSimulator)
        {
            rail = await RailSimulator.StartAsync(journalPath: Path.Combine(root, ".devservices", "rail-simulator.jsonl"), ct: ct);
            railAddress = rail.BaseAddress;
        }
        else
        {
            railAddress = settings.PaymentRailUrl!;
        }
        var railHttp = new HttpClient { BaseAddress = railAddress };
        var runtime = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = storage,
            Cosmos = cosmos.Client,
            CosmosDatabase = cosmos.Database,
            TaskHubName = settings.TaskHubName,
            Ocr = new OcrOptions
            {
                Engine = settings.OcrEngine == OcrEngineKind.DocumentIntelligence ? Ocr.OcrEngineKind.DocumentIntelligence : Ocr.OcrEngineKind.Tesseract,
                DocumentIntelligenceEndpoint = settings.DocumentIntelligenceEndpoint,
                DocumentIntelligenceKey = settings.DocumentIntelligenceKey,
            },
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(root, "config"),
            RunWorker = runWorker,
        }, ct);
        return new PipelineSession(runtime, railHttp, rail);
    }

    private static async Task<DevServicesEndpoints> RequireDevServicesAsync(CancellationToken ct) =>
        await new DevServicesDaemon(RepositoryPaths.Root).TryAttachAsync(ct)
        ?? throw new InvalidOperationException("the dev services are not running; start them with ./ruralloans services start");

    public static async Task<CosmosConnection> ConnectCosmosAsync(CancellationToken ct)
    {
        var settings = SettingsLoader.Load(RepositoryPaths.Root);
        var client = settings.Cosmos switch
        {
            ServiceConnection.DevelopmentEmulator => CosmosClients.FromConnectionString((await RequireDevServicesAsync(ct)).CosmosConnectionString),
            ServiceConnection.ConnectionString c => CosmosClients.FromConnectionString(c.Value),
            ServiceConnection.ManagedIdentity m => CosmosClients.FromIdentity(m.ServiceUri, new Azure.Identity.DefaultAzureCredential()),
            _ => throw new InvalidOperationException("CosmosDbConnection is not set."),
        };
        return new CosmosConnection(client, settings.CosmosDatabase);
    }
}
