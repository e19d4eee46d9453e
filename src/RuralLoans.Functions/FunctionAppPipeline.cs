using System.Runtime.CompilerServices;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using RuralLoans.DevServices;
using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Pipeline;

namespace RuralLoans.Functions;

/// <summary>
/// The pipeline as the Function App runs it: the steps built once per worker from the app settings (the same reader
/// and names as the standalone host), and connected per call to the task hub client the Durable extension binds. No
/// local task hub runs here — the Functions host's Durable extension owns the engine.
/// </summary>
public sealed class FunctionAppPipeline : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ILoggerFactory _loggers;
    private Task<PipelineSteps>? _steps;
    private readonly ConditionalWeakTable<DurableTaskClient, PipelineRuntime> _runtimes = [];
    private readonly HttpClient _rail;

    public FunctionAppPipeline(FunctionAppSettings app, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(app);
        Settings = app.Settings;
        Root = app.Root;
        // The rail's base address is checked at start-up (FunctionAppSettings); the local simulator is a standalone-host feature.
        _rail = new HttpClient { BaseAddress = Settings.PaymentRailUrl };
        // The steps log through the worker; every line is masked before Application Insights sees it.
        _loggers = loggerFactory as RedactingLoggerFactory ?? new RedactingLoggerFactory(loggerFactory);
    }

    public RuralLoansSettings Settings { get; }

    /// <summary>The deployed app's folder, holding config/ and host.json.</summary>
    public string Root { get; }

    /// <summary>The steps, built on first use; a failed build (e.g. Cosmos unreachable at start) is tried again by the next call.</summary>
    public Task<PipelineSteps> StepsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_steps is null || _steps.IsFaulted || _steps.IsCanceled)
            {
                _steps = CreateStepsAsync(_loggers);
            }
            return _steps.WaitAsync(cancellationToken);
        }
    }

    public async Task<PipelineActivities> ActivitiesAsync(CancellationToken cancellationToken) => (await StepsAsync(cancellationToken).ConfigureAwait(false)).Activities;

    /// <summary>The pipeline on the bound client; one per client instance (the extension hands out a cached client per hub).</summary>
    public async Task<PipelineRuntime> RuntimeAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var steps = await StepsAsync(cancellationToken).ConfigureAwait(false);
        return _runtimes.GetValue(client, c => PipelineRuntime.Connect(steps, c));
    }

    private async Task<PipelineSteps> CreateStepsAsync(ILoggerFactory loggers)
    {
        DevServicesEndpoints? devServices = null;
        if (Settings.Storage is ServiceConnection.DevelopmentEmulator || Settings.Cosmos is ServiceConnection.DevelopmentEmulator)
        {
            // Running under Core Tools on a developer machine: use the dev services `./ruralloans services start` runs.
            devServices = await new DevServicesDaemon(Environment.GetEnvironmentVariable("RURALLOANS_ROOT") ?? Directory.GetCurrentDirectory()).TryAttachAsync(CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The settings ask for the local dev services, which are not running; start them with ./ruralloans services start.");
        }
        return await PipelineSteps.CreateAsync(new PipelineOptions
        {
            Storage = ServiceClients.StorageAccountFor(Settings.Storage, devServices),
            Cosmos = ServiceClients.CosmosClientFor(Settings.Cosmos, devServices),
            // With a managed identity the data-plane roles cannot create containers; infra/main.bicep does.
            CreateCosmosResources = Settings.Cosmos is not ServiceConnection.ManagedIdentity,
            CosmosDatabase = Settings.CosmosDatabase,
            TaskHubName = Settings.TaskHubName,
            Ocr = new OcrOptions
            {
                Engine = Settings.OcrEngine,
                DocumentIntelligenceEndpoint = Settings.DocumentIntelligenceEndpoint,
                DocumentIntelligenceKey = Settings.DocumentIntelligenceKey,
            },
            PaymentRail = new HttpPaymentRail(_rail),
            ConfigDirectory = Path.Combine(Root, "config"),
            ResidentIds = Settings.ResidentIds,
            RunWorker = false,
            LoggerFactory = loggers,
        }, CancellationToken.None).ConfigureAwait(false);
    }

    public void Dispose() => _rail.Dispose();
}

/// <summary>The validated settings and the app folder, read once when the worker starts.</summary>
public sealed record FunctionAppSettings(RuralLoansSettings Settings, string Root)
{
    /// <summary>Reads the app settings with the standalone host's reader; a wrong value stops the worker with a message naming it.</summary>
    /// <exception cref="SettingsException">A setting is missing or wrong.</exception>
    /// <param name="environment">Replaces the process environment (tests).</param>
    public static FunctionAppSettings Load(string root, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var settings = SettingsLoader.Load(root, environment);
        if (settings.UsesLocalRailSimulator)
        {
            throw new SettingsException(["PaymentRailUrl: the Function App does not run the local rail simulator; set it to the payment rail's base URL."]);
        }
        return new FunctionAppSettings(settings, root);
    }
}
