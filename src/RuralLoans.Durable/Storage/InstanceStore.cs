using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Storage;

/// <summary>Thrown when another host committed to the instance first (ETag or row-key conflict).</summary>
internal sealed class InstanceConflictException(string instanceId, Exception inner)
    : Exception($"Another host committed to instance '{instanceId}' first.", inner);

/// <summary>
/// Reads and writes instance partitions. Partition = instance id; row "$state" is the state row, rows
/// "h{generation}.{first sequence}" hold one episode's events each. One table transaction per episode
/// both appends history and replaces the state row under its ETag, so an episode commits atomically
/// and two hosts can never both commit the same step.
/// </summary>
internal sealed class InstanceStore(EngineStorage storage, PayloadStore payloads)
{
    public const string StateRowKey = "$state";

    public async Task<InstanceSnapshot?> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        TableEntity? state = null;
        var episodes = new List<Episode>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        await foreach (var row in storage.Instances.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == StateRowKey)
            {
                state = row;
            }
            else
            {
                episodes.Add(new Episode(row.RowKey, await ReadEventsAsync(row, cancellationToken).ConfigureAwait(false)));
            }
        }

        if (state is null)
        {
            return null;
        }

        episodes.Sort((left, right) => string.CompareOrdinal(left.RowKey, right.RowKey));
        return new InstanceSnapshot(ToRecord(state), state.ETag, episodes);
    }

    public async Task<InstanceRecord?> ReadRecordAsync(string instanceId, CancellationToken cancellationToken)
    {
        var response = await storage.Instances.GetEntityIfExistsAsync<TableEntity>(instanceId, StateRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? ToRecord(response.Value!) : null;
    }

    /// <summary>Writes the state row (insert when new, else replace under the loaded ETag) and the episode row in one transaction.</summary>
    /// <returns>The state row's new ETag, or null when the store did not report one.</returns>
    public async Task<ETag?> CommitAsync(InstanceSnapshot? before, InstanceRecord record, IReadOnlyList<HistoryEvent> episodeEvents, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>();
        var stateEntity = await ToEntityAsync(record, cancellationToken).ConfigureAwait(false);
        actions.Add(before?.ETag is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, stateEntity, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, stateEntity));
        if (episodeEvents.Count > 0)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, await ToEpisodeEntityAsync(record.InstanceId, episodeEvents, cancellationToken).ConfigureAwait(false)));
        }

        await storage.Options.BeforeWriteAsync("commit", cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await storage.Instances.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return response.Value.Count > 0 ? response.Value[0].Headers.ETag : null;
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            throw new InstanceConflictException(record.InstanceId, exception);
        }
    }

    public static string EpisodeRowKey(int generation, long firstSequence) => $"h{generation:D6}.{firstSequence:D12}";

    public async Task<IReadOnlyList<InstanceRecord>> ReadPageAsync(string filter, int pageSize, string? continuation, Action<string?> nextContinuation, CancellationToken cancellationToken)
    {
        var records = new List<InstanceRecord>();
        await foreach (var page in storage.Instances.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            records.AddRange(page.Values.Select(ToRecord));
            nextContinuation(page.ContinuationToken);
            break;
        }

        return records;
    }

    public async Task DeletePartitionAsync(string instanceId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        var keys = new List<string>();
        await foreach (var row in storage.Instances.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add(row.RowKey);
        }

        foreach (var chunk in keys.Chunk(100))
        {
            var deletions = chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(instanceId, key), ETag.All));
            await storage.Instances.SubmitTransactionAsync(deletions, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TableEntity> ToEpisodeEntityAsync(string instanceId, IReadOnlyList<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(instanceId, EpisodeRowKey(events[0].Generation, events[0].Sequence));
        var json = JsonSerializer.Serialize(events, DurableJson.Options);
        if (json.Length > PayloadStore.MaxInlineTableChars)
        {
            entity["EventsBlob"] = (await payloads.OffloadIfLargeAsync(instanceId, json, 0, cancellationToken).ConfigureAwait(false)).BlobName;
        }
        else
        {
            entity["Events"] = json;
        }

        entity["Count"] = events.Count;
        return entity;
    }

    private async Task<IReadOnlyList<HistoryEvent>> ReadEventsAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var json = await payloads.ResolveAsync(new Payload(row.GetString("Events"), row.GetString("EventsBlob")), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize<List<HistoryEvent>>(json ?? "[]", DurableJson.Options) ?? [];
    }

    private async Task<TableEntity> ToEntityAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(record.InstanceId, StateRowKey)
        {
            ["Name"] = record.Name,
            ["Status"] = record.Status.ToString(),
            ["Generation"] = record.Generation,
            ["CreatedAt"] = record.CreatedAt,
            ["LastUpdatedAt"] = record.LastUpdatedAt,
            ["CompletedAt"] = record.CompletedAt,
            ["Failure"] = record.Failure is null ? null : JsonSerializer.Serialize(Shorten(record.Failure), DurableJson.Options),
            ["EventCount"] = record.EventCount,
            ["LastHash"] = record.LastHash,
            ["ParentInstanceId"] = record.ParentInstanceId,
            ["ParentTaskId"] = record.ParentTaskId,
            ["ParentGeneration"] = record.ParentGeneration,
            ["TraceParent"] = record.TraceParent,
        };
        await SetPayloadAsync(entity, "Input", record.InstanceId, record.Input, cancellationToken).ConfigureAwait(false);
        await SetPayloadAsync(entity, "Output", record.InstanceId, record.Output, cancellationToken).ConfigureAwait(false);
        await SetPayloadAsync(entity, "CustomStatus", record.InstanceId, record.CustomStatus, cancellationToken).ConfigureAwait(false);
        return entity;
    }

    private async Task SetPayloadAsync(TableEntity entity, string property, string instanceId, Payload payload, CancellationToken cancellationToken)
    {
        var stored = payload.Inline is { Length: > PayloadStore.MaxInlineTableChars } large
            ? await payloads.OffloadIfLargeAsync(instanceId, large, 0, cancellationToken).ConfigureAwait(false)
            : payload;
        entity[property] = stored.Inline;
        entity[property + "Blob"] = stored.BlobName;
    }

    private static FailureDetails Shorten(FailureDetails failure) => failure with
    {
        Message = failure.Message.Length > 4000 ? failure.Message[..4000] : failure.Message,
        StackTrace = failure.StackTrace is { Length: > 4000 } stack ? stack[..4000] : failure.StackTrace,
        Inner = failure.Inner is null ? null : Shorten(failure.Inner),
    };

    internal static InstanceRecord ToRecord(TableEntity entity) => new()
    {
        InstanceId = entity.PartitionKey,
        Name = entity.GetString("Name") ?? "",
        Status = Enum.Parse<OrchestrationRuntimeStatus>(entity.GetString("Status") ?? nameof(OrchestrationRuntimeStatus.Pending)),
        Generation = entity.GetInt32("Generation") ?? 0,
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        LastUpdatedAt = entity.GetDateTimeOffset("LastUpdatedAt") ?? DateTimeOffset.MinValue,
        CompletedAt = entity.GetDateTimeOffset("CompletedAt"),
        Input = new Payload(entity.GetString("Input"), entity.GetString("InputBlob")),
        Output = new Payload(entity.GetString("Output"), entity.GetString("OutputBlob")),
        CustomStatus = new Payload(entity.GetString("CustomStatus"), entity.GetString("CustomStatusBlob")),
        Failure = entity.GetString("Failure") is { } failure ? JsonSerializer.Deserialize<FailureDetails>(failure, DurableJson.Options) : null,
        EventCount = entity.GetInt64("EventCount") ?? 0,
        LastHash = entity.GetString("LastHash") ?? HistoryChain.Genesis,
        ParentInstanceId = entity.GetString("ParentInstanceId"),
        ParentTaskId = entity.GetInt32("ParentTaskId"),
        ParentGeneration = entity.GetInt32("ParentGeneration"),
        TraceParent = entity.GetString("TraceParent"),
    };
}
