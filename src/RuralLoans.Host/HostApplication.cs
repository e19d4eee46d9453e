using RuralLoans.Durable.Maintenance;
using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Host;

/// <summary>
/// The host's composition, shared by the executable (standalone or under the Azure Functions host) and
/// <c>ruralloans serve</c>, so every way of running it serves the same portal, API and functions.
/// Endpoints are mapped before the pipeline starts (the Functions layout is derived from them without any storage);
/// they find the pipeline per request.
/// </summary>
public sealed class HostApplication : IAsyncDisposable
{
    private readonly HostedPipeline _pipeline;
    private readonly StandaloneTriggers? _standalone;

    private HostApplication(HostedPipeline pipeline, StandaloneTriggers? standalone)
    {
        _pipeline = pipeline;
        _standalone = standalone;
    }

    public PipelineRuntime Runtime => _pipeline.Runtime;

    public static void AddServices(WebApplicationBuilder builder, RuralLoansSettings settings, string root)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<FunctionRuntime>();
        builder.Services.AddSingleton<StartedPipeline>();
        builder.Services.AddSingleton<PipelineBlobDropHandler>();
        builder.Services.AddSingleton<IBlobDropHandler>(services => services.GetRequiredService<PipelineBlobDropHandler>());
        builder.Services.AddRuralLoansApi(builder.Configuration, settings, root);
    }

    /// <summary>Maps the portal and the API, and under the Functions host the custom-handler invocations.</summary>
    /// <returns>The non-HTTP functions (engine queues, partner inboxes, housekeeping).</returns>
    public static IReadOnlyList<FunctionDeclaration> MapEndpoints(WebApplication app, RuralLoansSettings settings, PartnerDirectory partners, bool underFunctionsHost)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(partners);
        app.MapPortal();
        var started = app.Services.GetRequiredService<StartedPipeline>();
        app.MapRuralLoansApi(() => started.Runtime);
        var background = BackgroundFunctions.Declare(settings.TaskHubName, partners.MicrofinancePartners.Select(p => p.Id));
        if (underFunctionsHost)
        {
            app.MapFunctionInvocations(background);
        }
        return background;
    }

    /// <summary>
    /// Starts the pipeline and binds the functions to it. Standalone, our own listeners trigger them (engine queues,
    /// inbox polling, housekeeping timer); under the Functions host, the host does.
    /// </summary>
    public static async Task<HostApplication> StartAsync(WebApplication app, RuralLoansSettings settings, string root, IReadOnlyList<FunctionDeclaration> background, bool underFunctionsHost, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        var pipeline = await HostedPipeline.StartAsync(settings, root, runWorker: !underFunctionsHost, startServicesIfMissing: !underFunctionsHost, loggerFactory, ct);
        try
        {
            var runtime = pipeline.Runtime;
            app.Services.GetRequiredService<StartedPipeline>().Attach(runtime);
            app.Services.GetRequiredService<FunctionRuntime>().Attach(
                runtime.Processor,
                new EngineHousekeeping(runtime.EngineStorage, loggerFactory.CreateLogger<EngineHousekeeping>()),
                new HousekeepingPolicy { HistoryRetention = settings.HistoryRetention },
                runtime.StorageAccount,
                runtime.ReservationSweep);
            app.Services.GetRequiredService<PipelineBlobDropHandler>().Attach(runtime.BlobDrop);
            if (underFunctionsHost)
            {
                return new HostApplication(pipeline, null);
            }
            // In Azure the inbox containers come from infra/main.bicep; locally the host makes them so partners can drop files.
            await runtime.BlobDrop.EnsureInboxesAsync(ct);
            var standalone = new StandaloneTriggers(background, app.Services, runtime.StorageAccount, loggerFactory: loggerFactory);
            standalone.Start();
            return new HostApplication(pipeline, standalone);
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_standalone is not null)
        {
            await _standalone.DisposeAsync();
        }
        await _pipeline.DisposeAsync();
    }

    /// <summary>The pipeline the endpoints act on, once started; requests are not accepted before that.</summary>
    private sealed class StartedPipeline
    {
        private PipelineRuntime? _runtime;

        public PipelineRuntime Runtime => _runtime ?? throw new InvalidOperationException("The pipeline has not started yet.");

        public void Attach(PipelineRuntime runtime) => _runtime = runtime;
    }
}
