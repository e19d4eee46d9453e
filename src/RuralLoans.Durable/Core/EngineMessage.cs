namespace RuralLoans.Durable.Core;

public enum MessageKind
{
    ExecutionStarted,
    TaskCompleted,
    TaskFailed,
    TimerFired,
    SubOrchestrationCompleted,
    SubOrchestrationFailed,
    EventRaised,
    Terminate,
    Suspend,
    Resume,

    /// <summary>Fails the instance outright, e.g. because one of its messages was poisoned.</summary>
    FailInstance,

    /// <summary>Runs an activity; travels on the work-item queue.</summary>
    ActivityWorkItem,
}

/// <summary>Body of every queue message the engine sends (JSON, Base64-encoded on the queue).</summary>
public sealed record EngineMessage
{
    /// <summary>Deterministic for messages derived from history, so a re-send is recognisably the same message.</summary>
    public required string Id { get; init; }

    public required MessageKind Kind { get; init; }

    public required string InstanceId { get; init; }

    public int Generation { get; init; }

    public int? TaskId { get; init; }

    public string? Name { get; init; }

    public string? Data { get; init; }

    public string? DataBlob { get; init; }

    public DateTimeOffset? FireAt { get; init; }

    public FailureDetails? Failure { get; init; }

    public string? ParentInstanceId { get; init; }

    public int? ParentTaskId { get; init; }

    public int? ParentGeneration { get; init; }

    /// <summary>W3C traceparent of the instance's trace.</summary>
    public string? TraceParent { get; init; }

    public DateTimeOffset SentAt { get; init; }

    internal Payload Payload => new(Data, DataBlob);

    /// <summary>The fact in history that shows this message was already applied.</summary>
    internal string DeduplicationKey => Kind switch
    {
        MessageKind.ExecutionStarted => $"start:{Generation}",
        MessageKind.TaskCompleted or MessageKind.TaskFailed or MessageKind.SubOrchestrationCompleted or MessageKind.SubOrchestrationFailed
            => $"done:{Generation}:{TaskId}",
        MessageKind.TimerFired => $"fired:{Generation}:{TaskId}",
        _ => $"msg:{Id}",
    };

    internal bool BelongsToOneExecution => Kind is MessageKind.ExecutionStarted or MessageKind.TaskCompleted or MessageKind.TaskFailed
        or MessageKind.TimerFired or MessageKind.SubOrchestrationCompleted or MessageKind.SubOrchestrationFailed;
}

/// <summary>A queue message as any host hands it to the engine: our own listener or a Functions queue trigger.</summary>
public sealed record QueueWorkItem(string MessageId, string Body, long DequeueCount);

public enum MessageOutcome
{
    /// <summary>Applied, or recognised as a duplicate/late message: delete it.</summary>
    Done,

    /// <summary>Copied to the poison queue and its instance marked Failed: delete it.</summary>
    Poisoned,
}
