using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Storage;

/// <summary>An instance's state row: what status queries read and what every commit replaces under its ETag.</summary>
internal sealed record InstanceRecord
{
    public required string InstanceId { get; init; }

    public required string Name { get; init; }

    public OrchestrationRuntimeStatus Status { get; init; }

    public int Generation { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public Payload Input { get; init; }

    public Payload Output { get; init; }

    public Payload CustomStatus { get; init; }

    public FailureDetails? Failure { get; init; }

    /// <summary>Number of history events over all executions; the next event's sequence.</summary>
    public long EventCount { get; init; }

    public string LastHash { get; init; } = HistoryChain.Genesis;

    public string? ParentInstanceId { get; init; }

    public int? ParentTaskId { get; init; }

    public int? ParentGeneration { get; init; }

    public string? TraceParent { get; init; }
}

/// <summary>One committed episode: the events it appended, in one history row.</summary>
internal sealed record Episode(string RowKey, IReadOnlyList<HistoryEvent> Events);

/// <summary>An instance as loaded (or cached): its state row, the row's ETag and its whole history.</summary>
internal sealed class InstanceSnapshot
{
    private readonly Dictionary<string, int> episodeByAppliedKey;

    public InstanceSnapshot(InstanceRecord record, Azure.ETag? etag, IReadOnlyList<Episode> episodes)
    {
        Record = record;
        ETag = etag;
        Episodes = episodes;
        episodeByAppliedKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < episodes.Count; index++)
        {
            foreach (var recorded in episodes[index].Events)
            {
                if (AppliedKeyOf(recorded) is { } key)
                {
                    episodeByAppliedKey[key] = index;
                }
            }
        }
    }

    public InstanceRecord Record { get; }

    /// <summary>Null while the state row has not been written yet.</summary>
    public Azure.ETag? ETag { get; }

    public IReadOnlyList<Episode> Episodes { get; }

    public IEnumerable<HistoryEvent> AllEvents => Episodes.SelectMany(episode => episode.Events);

    public IReadOnlyList<HistoryEvent> CurrentExecutionEvents => [.. AllEvents.Where(e => e.Generation == Record.Generation)];

    public bool HasStarted => CurrentExecutionEvents.Any(e => e.Type == HistoryEventType.ExecutionStarted);

    public bool WasScheduled(int generation, int taskId) => AllEvents.Any(e => e.Generation == generation && e.TaskId == taskId
        && e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated);

    /// <summary>The episode that already applied a message with this key, or null when the message is new.</summary>
    public int? EpisodeThatApplied(string deduplicationKey) => episodeByAppliedKey.TryGetValue(deduplicationKey, out var index) ? index : null;

    public InstanceSnapshot Append(InstanceRecord record, Azure.ETag? etag, Episode? episode) =>
        new(record, etag, episode is null ? Episodes : [.. Episodes, episode]);

    internal static string? AppliedKeyOf(HistoryEvent recorded) => recorded.Type switch
    {
        HistoryEventType.ExecutionStarted => $"start:{recorded.Generation}",
        HistoryEventType.TaskCompleted or HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.SubOrchestrationFailed
            => $"done:{recorded.Generation}:{recorded.TaskId}",
        HistoryEventType.TimerFired => $"fired:{recorded.Generation}:{recorded.TaskId}",
        _ when recorded.MessageId is not null => $"msg:{recorded.MessageId}",
        _ => null,
    };
}
