using System.Globalization;
using System.Text.Json.Nodes;

namespace RuralLoans.Host.Functions;

/// <summary>
/// The app's host.json, declared in code. The queue settings are the engine's poison handling: the host gives a
/// failing message up after <see cref="MaxDequeueCount"/> deliveries exactly when the engine does (the engine reads the
/// same file, in standalone mode too), and both move it to the same <c>&lt;queue&gt;-poison</c> queue.
/// </summary>
public sealed record FunctionHostConfiguration
{
    /// <summary>The published executable the Functions host starts (self-contained, linux-x64, at the package root).</summary>
    public string ExecutablePath { get; init; } = "RuralLoans.Host";

    /// <summary>Queue messages fetched per poll; the control queue's episodes group messages of one instance within it.</summary>
    public int BatchSize { get; init; } = 32;

    public int NewBatchThreshold { get; init; } = 16;

    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a failed message waits before it is offered again (the engine's FailedMessageRetryDelay).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest idle poll interval: a new application waits at most this long before a host picks it up.</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longer than the slowest activity (an OCR of a many-page scan), shorter than the plan's limit.</summary>
    public TimeSpan FunctionTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public JsonObject ToHostJson() => new()
    {
        ["version"] = "2.0",
        ["logging"] = new JsonObject
        {
            ["logLevel"] = new JsonObject { ["default"] = "Information", ["Host.Results"] = "Information", ["Function"] = "Information" },
            ["applicationInsights"] = new JsonObject
            {
                ["samplingSettings"] = new JsonObject { ["isEnabled"] = true, ["excludedTypes"] = "Request;Exception" },
            },
        },
        ["extensionBundle"] = new JsonObject { ["id"] = "Microsoft.Azure.Functions.ExtensionBundle", ["version"] = "[4.*, 5.0.0)" },
        ["functionTimeout"] = Format(FunctionTimeout),
        ["customHandler"] = new JsonObject
        {
            ["description"] = new JsonObject { ["defaultExecutablePath"] = ExecutablePath, ["workingDirectory"] = "", ["arguments"] = new JsonArray() },
            ["enableForwardingHttpRequest"] = true,
        },
        ["extensions"] = new JsonObject
        {
            // The API lives under /api/ by its own routes, the portal at /: no prefix added by the host.
            ["http"] = new JsonObject { ["routePrefix"] = "" },
            ["queues"] = new JsonObject
            {
                ["batchSize"] = BatchSize,
                ["newBatchThreshold"] = NewBatchThreshold,
                ["maxDequeueCount"] = MaxDequeueCount,
                ["visibilityTimeout"] = Format(VisibilityTimeout),
                ["maxPollingInterval"] = Format(MaxPollingInterval),
                ["messageEncoding"] = "base64",
            },
        },
    };

    private static string Format(TimeSpan span) => span.Milliseconds == 0
        ? span.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)
        : span.ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
}
