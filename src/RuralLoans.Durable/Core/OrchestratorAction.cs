namespace RuralLoans.Durable.Core;

internal enum ActionKind
{
    ScheduleActivity,
    CreateTimer,
    StartSubOrchestration,
}

/// <summary>Something orchestrator code asked for; it becomes history (and a message) unless history already has it.</summary>
internal sealed record OrchestratorAction(ActionKind Kind, int TaskId, string? Name, string? InputJson, DateTimeOffset? FireAt, string? ChildInstanceId)
{
    public HistoryEventType RecordedAs => Kind switch
    {
        ActionKind.ScheduleActivity => HistoryEventType.TaskScheduled,
        ActionKind.CreateTimer => HistoryEventType.TimerCreated,
        _ => HistoryEventType.SubOrchestrationCreated,
    };

    public string Describe() => Kind switch
    {
        ActionKind.ScheduleActivity => $"call activity '{Name}'",
        ActionKind.CreateTimer => "create a timer",
        _ => $"start sub-orchestration '{Name}'",
    };
}

/// <summary>An external event handed on to the next execution by ContinueAsNew.</summary>
public sealed record CarriedEvent(string Name, string? Data);

internal enum OutcomeKind
{
    Completed,
    Failed,
    ContinuedAsNew,
}

internal sealed record OrchestrationOutcome(OutcomeKind Kind, string? OutputJson, FailureDetails? Failure, IReadOnlyList<CarriedEvent> CarriedEvents);

/// <summary>What one replay produced: actions not yet in history, and the end of the execution if it ended.</summary>
internal sealed record ReplayResult(IReadOnlyList<OrchestratorAction> NewActions, OrchestrationOutcome? Outcome, string? CustomStatusJson);
