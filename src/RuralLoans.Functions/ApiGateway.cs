using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RuralLoans.Host;
using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;
using RuralLoans.Pipeline;

namespace RuralLoans.Functions;

/// <summary>
/// The standalone host's API and portal, built once inside the worker and never listening on a port: each HTTP function
/// hands its request to this application's pipeline — exception handler, authentication, authorization, routing and
/// the endpoint's own handler — so the Function App answers with the host's code, not a copy. The endpoints find the
/// pipeline per request; here that is the runtime connected to the client the function was bound.
/// </summary>
public sealed partial class ApiGateway : IAsyncDisposable
{
    private static readonly AsyncLocal<PipelineRuntime?> Current = new();

    private readonly WebApplication _app;
    private readonly InProcessServer _server;
    private readonly ILogger _logger;

    private ApiGateway(WebApplication app, InProcessServer server, ILogger logger)
    {
        _app = app;
        _server = server;
        _logger = logger;
    }

    /// <summary>The endpoints as the host maps them (names, routes, metadata), for checks against the functions.</summary>
    public IReadOnlyList<Endpoint> Endpoints => [.. ((IEndpointRouteBuilder)_app).DataSources.SelectMany(source => source.Endpoints)];

    /// <param name="settings">The app settings (auth options come from <c>Auth__*</c> in <paramref name="configuration"/>).</param>
    /// <param name="root">The app folder with config/.</param>
    /// <param name="loggerFactory">Where the API's logs go (the worker's logging); lines are masked before they get there.</param>
    public static async Task<ApiGateway> StartAsync(RuralLoansSettings settings, string root, IConfiguration configuration, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root, ApplicationName = typeof(HostApplication).Assembly.GetName().Name });
        builder.Configuration.AddConfiguration(configuration);
        var server = new InProcessServer();
        builder.Services.AddSingleton<IServer>(server);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.Services.AddSingleton(settings);
        builder.Services.AddRuralLoansApi(builder.Configuration, settings, root);
        var app = builder.Build();
        app.MapPortal();
        app.MapRuralLoansApi(() => Current.Value ?? throw new InvalidOperationException("This function has no Durable client binding; its endpoint cannot reach the pipeline."));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new ApiGateway(app, server, loggerFactory.CreateLogger<ApiGateway>());
    }

    /// <summary>Answers the function's request with the host's pipeline, acting on <paramref name="runtime"/>.</summary>
    /// <param name="functionName">The function's name: the endpoint the request must reach (the portal's for static files).</param>
    /// <returns>The endpoint that answered; null when no endpoint did (static files, or a 404).</returns>
    public async Task<Endpoint?> DispatchAsync(HttpContext http, string functionName, PipelineRuntime? runtime)
    {
        ArgumentNullException.ThrowIfNull(http);
        var scope = new RequestScope(_app.Services.GetRequiredService<IServiceScopeFactory>());
        var features = new FeatureCollection(http.Features);
        // What the worker's own pipeline knew about this request (its services, its endpoint, its user) is not ours.
        features.Set<IServiceProvidersFeature>(scope);
        features.Set<IEndpointFeature>(scope);
        features.Set<IRouteValuesFeature>(scope);
        features.Set<IItemsFeature>(new ItemsFeature());
        features.Set<IHttpAuthenticationFeature>(new HttpAuthenticationFeature());
        var previous = Current.Value;
        Current.Value = runtime;
        try
        {
            await _server.ProcessAsync(features).ConfigureAwait(false);
        }
        finally
        {
            Current.Value = previous;
            await scope.DisposeAsync().ConfigureAwait(false);
        }
        var answered = scope.Endpoint;
        var name = answered?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        if (answered is not null && name != functionName)
        {
            // The function's route and the endpoint's have drifted apart; the request was still answered by the route's owner.
            LogRouteDrift(_logger, functionName, name ?? answered.DisplayName ?? "?");
        }
        return answered;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} was answered by endpoint {Endpoint}: their routes differ")]
    private static partial void LogRouteDrift(ILogger logger, string function, string endpoint);

    /// <summary>One request's services, endpoint and route values in the host application.</summary>
    private sealed class RequestScope(IServiceScopeFactory scopes) : IServiceProvidersFeature, IEndpointFeature, IRouteValuesFeature, IAsyncDisposable
    {
        private AsyncServiceScope? _scope;
        private IServiceProvider? _services;

        public IServiceProvider RequestServices
        {
            get => _services ??= (_scope = scopes.CreateAsyncScope()).Value.ServiceProvider;
            set => _services = value;
        }

        public Endpoint? Endpoint { get; set; }

        public RouteValueDictionary RouteValues { get; set; } = [];

        public ValueTask DisposeAsync() => _scope?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>An ASP.NET Core server with no listener: requests come from the functions.</summary>
    private sealed class InProcessServer : IServer
    {
        private Func<IFeatureCollection, Task>? _process;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
        {
            _process = async features =>
            {
                var context = application.CreateContext(features);
                Exception? failure = null;
                try
                {
                    await application.ProcessRequestAsync(context).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failure = e;
                    throw;
                }
                finally
                {
                    application.DisposeContext(context, failure);
                }
            };
            return Task.CompletedTask;
        }

        public Task ProcessAsync(IFeatureCollection features) =>
            (_process ?? throw new InvalidOperationException("The API has not started."))(features);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
