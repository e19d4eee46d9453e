using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Cosmos;
using Microsoft.OpenApi;
using RuralLoans.Host.Auth;
using RuralLoans.Host.Configuration;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;

namespace RuralLoans.Host.Api;

/// <summary>Where the API finds its configuration files.</summary>
public sealed record ApiSettings(string ConfigDirectory);

/// <summary>
/// The HTTP API: registration (<see cref="AddRuralLoansApi(IServiceCollection, IConfiguration, RuralLoansSettings, string)"/>)
/// and endpoints (<see cref="MapRuralLoansApi"/>). Every endpoint has a PascalCase name (one Azure Function per name),
/// OpenAPI metadata and a role policy; errors are problem details with a <c>code</c>.
/// </summary>
public static class RuralLoansApi
{
    /// <summary>Registers the API with authentication from <c>Auth__*</c> settings (see docs/api.md).</summary>
    public static IServiceCollection AddRuralLoansApi(this IServiceCollection services, IConfiguration configuration, RuralLoansSettings settings, string root)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return services.AddRuralLoansApi(ApiAuthOptions.FromConfiguration(configuration, root, settings.IsLocalDevelopment), Path.Combine(root, "config"),
            ApiRateLimitOptions.FromConfiguration(configuration));
    }

    public static IServiceCollection AddRuralLoansApi(this IServiceCollection services, ApiAuthOptions auth, string configDirectory, ApiRateLimitOptions? limits = null)
    {
        services.AddSingleton(new ApiSettings(configDirectory));
        services.AddApiRateLimits(limits ?? new ApiRateLimitOptions());
        services.AddRuralLoansAuthentication(auth);
        services.AddPersonalDataRedaction();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "RuralLoans API",
                Version = "v1",
                Description = "Upload loan application forms, follow them through the five steps, answer pre-checks and reviews, audit decisions.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT whose 'roles' claim holds one of partner, village-partner, auditor, operator.",
            };
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>Maps every endpoint on a started pipeline.</summary>
    public static WebApplication MapRuralLoansApi(this WebApplication app, PipelineRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return app.MapRuralLoansApi(() => runtime);
    }

    /// <summary>
    /// Maps every endpoint; the pipeline is looked up per request, so the endpoints can be mapped (and declared as
    /// Azure Functions) before the pipeline has started.
    /// </summary>
    public static WebApplication MapRuralLoansApi(this WebApplication app, Func<PipelineRuntime> runtime)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(runtime);
        app.UseApiResponseHeaders();
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }))
            .WithName("GetHealth").WithTags("Service").WithSummary("Liveness: answers when the host accepts requests.").AllowAnonymous();
        app.MapOpenApi().WithName("GetOpenApiDocument").AllowAnonymous();

        var settings = app.Services.GetRequiredService<ApiSettings>();
        var auth = app.Services.GetRequiredService<ApiAuthOptions>();
        var api = app.MapGroup("/api");
        ApplicationEndpoints.Map(api, runtime);
        OperationsEndpoints.Map(api, runtime);
        CatalogEndpoints.Map(api, settings.ConfigDirectory, TimeProvider.System);
        if (auth.IssueDevTokens)
        {
            DevTokenEndpoints.Map(api, new DevTokenIssuer(auth.DevSigningKey!, TimeProvider.System), () => runtime().Partners);
        }
        return app;
    }

    /// <summary>Caps a JSON request body; the API's JSON bodies are small.</summary>
    internal static void LimitBody(HttpContext http, long bytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bytes;
        }
    }
}

/// <summary>Turns refusals into problem details, and anything unexpected into a 500 that says nothing internal.</summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var id = httpContext.Request.RouteValues.TryGetValue("id", out var value) ? value as string ?? "" : "";
        var result = exception switch
        {
            ApiProblemException e => ApiProblems.From(e),
            IntakeRejectedException e => ApiProblems.From(e),
            ActionRefusedException e => ApiProblems.From(e, id),
            BadHttpRequestException e => ApiProblems.Problem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request-too-large" : "bad-request", "The request could not be read: " + e.Message),
            CosmosException { StatusCode: System.Net.HttpStatusCode.BadRequest } => ApiProblems.Problem(StatusCodes.Status400BadRequest, "bad-query", "The query or its continuation token is not valid."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };
        if (result is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested)
            {
                return true;
            }
            LogUnexpected(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
            result = ApiProblems.Problem(StatusCodes.Status500InternalServerError, "internal-error", "Something went wrong on our side. Try again later; a repeated upload is recognised and not stored twice.");
        }
        await result.ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error answering {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, string method, PathString path, Exception error);
}
