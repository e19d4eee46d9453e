using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Client;

/// <summary>What a status query reports about one instance.</summary>
public sealed record OrchestrationState(
    string InstanceId,
    string Name,
    OrchestrationRuntimeStatus Status,
    int Generation,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    DateTimeOffset? CompletedAt,
    string? InputJson,
    string? OutputJson,
    string? CustomStatusJson,
    FailureDetails? Failure)
{
    public T? ReadOutput<T>() => DurableJson.Deserialize<T>(OutputJson);

    public T? ReadCustomStatus<T>() => DurableJson.Deserialize<T>(CustomStatusJson);
}

/// <summary>Filter for <see cref="DurableClient.QueryAsync"/>; every criterion is optional.</summary>
public sealed record InstanceQuery
{
    public IReadOnlyCollection<OrchestrationRuntimeStatus>? Statuses { get; init; }

    public DateTimeOffset? CreatedFrom { get; init; }

    public DateTimeOffset? CreatedTo { get; init; }

    public string? Name { get; init; }

    public int PageSize { get; init; } = 100;

    public string? ContinuationToken { get; init; }

    /// <summary>Whether to download large inputs/outputs kept in blobs.</summary>
    public bool FetchLargePayloads { get; init; }
}

public sealed record InstancePage(IReadOnlyList<OrchestrationState> Instances, string? ContinuationToken);
