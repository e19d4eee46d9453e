namespace RuralLoans.Durable.Core;

/// <summary>What an activity knows about the task it runs for.</summary>
public sealed class TaskActivityContext
{
    internal TaskActivityContext(string instanceId, int generation, int taskId, string name, string? inputJson, int deliveryCount, CancellationToken cancellationToken)
    {
        InstanceId = instanceId;
        Generation = generation;
        TaskId = taskId;
        Name = name;
        InputJson = inputJson;
        DeliveryCount = deliveryCount;
        CancellationToken = cancellationToken;
    }

    public string InstanceId { get; }

    public int Generation { get; }

    public int TaskId { get; }

    public string Name { get; }

    public string? InputJson { get; }

    /// <summary>How many times this work item has been handed to a host; more than 1 means a redelivery.</summary>
    public int DeliveryCount { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Stable across redeliveries of the same scheduled task, distinct for every other task (a retry is a
    /// new task). Activities with outside effects must use it so a redelivered work item does not act twice.
    /// </summary>
    public string IdempotencyKey => $"{InstanceId}/{Generation}/{TaskId}";

    public T? GetInput<T>() => DurableJson.Deserialize<T>(InputJson);
}
