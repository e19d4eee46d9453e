using DurableTask.AzureStorage;
using DurableTask.Core.History;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace RuralLoans.TaskHub;

/// <summary>Reads an instance's history back from the task hub as the engine's typed events.</summary>
public static class TaskHubHistory
{
    public static async Task<IList<HistoryEvent>> ReadTypedAsync(AzureStorageOrchestrationService service, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(service);
        var json = await service.GetOrchestrationHistoryAsync(instanceId, null).ConfigureAwait(false);
        return Parse(json);
    }

    public static IList<HistoryEvent> Parse(string json)
    {
        var events = new List<HistoryEvent>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return events;
        }
        foreach (var item in JArray.Parse(json).OfType<JObject>())
        {
            var type = item.GetValue("EventType", StringComparison.OrdinalIgnoreCase)?.ToObject<EventType>()
                ?? throw new InvalidDataException("A history event has no EventType.");
            events.Add((HistoryEvent)item.ToObject(ClrTypeOf(type), Serializer)!);
        }
        return events;
    }

    private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings { TypeNameHandling = TypeNameHandling.None });

    private static Type ClrTypeOf(EventType type) => type switch
    {
        EventType.ExecutionStarted => typeof(ExecutionStartedEvent),
        EventType.ExecutionCompleted => typeof(ExecutionCompletedEvent),
        EventType.ExecutionTerminated => typeof(ExecutionTerminatedEvent),
        EventType.ExecutionSuspended => typeof(ExecutionSuspendedEvent),
        EventType.ExecutionResumed => typeof(ExecutionResumedEvent),
        EventType.ExecutionRewound => typeof(ExecutionRewoundEvent),
        EventType.TaskScheduled => typeof(TaskScheduledEvent),
        EventType.TaskCompleted => typeof(TaskCompletedEvent),
        EventType.TaskFailed => typeof(TaskFailedEvent),
        EventType.SubOrchestrationInstanceCreated => typeof(SubOrchestrationInstanceCreatedEvent),
        EventType.SubOrchestrationInstanceCompleted => typeof(SubOrchestrationInstanceCompletedEvent),
        EventType.SubOrchestrationInstanceFailed => typeof(SubOrchestrationInstanceFailedEvent),
        EventType.TimerCreated => typeof(TimerCreatedEvent),
        EventType.TimerFired => typeof(TimerFiredEvent),
        EventType.OrchestratorStarted => typeof(OrchestratorStartedEvent),
        EventType.OrchestratorCompleted => typeof(OrchestratorCompletedEvent),
        EventType.EventSent => typeof(EventSentEvent),
        EventType.EventRaised => typeof(EventRaisedEvent),
        EventType.ContinueAsNew => typeof(ContinueAsNewEvent),
        EventType.GenericEvent => typeof(GenericEvent),
        EventType.HistoryState => typeof(HistoryStateEvent),
        _ => throw new InvalidDataException($"History event type {type} is not known."),
    };
}
