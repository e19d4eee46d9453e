using DurableTask.Core;
using DurableTask.Core.History;

namespace RuralLoans.TaskHub;

/// <summary>
/// One event of an instance's history in plain terms, for timelines and exports: what happened, to which activity,
/// event or timer, and the payload as the task hub stores it.
/// </summary>
/// <param name="Sequence">Position in the history (the engine's own bookkeeping events are left out).</param>
/// <param name="TaskId">The activity's or timer's id, linking a completion to what it completes.</param>
public sealed record HistoryEntry(int Sequence, string Type, string? Name, DateTimeOffset Timestamp, int? TaskId, string? Input, string? Result);

public static class HistoryEntries
{
    /// <summary>
    /// The input an activity was given. The engine stores an activity's parameters as a JSON array; the Durable Task
    /// SDK always passes exactly one, so the timeline shows that one value.
    /// </summary>
    public static string? ActivityInput(string? stored)
    {
        if (stored is null || !stored.TrimStart().StartsWith('['))
        {
            return stored;
        }
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(stored);
            return node is System.Text.Json.Nodes.JsonArray { Count: 1 } single ? single[0]?.ToJsonString() : stored;
        }
        catch (System.Text.Json.JsonException)
        {
            return stored;
        }
    }

    public static IReadOnlyList<HistoryEntry> Describe(IList<HistoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var scheduled = events.OfType<TaskScheduledEvent>().GroupBy(e => e.EventId).ToDictionary(g => g.Key, g => g.First().Name);
        var entries = new List<HistoryEntry>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var at = new DateTimeOffset(DateTime.SpecifyKind(events[i].Timestamp, DateTimeKind.Utc));
            HistoryEntry? entry = events[i] switch
            {
                ContinueAsNewEvent e => new(i, "ContinueAsNew", null, at, null, null, e.Result),
                ExecutionStartedEvent e => new(i, "ExecutionStarted", e.Name, at, null, e.Input, null),
                ExecutionCompletedEvent e => new(i, e.OrchestrationStatus == OrchestrationStatus.Failed ? "ExecutionFailed" : "ExecutionCompleted", null, at, null, null,
                    e.FailureDetails?.ToString() ?? e.Result),
                ExecutionTerminatedEvent e => new(i, "ExecutionTerminated", null, at, null, e.Input, null),
                ExecutionSuspendedEvent e => new(i, "ExecutionSuspended", null, at, null, e.Reason, null),
                ExecutionResumedEvent e => new(i, "ExecutionResumed", null, at, null, e.Reason, null),
                TaskScheduledEvent e => new(i, "TaskScheduled", e.Name, at, e.EventId, ActivityInput(e.Input), null),
                TaskCompletedEvent e => new(i, "TaskCompleted", scheduled.GetValueOrDefault(e.TaskScheduledId), at, e.TaskScheduledId, null, e.Result),
                TaskFailedEvent e => new(i, "TaskFailed", scheduled.GetValueOrDefault(e.TaskScheduledId), at, e.TaskScheduledId, null,
                    e.FailureDetails?.ToString() ?? e.Reason),
                TimerCreatedEvent e => new(i, "TimerCreated", null, at, e.EventId, e.FireAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture), null),
                TimerFiredEvent e => new(i, "TimerFired", null, at, e.TimerId, null, null),
                EventRaisedEvent e => new(i, "EventRaised", e.Name, at, null, e.Input, null),
                EventSentEvent e => new(i, "EventSent", e.Name, at, e.EventId, e.Input, null),
                _ => null,
            };
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }
        return entries;
    }
}
