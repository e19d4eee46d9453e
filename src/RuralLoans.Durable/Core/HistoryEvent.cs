using System.Text.Json.Serialization;

namespace RuralLoans.Durable.Core;

/// <summary>Kinds of facts recorded in an instance's append-only history.</summary>
public enum HistoryEventType
{
    OrchestratorStarted,
    ExecutionStarted,
    TaskScheduled,
    TaskCompleted,
    TaskFailed,
    TimerCreated,
    TimerFired,
    SubOrchestrationCreated,
    SubOrchestrationCompleted,
    SubOrchestrationFailed,
    EventRaised,
    ExecutionSuspended,
    ExecutionResumed,
    ExecutionCompleted,
    ExecutionFailed,
    ExecutionTerminated,
    ContinuedAsNew,
}

/// <summary>
/// One history fact. A single flat shape (rather than a class per kind) keeps the JSON stable, the
/// hash chain simple and the table/blob encoding identical.
/// </summary>
public sealed record HistoryEvent
{
    /// <summary>Position in the instance's whole history (across executions), starting at 0.</summary>
    public long Sequence { get; init; }

    /// <summary>Execution number; a ContinueAsNew starts the next one.</summary>
    public int Generation { get; init; }

    public HistoryEventType Type { get; init; }

    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The orchestrator's task id for scheduled work and its outcome.</summary>
    public int? TaskId { get; init; }

    /// <summary>Activity, orchestrator, timer-less event or sub-orchestration name.</summary>
    public string? Name { get; init; }

    /// <summary>Input, result or event data as JSON, or null when it lives in a blob.</summary>
    public string? Data { get; init; }

    /// <summary>Payload blob reference when the data was too large to keep inline.</summary>
    public string? DataBlob { get; init; }

    public DateTimeOffset? FireAt { get; init; }

    /// <summary>Child instance id for sub-orchestrations.</summary>
    public string? ChildInstanceId { get; init; }

    public FailureDetails? Failure { get; init; }

    /// <summary>Id of the queue message this event came from; the de-duplication key for events and control requests.</summary>
    public string? MessageId { get; init; }

    /// <summary>Events a ContinueAsNew hands to the next execution.</summary>
    public IReadOnlyList<CarriedEvent>? CarriedEvents { get; init; }

    public string? PreviousHash { get; init; }

    public string? Hash { get; init; }

    [JsonIgnore]
    public Payload Payload => new(Data, DataBlob);
}
