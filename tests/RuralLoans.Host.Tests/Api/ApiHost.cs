using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using RuralLoans.Host.Api;
using RuralLoans.Host.Auth;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Api;

/// <summary>
/// The API on a real Kestrel loopback port in front of a whole pipeline (own task hub and database on the test
/// assembly's dev services, rail simulator), with every log line the host writes captured.
/// </summary>
internal sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RailSimulator _rail;
    private readonly HttpClient _railHttp;
    private readonly DevTokenIssuer _issuer;

    private ApiHost(WebApplication app, PipelineRuntime runtime, RailSimulator rail, HttpClient railHttp, DevTokenIssuer issuer, Uri baseAddress, CapturedLogs logs, string database)
    {
        _app = app;
        Runtime = runtime;
        _rail = rail;
        _railHttp = railHttp;
        _issuer = issuer;
        BaseAddress = baseAddress;
        Logs = logs;
        Database = database;
    }

    public PipelineRuntime Runtime { get; }

    /// <summary>The development signing key, for tests that forge tokens the issuer would never make.</summary>
    public byte[] SigningKey { get; private init; } = [];
    public Uri BaseAddress { get; }
    public CapturedLogs Logs { get; }
    public string Database { get; }
    public RailSimulator Rail => _rail;

    public static string RepositoryRoot { get; } = DevServices.RepositoryRoot.Find();

    public static async Task<ApiHost> StartAsync(DevServicesFixture services, CancellationToken ct, bool issueDevTokens = true, ApiRateLimitOptions? limits = null)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var logs = new CapturedLogs();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(logs);
        builder.Services.AddRuralLoansApi(new ApiAuthOptions { DevSigningKey = key, IssueDevTokens = issueDevTokens, MaxTokenLifetime = DevTokenIssuer.Lifetime },
            Path.Combine(RepositoryRoot, "config"), limits);
        var app = builder.Build();

        var rail = await RailSimulator.StartAsync(ct: ct);
        var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
        var database = UniqueNames.CosmosDatabase("api");
        var runtime = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = services.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString),
            CosmosDatabase = database,
            TaskHubName = "Api" + Guid.NewGuid().ToString("N")[..12],
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(RepositoryRoot, "config"),
            LoggerFactory = app.Services.GetRequiredService<ILoggerFactory>(),
        }, ct);
        app.MapRuralLoansApi(runtime);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiHost(app, runtime, rail, railHttp, new DevTokenIssuer(key, TimeProvider.System), new Uri(address), logs, database) { SigningKey = key };
    }

    /// <summary>Names of every endpoint the host maps (each is an HTTP function of the Function App).</summary>
    public IReadOnlyList<string> EndpointNames =>
        [.. _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).OfType<string>().Distinct()];

    public string Token(string role, string subject) => _issuer.Issue(role, subject);

    /// <summary>A client signed in as the role and subject, or anonymous when <paramref name="role"/> is null.</summary>
    public HttpClient Client(string? role = null, string? subject = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        if (role is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, subject!));
        }
        return client;
    }

    public static MultipartFormDataContent Upload(byte[] file, string fileName = "form.pdf", string productCode = "farm-310", string? idempotencyKey = null)
    {
        var content = new MultipartFormDataContent { { new ByteArrayContent(file), "file", fileName }, { new StringContent(productCode), "productCode" } };
        if (idempotencyKey is not null)
        {
            content.Add(new StringContent(idempotencyKey), "idempotencyKey");
        }
        return content;
    }

    /// <summary>Submits as the partner and returns the application id (new or duplicate).</summary>
    public async Task<string> SubmitAsync(string partner, byte[] file, string productCode, CancellationToken ct)
    {
        using var client = Client(ApiRoles.Partner, partner);
        using var response = await client.PostAsync("/api/applications", Upload(file, productCode: productCode), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"upload failed: {(int)response.StatusCode} {body}");
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("applicationId").GetString()!;
    }

    /// <summary>Waits until the engine reports the stage (through the engine, not the API under test).</summary>
    public async Task<OrchestrationMetadata> WaitForStageAsync(string applicationId, ApplicationStage stage, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        OrchestrationMetadata? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await Runtime.Client.GetInstanceAsync(applicationId, getInputsAndOutputs: true, ct);
            if (state?.ReadCustomStatusAs<ApplicationProgress>()?.Stage == stage)
            {
                return state;
            }
            if (state?.RuntimeStatus is OrchestrationRuntimeStatus.Failed)
            {
                throw new InvalidOperationException($"Application {applicationId} failed: {state.FailureDetails}");
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"Application {applicationId} did not reach {stage}; last status: {state?.SerializedCustomStatus}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Runtime.DisposeAsync();
        await _rail.DisposeAsync();
        _railHttp.Dispose();
    }
}

/// <summary>Every log line written through the host's logger factory, formatted as a console provider would.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
