using System.Text;
using Azure.Data.Tables;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;
using RuralLoans.Durable.Telemetry;

namespace RuralLoans.Durable.Client;

/// <summary>Starts, inspects and controls orchestration instances.</summary>
public sealed partial class DurableClient
{
    private static readonly char[] ForbiddenIdCharacters = ['/', '\\', '#', '?'];

    private readonly EngineStorage storage;
    private readonly EngineOptions options;
    private readonly DurableRegistry? registry;
    private readonly PayloadStore payloads;
    private readonly InstanceStore instances;
    private readonly MessageSender sender;

    /// <param name="registry">When given, starting an unregistered orchestrator name fails at once instead of in the instance.</param>
    public DurableClient(EngineStorage storage, DurableRegistry? registry = null, WorkSignal? signal = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        this.storage = storage;
        this.registry = registry;
        options = storage.Options;
        payloads = new PayloadStore(storage);
        instances = new InstanceStore(storage, payloads);
        sender = new MessageSender(storage, payloads, signal);
    }

    /// <summary>
    /// Starts an instance. Starting an id that already exists does not run it again: the id is returned
    /// (and a start that was cut short before its message was sent is completed).
    /// </summary>
    public async Task<string> StartNewAsync(string orchestratorName, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orchestratorName);
        if (registry is not null && !registry.HasOrchestrator(orchestratorName))
        {
            throw new UnknownNameException($"No orchestrator named '{orchestratorName}' is registered.");
        }

        instanceId ??= Guid.NewGuid().ToString("N");
        ValidateInstanceId(instanceId);
        var now = options.TimeProvider.GetUtcNow();
        var inputPayload = await payloads.OffloadIfLargeAsync(instanceId, DurableJson.Serialize(input), options.LargePayloadThresholdBytes, cancellationToken).ConfigureAwait(false);
        var record = new InstanceRecord
        {
            InstanceId = instanceId,
            Name = orchestratorName,
            Status = OrchestrationRuntimeStatus.Pending,
            CreatedAt = now,
            LastUpdatedAt = now,
            Input = inputPayload,
            TraceParent = EngineTelemetry.NewTraceParent(),
        };
        try
        {
            var etag = await instances.CommitAsync(null, record, [], cancellationToken).ConfigureAwait(false);
            if (options.CacheInstanceState && etag is not null && storage.InstanceCache.Count < options.InstanceCacheCapacity)
            {
                storage.InstanceCache[instanceId] = new InstanceSnapshot(record, etag, []);
            }
        }
        catch (InstanceConflictException)
        {
            var existing = await instances.ReadRecordAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (existing is null || existing.Status != OrchestrationRuntimeStatus.Pending || existing.EventCount > 0)
            {
                return instanceId;
            }

            record = existing;
        }

