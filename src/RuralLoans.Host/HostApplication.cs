using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Host;

/// <summary>
/// The standalone host's composition, shared by the executable and <c>ruralloans serve</c>: the portal and the API,
/// the local task hub's worker, the partner inboxes and the housekeeping timer. Endpoints are mapped before the
/// pipeline starts (the route list is read from them without any storage); they find the pipeline per request.
/// </summary>
public sealed class HostApplication : IAsyncDisposable
{
    private readonly HostedPipeline _pipeline;
    private readonly StandaloneTriggers _standalone;

    private HostApplication(HostedPipeline pipeline, StandaloneTriggers standalone)
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

    /// <summary>Maps the portal and the API.</summary>
    /// <returns>The background functions (partner inboxes, housekeeping).</returns>
    public static IReadOnlyList<FunctionDeclaration> MapEndpoints(WebApplication app, RuralLoansSettings settings, PartnerDirectory partners)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(partners);
        app.MapPortal();
        var started = app.Services.GetRequiredService<StartedPipeline>();
        app.MapRuralLoansApi(() => started.Runtime);
        return BackgroundFunctions.Declare(partners.MicrofinancePartners.Select(p => p.Id));
    }

    /// <summary>
    /// Starts the pipeline with its task hub worker and binds the background functions to our own listeners (inbox
    /// polling, housekeeping timer).
    /// </summary>
    public static async Task<HostApplication> StartAsync(WebApplication app, RuralLoansSettings settings, string root, IReadOnlyList<FunctionDeclaration> background, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        var pipeline = await HostedPipeline.StartAsync(settings, root, runWorker: true, startServicesIfMissing: true, loggerFactory, ct);
        try
        {
            var runtime = pipeline.Runtime;
            app.Services.GetRequiredService<StartedPipeline>().Attach(runtime);
            app.Services.GetRequiredService<FunctionRuntime>().Attach(
                runtime.Client,
                new HousekeepingPolicy(settings.HistoryRetention),
                runtime.StorageAccount,
                runtime.ReservationSweep,
                payoutReconciliation: runtime.PayoutReconciliation);
            app.Services.GetRequiredService<PipelineBlobDropHandler>().Attach(runtime.BlobDrop);
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
        await _standalone.DisposeAsync();
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
