using RuralLoans.DevServices;
using RuralLoans.Host.Configuration;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Storage;

namespace RuralLoans.Host;

/// <summary>
/// The pipeline as the settings describe it: local dev services and the rail simulator in development, connection
/// strings or managed identities in Azure. The host, the command line and the tests all start it this way.
/// </summary>
public sealed class HostedPipeline : IAsyncDisposable
{
    private readonly DevServicesHost? _ownServices;
    private readonly RailSimulator? _rail;
    private readonly HttpClient _railHttp;

    private HostedPipeline(RuralLoansSettings settings, PipelineRuntime runtime, DevServicesHost? ownServices, RailSimulator? rail, HttpClient railHttp)
    {
        Settings = settings;
        Runtime = runtime;
        _ownServices = ownServices;
        _rail = rail;
        _railHttp = railHttp;
    }

    public PipelineRuntime Runtime { get; }

    public RuralLoansSettings Settings { get; }

    /// <param name="root">The repository (or deployment) folder holding config/, host.json and .devservices/.</param>
    /// <param name="runWorker">Run the task hub's worker here; off for commands that only start or inspect applications.</param>
    /// <param name="startServicesIfMissing">In development, start bound dev services when none are running.</param>
    public static async Task<HostedPipeline> StartAsync(RuralLoansSettings settings, string root, bool runWorker, bool startServicesIfMissing, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DevServicesHost? ownServices = null;
        DevServicesEndpoints? devEndpoints = null;
        if (settings.Storage is ServiceConnection.DevelopmentEmulator || settings.Cosmos is ServiceConnection.DevelopmentEmulator)
        {
            devEndpoints = await new DevServicesDaemon(root).TryAttachAsync(ct);
            if (devEndpoints is null)
            {
                if (!startServicesIfMissing)
                {
                    throw new InvalidOperationException("The dev services are not running; start them with ./ruralloans services start.");
                }
                ownServices = await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root }, ct);
                devEndpoints = ownServices.Endpoints;
            }
        }

        var storage = ServiceClients.StorageAccountFor(settings.Storage, devEndpoints);
        var cosmos = ServiceClients.CosmosClientFor(settings.Cosmos, devEndpoints);

        // The simulator's journal sits with the dev services' data so payouts outlive any one process, as a real rail's do.
        RailSimulator? rail = null;
        if (settings.UsesLocalRailSimulator)
        {
            Directory.CreateDirectory(Path.Combine(root, ".devservices"));
            rail = await RailSimulator.StartAsync(journalPath: Path.Combine(root, ".devservices", "rail-simulator.jsonl"), ct: ct);
        }
        var railHttp = new HttpClient { BaseAddress = rail?.BaseAddress ?? settings.PaymentRailUrl };

        var runtime = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            Storage = storage,
            Cosmos = cosmos,
            CreateCosmosResources = settings.Cosmos is not ServiceConnection.ManagedIdentity,
            CosmosDatabase = settings.CosmosDatabase,
            TaskHubName = settings.TaskHubName,
            Ocr = new OcrOptions
            {
                Engine = settings.OcrEngine,
                DocumentIntelligenceEndpoint = settings.DocumentIntelligenceEndpoint,
                DocumentIntelligenceKey = settings.DocumentIntelligenceKey,
            },
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(root, "config"),
            ResidentIds = settings.ResidentIds,
            RunWorker = runWorker,
            TaskHub = settings.TaskHub,
            LoggerFactory = loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        }, ct);
        return new HostedPipeline(settings, runtime, ownServices, rail, railHttp);
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        if (_rail is not null)
        {
            await _rail.DisposeAsync();
        }
        _railHttp.Dispose();
        if (_ownServices is not null)
        {
            await _ownServices.DisposeAsync();
        }
    }
}
