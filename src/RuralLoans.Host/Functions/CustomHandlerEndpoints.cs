using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RuralLoans.Host.Functions;

/// <summary>
/// The custom-handler protocol: the Functions host POSTs <c>{"Data": {...}, "Metadata": {...}}</c> to
/// <c>/{FunctionName}</c> and reads back <c>{"Outputs": {...}, "Logs": [...], "ReturnValue": ...}</c>. A non-success
/// status fails the invocation, which for a queue trigger means the message comes back after visibilityTimeout.
/// </summary>
public static partial class CustomHandlerEndpoints
{
    private static readonly JsonSerializerOptions ResponseJson = new() { PropertyNamingPolicy = null };

    /// <summary>Maps one invocation endpoint per non-HTTP function. Only for the Functions host: it listens on loopback.</summary>
    public static void MapFunctionInvocations(this IEndpointRouteBuilder app, IEnumerable<FunctionDeclaration> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions.Where(f => f.Handler is not null))
        {
            app.MapPost("/" + function.Name, (HttpContext http) => InvokeAsync(function, http))
                .WithMetadata(new CustomHandlerInvocationMetadata(function.Name))
                .ExcludeFromDescription();
        }
    }

    private static async Task InvokeAsync(FunctionDeclaration function, HttpContext http)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("RuralLoans.Functions");
        var cancellationToken = http.RequestAborted;
        TriggerEvent trigger;
        try
        {
            using var payload = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: cancellationToken);
            var root = payload.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("The request is not a custom-handler payload: it has no \"Data\" object.");
            }
            var metadata = root.TryGetProperty("Metadata", out var found) ? found : default;
            trigger = function.Trigger.Parse(data, metadata);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            LogRejected(logger, function.Name, e.Message);
            await WriteAsync(http, StatusCodes.Status400BadRequest, [$"{function.Name}: {e.Message}"]);
            return;
        }

        var invocation = new FunctionInvocation(function.Name, trigger, http.RequestServices);
        try
        {
            await function.Handler!(invocation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, function.Name, e);
            invocation.Log($"{function.Name} failed: {Describe(e)}");
            await WriteAsync(http, StatusCodes.Status500InternalServerError, invocation.Logs);
            return;
        }
        await WriteAsync(http, StatusCodes.Status200OK, invocation.Logs);
    }

    /// <summary>The whole chain of causes: the outer message alone often says only that something failed.</summary>
    private static string Describe(Exception error)
    {
        var causes = new List<string>();
        for (var current = error; current is not null; current = current.InnerException)
        {
            causes.Add($"{current.GetType().Name}: {current.Message}");
        }
        return string.Join(" <- ", causes);
    }

    private static Task WriteAsync(HttpContext http, int status, IReadOnlyList<string> logs)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new InvocationResponse(new Dictionary<string, object?>(), logs, null), ResponseJson, http.RequestAborted);
    }

    /// <summary>The response the Functions host expects; these functions have no output bindings.</summary>
    private sealed record InvocationResponse(Dictionary<string, object?> Outputs, IReadOnlyList<string> Logs, object? ReturnValue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} got a payload it cannot read: {Problem}")]
    private static partial void LogRejected(ILogger logger, string function, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} failed; its trigger will retry or report it")]
    private static partial void LogFailed(ILogger logger, string function, Exception error);
}
