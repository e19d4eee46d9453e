namespace RuralLoans.TaskHub;

/// <summary>
/// How the Durable Task Framework's Azure Storage provider runs a task hub: the settings Durable Functions exposes in
/// host.json's <c>durableTask.storageProvider</c> section, with the values we chose. Polling is the latency/cost trade:
/// every poll of an idle queue is a billed storage request in Azure.
/// </summary>
public sealed record TaskHubSettings
{
    /// <summary>Prefix of the hub's queues, tables and containers (3–45 letters and digits).</summary>
    public required string HubName { get; init; }

    /// <summary>Control-queue partitions; fixed for the life of a task hub.</summary>
    public int PartitionCount { get; init; } = 1;

    /// <summary>The longest an idle queue waits between polls (DTFx default 30 s).</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Keep an orchestration's history in memory between episodes instead of reloading it.</summary>
    public bool ExtendedSessionsEnabled { get; init; } = true;

    public TimeSpan ExtendedSessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a message taken by a host that died stays invisible before another host may take it (DTFx default 5 min).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a dead host's partition lease blocks the others (DTFx default 30 s).</summary>
    public TimeSpan LeaseInterval { get; init; } = TimeSpan.FromSeconds(15);

    public int MaxConcurrentActivities { get; init; } = 10;

    public int MaxConcurrentOrchestrations { get; init; } = 10;

    /// <summary>Names this process's partition leases; every process needs its own.</summary>
    public string WorkerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The provider's own defaults, to measure what our settings buy.</summary>
    public static TaskHubSettings DtfxDefaults(string hubName) => new()
    {
        HubName = hubName,
        PartitionCount = 4,
        MaxQueuePollingInterval = TimeSpan.FromSeconds(30),
        ExtendedSessionsEnabled = false,
        VisibilityTimeout = TimeSpan.FromMinutes(5),
        LeaseInterval = TimeSpan.FromSeconds(30),
    };

    public static void ValidateHubName(string hubName)
    {
        if (hubName is null || hubName.Length is < 3 or > 45 || !hubName.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(hubName[0]))
        {
            throw new ArgumentException($"Task hub name '{hubName}' must be 3–45 letters and digits, starting with a letter.", nameof(hubName));
        }
    }
}
