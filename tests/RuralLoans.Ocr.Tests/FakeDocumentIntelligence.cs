using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// A local stand-in for Azure AI Document Intelligence (REST 2024-11-30) on 127.0.0.1, following the documented
/// protocol: POST {endpoint}/documentintelligence/documentModels/{modelId}:analyze?api-version=… with the key in
/// Ocp-Apim-Subscription-Key and a JSON {"base64Source": …} body answers 202 + Operation-Location; GET on that URL
/// answers {"status": "notStarted"|"running"|"succeeded"|"failed", "analyzeResult"|"error"}. Errors use the
/// {"error": {"code", "message"}} envelope; throttling is 429 with Retry-After.
/// </summary>
public sealed class FakeDocumentIntelligence : IAsyncDisposable
{
    public const string Key = "local-test-key";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> pollsByOperation = new();

    private FakeDocumentIntelligence(WebApplication app)
    {
        this.app = app;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Answer this many analyze POSTs with 429 and Retry-After: 1 before accepting.</summary>
    public int ThrottledPosts { get; set; }

    /// <summary>Answer this many status GETs with 503 (no Retry-After) before answering properly.</summary>
    public int UnavailablePolls { get; set; }

    /// <summary>How many polls report "running" before the operation finishes.</summary>
    public int RunningPolls { get; set; } = 2;

    /// <summary>When set, the operation ends "failed" with this error code.</summary>
    public string? FailureCode { get; set; }

    public JsonArray KeyValuePairs { get; } = [];

    public JsonArray Tables { get; } = [];

    public ConcurrentQueue<(DateTimeOffset At, string Method, int Status)> Requests { get; } = new();

    public ConcurrentQueue<byte[]> ReceivedDocuments { get; } = new();

    public static async Task<FakeDocumentIntelligence> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeDocumentIntelligence(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Endpoint = new Uri(app.Urls.First() + "/");
        return fake;
    }

    public void AddKeyValue(string key, string value, double confidence = 0.95) =>
        KeyValuePairs.Add(new JsonObject
        {
            ["key"] = new JsonObject { ["content"] = key, ["boundingRegions"] = new JsonArray(), ["spans"] = new JsonArray() },
            ["value"] = new JsonObject { ["content"] = value, ["boundingRegions"] = new JsonArray(), ["spans"] = new JsonArray() },
            ["confidence"] = confidence,
        });

    /// <summary>A table as prebuilt-layout returns it: rows of cell contents (empty strings are empty cells).</summary>
    public void AddTable(params string[][] rows)
    {
        var cells = new JsonArray();
        for (var row = 0; row < rows.Length; row++)
        {
            for (var column = 0; column < rows[row].Length; column++)
            {
                cells.Add(new JsonObject { ["kind"] = "content", ["rowIndex"] = row, ["columnIndex"] = column, ["content"] = rows[row][column], ["spans"] = new JsonArray() });
            }
        }
        Tables.Add(new JsonObject { ["rowCount"] = rows.Length, ["columnCount"] = rows.Max(r => r.Length), ["cells"] = cells });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var status = await RespondAsync(context);
        Requests.Enqueue((DateTimeOffset.UtcNow, context.Request.Method, status));
    }

    private async Task<int> RespondAsync(HttpContext context)
    {
        var request = context.Request;
        const string Prefix = "/documentintelligence/documentModels/";
        var path = request.Path.Value ?? string.Empty;
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return await ErrorAsync(context, 404, "404", "Resource not found");
        }
        if (request.Headers["Ocp-Apim-Subscription-Key"] != Key)
        {
            return await ErrorAsync(context, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint.");
        }
        if (request.Query["api-version"] != "2024-11-30")
        {
            return await ErrorAsync(context, 404, "404", "Resource not found");
        }
        var rest = path[Prefix.Length..];
        if (request.Method == "POST" && rest.EndsWith(":analyze", StringComparison.Ordinal))
        {
            return await AnalyzeAsync(context, rest[..^":analyze".Length]);
        }
        var parts = rest.Split('/');
        if (request.Method == "GET" && parts is [var model, "analyzeResults", var operationId])
        {
            return await StatusAsync(context, model, operationId);
        }
        return await ErrorAsync(context, 404, "404", "Resource not found");
    }

    private async Task<int> AnalyzeAsync(HttpContext context, string modelId)
    {
        if (ThrottledPosts > 0)
        {
            ThrottledPosts--;
            context.Response.Headers.RetryAfter = "1";
            return await ErrorAsync(context, 429, "429", "Rate limit is exceeded. Try again in 1 seconds.");
        }
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (JsonException)
        {
            return await ErrorAsync(context, 400, "InvalidRequest", "Invalid request body.");
        }
        if (body?["base64Source"]?.GetValue<string>() is not { } base64)
        {
            return await ErrorAsync(context, 400, "InvalidRequest", "Invalid request: urlSource or base64Source is required.");
        }
        ReceivedDocuments.Enqueue(Convert.FromBase64String(base64));
        var operationId = Guid.NewGuid().ToString();
        pollsByOperation[operationId] = 0;
        context.Response.StatusCode = 202;
        context.Response.Headers["Operation-Location"] =
            $"{Endpoint}documentintelligence/documentModels/{modelId}/analyzeResults/{operationId}?api-version=2024-11-30";
        return 202;
    }

    private async Task<int> StatusAsync(HttpContext context, string modelId, string operationId)
    {
        if (!pollsByOperation.TryGetValue(operationId, out var polls))
        {
            return await ErrorAsync(context, 404, "NotFound", "Resource not found.");
        }
        if (UnavailablePolls > 0)
        {
            UnavailablePolls--;
            return await ErrorAsync(context, 503, "ServiceUnavailable", "The service is temporarily unavailable.");
        }
        pollsByOperation[operationId] = polls + 1;
        var now = DateTimeOffset.UtcNow.ToString("O");
        var response = new JsonObject { ["createdDateTime"] = now, ["lastUpdatedDateTime"] = now };
        if (polls < RunningPolls)
        {
            response["status"] = polls == 0 ? "notStarted" : "running";
        }
        else if (FailureCode is not null)
        {
            response["status"] = "failed";
            response["error"] = new JsonObject { ["code"] = FailureCode, ["message"] = "The file is corrupted or format is unsupported." };
        }
        else
        {
            response["status"] = "succeeded";
            response["analyzeResult"] = AnalyzeResult(modelId);
        }
        await context.Response.WriteAsJsonAsync(response);
        return 200;
    }

    private JsonObject AnalyzeResult(string modelId) => new()
    {
        ["apiVersion"] = "2024-11-30",
        ["modelId"] = modelId,
        ["stringIndexType"] = "textElements",
        ["content"] = "农户小额信用贷款申请表",
        ["pages"] = new JsonArray(new JsonObject
        {
            ["pageNumber"] = 1,
            ["angle"] = 0,
            ["width"] = 8.2639,
            ["height"] = 11.6806,
            ["unit"] = "inch",
            ["words"] = new JsonArray(
                new JsonObject { ["content"] = "农户小额信用贷款申请表", ["polygon"] = new JsonArray(2.5, 0.9, 5.7, 0.9, 5.7, 1.2, 2.5, 1.2), ["confidence"] = 0.99, ["span"] = new JsonObject { ["offset"] = 0, ["length"] = 11 } }),
            ["lines"] = new JsonArray(
                new JsonObject { ["content"] = "农户小额信用贷款申请表", ["polygon"] = new JsonArray(2.5, 0.9, 5.7, 0.9, 5.7, 1.2, 2.5, 1.2), ["spans"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = 11 }) }),
            ["spans"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = 11 }),
        }),
        ["keyValuePairs"] = KeyValuePairs.DeepClone(),
        ["tables"] = Tables.DeepClone(),
    };

    private static async Task<int> ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
        return status;
    }
}
