using System.Globalization;
using System.Text.Json;
using RuralLoans.Durable;

namespace RuralLoans.Host.Configuration;

/// <summary>
/// Reads the queue settings of host.json into the engine's options, so the standalone listener polls, retries and
/// gives up on poison messages exactly as the Functions queue trigger configured by the same file does.
/// </summary>
public static class HostJson
{
    public const string FileName = "host.json";

    public static void ApplyQueueSettings(string path, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(path))
        {
            return;
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return;
        }
        if (queues.TryGetProperty("maxPollingInterval", out var polling))
        {
            options.MaxPollingInterval = ParseTimeSpan(polling, "extensions.queues.maxPollingInterval");
        }
        if (queues.TryGetProperty("visibilityTimeout", out var retryDelay))
        {
            // In the Functions queue trigger this is how long a failed message waits before it is offered again.
            options.FailedMessageRetryDelay = ParseTimeSpan(retryDelay, "extensions.queues.visibilityTimeout");
        }
        if (queues.TryGetProperty("maxDequeueCount", out var dequeue))
        {
            options.MaxDequeueCount = dequeue.GetInt32();
        }
        if (queues.TryGetProperty("batchSize", out var batch))
        {
            options.ControlBatchSize = batch.GetInt32();
        }
    }

    private static TimeSpan ParseTimeSpan(JsonElement value, string name) =>
        TimeSpan.TryParse(value.GetString(), CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new SettingsException([$"host.json {name}: '{value}' is not a positive time span such as 00:00:00.500."]);
}
