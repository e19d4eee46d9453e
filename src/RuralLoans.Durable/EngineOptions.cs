namespace RuralLoans.Durable;

/// <summary>Settings shared by the client, the message processor and the listener (queue settings come from host.json).</summary>
public sealed class EngineOptions
{
    /// <summary>Prefix of every queue, table and container; lower-case letters and digits.</summary>
    public string TaskHubName { get; set; } = "ruralloans";

    /// <summary>A connection string for the task hub's storage account; or set <see cref="Storage"/> instead.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>The task hub's storage account, e.g. reached with a managed identity; wins over <see cref="StorageConnectionString"/>.</summary>
    public Storage.StorageAccount? Storage { get; set; }

    /// <summary>Deliveries after which a message that keeps failing goes to the poison queue.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a received message stays hidden from other hosts while it is processed.</summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay before a message that failed (below the poison limit) is offered again.</summary>
    public TimeSpan FailedMessageRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>First idle poll delay; doubles while queues stay empty.</summary>
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Upper bound of the idle poll delay for work enqueued by other hosts.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Messages fetched per control-queue receive; messages of one instance become one episode.</summary>
    public int ControlBatchSize { get; set; } = 32;

    public int MaxConcurrentActivities { get; set; } = 16;

    /// <summary>Payloads whose UTF-8 size exceeds this go to blob storage (queue messages are capped at 64 KB after Base64).</summary>
    public int LargePayloadThresholdBytes { get; set; } = 45 * 1024;

    /// <summary>Keeps instance state and history in memory between episodes; safe because every commit is ETag-fenced.</summary>
    public bool CacheInstanceState { get; set; } = true;

    public int InstanceCacheCapacity { get; set; } = 10_000;

    /// <summary>
    /// Records an activity's result in its instance from the host that ran it instead of routing it through
    /// the control queue (fewer storage transactions, lower latency); falls back to the queue on any failure.
    /// </summary>
    public bool ApplyActivityResultsInline { get; set; } = true;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Added to every storage client's pipeline, e.g. to meter storage transactions.</summary>
    public Azure.Core.Pipeline.HttpPipelinePolicy? StorageRequestPolicy { get; set; }

    /// <summary>Called before every storage write; fault-injection tests throw from it to simulate a crash at that point.</summary>
    internal Func<string, CancellationToken, ValueTask>? BeforeWrite { get; set; }

    internal ValueTask BeforeWriteAsync(string point, CancellationToken cancellationToken) =>
        BeforeWrite?.Invoke(point, cancellationToken) ?? ValueTask.CompletedTask;
}