        await sender.SendControlAsync(new EngineMessage
        {
            Id = $"{instanceId}/0/start",
            Kind = MessageKind.ExecutionStarted,
            InstanceId = instanceId,
            Name = record.Name,
            Data = record.Input.Inline,
            DataBlob = record.Input.BlobName,
            TraceParent = record.TraceParent,
        }, cancellationToken).ConfigureAwait(false);
        return instanceId;
    }

    /// <summary>Delivers an event; if the orchestrator is not waiting for it yet, it is kept until it does.</summary>
    public async Task RaiseEventAsync(string instanceId, string eventName, object? data = null, CancellationToken cancellationToken = default)
    {
        await RequireActiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var payload = await payloads.OffloadIfLargeAsync(instanceId, DurableJson.Serialize(data), options.LargePayloadThresholdBytes, cancellationToken).ConfigureAwait(false);
        await sender.SendControlAsync(new EngineMessage
        {
            Id = Guid.NewGuid().ToString("N"), Kind = MessageKind.EventRaised, InstanceId = instanceId, Name = eventName,
            Data = payload.Inline, DataBlob = payload.BlobName,
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlRequestAsync(instanceId, MessageKind.Terminate, reason, cancellationToken);

    public Task SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlRequestAsync(instanceId, MessageKind.Suspend, reason, cancellationToken);

    public Task ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlRequestAsync(instanceId, MessageKind.Resume, reason, cancellationToken);

    public async Task<OrchestrationState?> GetStatusAsync(string instanceId, bool fetchLargePayloads = true, CancellationToken cancellationToken = default)
    {
        var record = await instances.ReadRecordAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return record is null ? null : await ToStateAsync(record, fetchLargePayloads, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls until the instance ends (Completed, Failed or Terminated) or the timeout passes.</summary>
    public async Task<OrchestrationState> WaitForCompletionAsync(string instanceId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = options.TimeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var state = await GetStatusAsync(instanceId, true, cancellationToken).ConfigureAwait(false);
            if (state is not null && state.Status.IsTerminal())
            {
                return state;
            }

            if (options.TimeProvider.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Instance '{instanceId}' did not finish within {timeout} (status {state?.Status.ToString() ?? "missing"}).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One page of instances matching the query, newest criteria applied server-side.</summary>
    public async Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new StringBuilder(TableClient.CreateQueryFilter($"RowKey eq {InstanceStore.StateRowKey}"));
        if (query.Statuses is { Count: > 0 } statuses)
        {
            filter.Append(" and (").AppendJoin(" or ", statuses.Select(status => TableClient.CreateQueryFilter($"Status eq {status.ToString()}"))).Append(')');
        }

        if (query.CreatedFrom is { } from)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"CreatedAt ge {from}"));
        }

        if (query.CreatedTo is { } to)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"CreatedAt lt {to}"));
        }

        if (query.Name is { } name)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"Name eq {name}"));
        }

        string? next = null;
        var records = await instances.ReadPageAsync(filter.ToString(), query.PageSize, query.ContinuationToken, token => next = token, cancellationToken).ConfigureAwait(false);
        var states = new List<OrchestrationState>(records.Count);
        foreach (var record in records)
        {
            states.Add(await ToStateAsync(record, query.FetchLargePayloads, cancellationToken).ConfigureAwait(false));
        }

        return new InstancePage(states, next);
    }

    /// <summary>Deletes a finished instance's state, history and payloads. Returns false when it is missing or still running.</summary>
    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var record = await instances.ReadRecordAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (record is null || !record.Status.IsTerminal())
        {
            return false;
        }

        await instances.DeletePartitionAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await payloads.DeleteInstancePayloadsAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Purges finished instances created before <paramref name="createdBefore"/> whose status is one of <paramref name="statuses"/>.</summary>
    /// <returns>How many instances were purged.</returns>
    public async Task<int> PurgeAsync(DateTimeOffset createdBefore, IReadOnlyCollection<OrchestrationRuntimeStatus> statuses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var terminal = statuses.Where(status => status.IsTerminal()).ToList();
        if (terminal.Count == 0)
        {
            return 0;
        }

        var purged = 0;
        string? continuation = null;
        do
        {
            var page = await QueryAsync(new InstanceQuery { Statuses = terminal, CreatedTo = createdBefore, ContinuationToken = continuation }, cancellationToken).ConfigureAwait(false);
            foreach (var instance in page.Instances)
            {
                purged += await PurgeAsync(instance.InstanceId, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);
        return purged;
    }

    /// <summary>The instance's whole history (all executions), in order, as stored.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var snapshot = await instances.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return snapshot is null ? [] : [.. snapshot.AllEvents];
    }

    /// <summary>The instance's whole history with every payload kept in a blob read back into <see cref="HistoryEvent.Data"/>.</summary>
    /// <exception cref="InvalidDataException">A payload blob no longer matches the hash its event recorded.</exception>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, bool fetchLargePayloads, CancellationToken cancellationToken = default)
    {
        var stored = await GetHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (!fetchLargePayloads)
        {
            return stored;
        }

        var resolved = new List<HistoryEvent>(stored.Count);
        foreach (var recorded in stored)
        {
            resolved.Add(recorded.DataBlob is null ? recorded : recorded with { Data = await payloads.ResolveAsync(recorded.Payload, cancellationToken).ConfigureAwait(false) });
        }

        return resolved;
    }

    /// <summary>
    /// Re-runs the registered orchestrator against the stored history, episode by episode, and reports where what the code
    /// asks for now differs from what the history records (see <see cref="ReplayVerifier"/>).
    /// </summary>
    public async Task<ReplayVerificationResult> VerifyReplayAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (registry is null)
        {
            throw new InvalidOperationException("Replay verification needs the client to be created with the orchestrators' registry.");
        }

        InstanceSnapshot? snapshot;
        try
        {
            snapshot = await instances.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException)
        {
            return ReplayVerifier.Unreadable(instanceId, exception);
        }

        if (snapshot is null)
        {
            throw new InvalidOperationException($"Instance '{instanceId}' does not exist.");
        }

        var orchestrator = registry.FindOrchestrator(snapshot.Record.Name)
            ?? throw new UnknownNameException($"No orchestrator named '{snapshot.Record.Name}' is registered.");
        return await ReplayVerifier.VerifyAsync(snapshot, orchestrator, payloads, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the history as JSON lines, one event per line.</summary>
    public async Task ExportHistoryAsync(string instanceId, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var recorded in await GetHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false))
        {
            await writer.WriteLineAsync(DurableJson.Serialize(recorded).AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Recomputes the hash chain and reports the first event that does not follow from its predecessor.</summary>
    public async Task<HistoryVerification> VerifyHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var snapshot = await instances.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Instance '{instanceId}' does not exist.");
        return HistoryChain.Verify(instanceId, [.. snapshot.AllEvents], snapshot.Record.LastHash, snapshot.Record.EventCount);
    }

    private async Task SendControlRequestAsync(string instanceId, MessageKind kind, string? reason, CancellationToken cancellationToken)
    {
        await RequireActiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await sender.SendControlAsync(new EngineMessage
        {
            Id = Guid.NewGuid().ToString("N"), Kind = kind, InstanceId = instanceId, Data = DurableJson.Serialize(reason),
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task RequireActiveAsync(string instanceId, CancellationToken cancellationToken)
    {
        var record = await instances.ReadRecordAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Instance '{instanceId}' does not exist.");
        if (record.Status.IsTerminal())
        {
            throw new InvalidOperationException($"Instance '{instanceId}' has already ended ({record.Status}).");
        }
    }

    private async Task<OrchestrationState> ToStateAsync(InstanceRecord record, bool fetchLargePayloads, CancellationToken cancellationToken)
    {
        async Task<string?> Read(Payload payload) =>
            fetchLargePayloads || payload.BlobName is null ? await payloads.ResolveAsync(payload, cancellationToken).ConfigureAwait(false) : null;

        return new OrchestrationState(
            record.InstanceId, record.Name, record.Status, record.Generation, record.CreatedAt, record.LastUpdatedAt, record.CompletedAt,
            await Read(record.Input).ConfigureAwait(false), await Read(record.Output).ConfigureAwait(false), await Read(record.CustomStatus).ConfigureAwait(false), record.Failure);
    }

    private static void ValidateInstanceId(string instanceId)
    {
        if (instanceId.Length > 200 || instanceId.IndexOfAny(ForbiddenIdCharacters) >= 0 || instanceId.Any(char.IsControl))
        {
            throw new ArgumentException($"Instance id '{instanceId}' must be at most 200 characters without '/', '\\', '#', '?' or control characters.", nameof(instanceId));
        }
    }
}
