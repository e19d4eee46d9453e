using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Storage;
using RuralLoans.Durable.Telemetry;

namespace RuralLoans.Durable.Processing;

/// <summary>The result for one message of a batch: an outcome, or the error that leaves it on the queue for a retry.</summary>
public sealed record BatchItemResult(QueueWorkItem Item, MessageOutcome? Outcome, Exception? Error);

/// <summary>
/// The single entry point for queue messages. Stateless for correctness (the optional cache is
/// ETag-checked), so our own listener and a Functions queue trigger can both call it. The caller deletes
/// a message when an outcome is returned and leaves it for redelivery when an exception is thrown.
/// </summary>
public sealed partial class WorkItemProcessor
{
    /// <summary>Conflicts mean other hosts made progress on the instance; keep trying long before a message nears the poison limit.</summary>
    private const int MaxConflictAttempts = 25;

    private readonly EngineStorage storage;
    private readonly DurableRegistry registry;
    private readonly EngineOptions options;
    private readonly ILogger logger;
    private readonly PayloadStore payloads;
    private readonly InstanceStore instances;
    private readonly MessageSender sender;
    private readonly ConcurrentDictionary<string, InstanceSnapshot> cache;
    private readonly ConcurrentDictionary<string, InstanceMailbox> mailboxes = new(StringComparer.Ordinal);

    public WorkItemProcessor(EngineStorage storage, DurableRegistry registry, ILogger<WorkItemProcessor>? logger = null, WorkSignal? signal = null)
        : this(storage, registry, logger, signal, null)
    {
    }

    internal WorkItemProcessor(EngineStorage storage, DurableRegistry registry, ILogger<WorkItemProcessor>? logger, WorkSignal? signal, ILocalDispatch? localDispatch)
    {
        ArgumentNullException.ThrowIfNull(storage);
        this.storage = storage;
        this.registry = registry;
        options = storage.Options;
        cache = storage.InstanceCache;
        this.logger = logger ?? NullLogger<WorkItemProcessor>.Instance;
        payloads = new PayloadStore(storage);
        instances = new InstanceStore(storage, payloads);
        sender = new MessageSender(storage, payloads, signal, localDispatch);
    }

    /// <exception cref="Exception">Any failure below the poison limit: leave the message for redelivery.</exception>
    public async Task<MessageOutcome> ProcessOrchestrationMessageAsync(QueueWorkItem item, CancellationToken cancellationToken = default)
    {
        var result = (await ProcessOrchestrationBatchAsync([item], cancellationToken).ConfigureAwait(false))[0];
        if (result.Error is not null)
        {
            throw new InvalidOperationException($"Orchestration message {item.MessageId} failed (delivery {item.DequeueCount}).", result.Error);
        }

        return result.Outcome!.Value;
    }

    /// <summary>Processes control-queue messages; messages for the same instance are applied as one episode.</summary>
    public async Task<IReadOnlyList<BatchItemResult>> ProcessOrchestrationBatchAsync(IReadOnlyList<QueueWorkItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = await ProcessBatchAsync(items, cancellationToken).ConfigureAwait(false);
        foreach (var result in results)
        {
            EngineTelemetry.WorkItemProcessed(storage.ControlQueue.Name, result.Error is null ? result.Outcome.ToString()! : "Retry");
        }

        return results;
    }

    private async Task<IReadOnlyList<BatchItemResult>> ProcessBatchAsync(IReadOnlyList<QueueWorkItem> items, CancellationToken cancellationToken)
    {
        var results = new BatchItemResult?[items.Count];
        var runnable = new List<(int Index, EngineMessage Message)>();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            if (!TryParse(item, out var message, out var parseError))
            {
                results[index] = await FailOrPoisonControlAsync(item, null, parseError!, cancellationToken).ConfigureAwait(false);
            }
            else if (item.DequeueCount > options.MaxDequeueCount)
            {
                results[index] = await FailOrPoisonControlAsync(item, message, new InvalidOperationException("Delivered more often than the poison limit without completing (its host kept stopping)."), cancellationToken).ConfigureAwait(false);
            }
            else if (message!.Kind == MessageKind.TimerFired && message.FireAt is { } fireAt && fireAt > options.TimeProvider.GetUtcNow())
            {
                results[index] = await RescheduleTimerAsync(item, message, fireAt, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                runnable.Add((index, message));
            }
        }

        var groups = runnable.GroupBy(entry => entry.Message.InstanceId, StringComparer.Ordinal).ToList();
        await Task.WhenAll(groups.Select(async group =>
        {
            var members = group.ToList();
            try
            {
                await ApplyAsync(group.Key, [.. members.Select(member => member.Message)], cancellationToken).ConfigureAwait(false);
                members.ForEach(member => results[member.Index] = new BatchItemResult(items[member.Index], MessageOutcome.Done, null));
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (members.Count == 1)
                {
                    var member = members[0];
                    results[member.Index] = await FailOrPoisonControlAsync(items[member.Index], member.Message, exception, cancellationToken).ConfigureAwait(false);
                    return;
                }

                // One message spoiled the episode: apply them one by one so only the culprit counts toward the poison limit.
                foreach (var member in members)
                {
                    results[member.Index] = (await ProcessBatchAsync([items[member.Index]], cancellationToken).ConfigureAwait(false))[0];
                }
            }
        })).ConfigureAwait(false);

        return results!;
    }

    /// <summary>Runs one activity work item and reports its result (or failure) to the orchestration.</summary>
    /// <exception cref="Exception">Infrastructure failure below the poison limit: leave the message for redelivery.</exception>
    public async Task<MessageOutcome> ProcessActivityMessageAsync(QueueWorkItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        EngineMessage? message = null;
        try
        {
            if (!TryParse(item, out message, out var parseError))
            {
                throw parseError!;
            }

            if (item.DequeueCount > options.MaxDequeueCount)
            {
                throw new InvalidOperationException("Delivered more often than the poison limit without completing (its host kept stopping).");
            }

            var reply = await RunActivityAsync(message!, (int)item.DequeueCount, cancellationToken).ConfigureAwait(false);
            if (!options.ApplyActivityResultsInline || !await TryApplyInlineAsync(reply, cancellationToken).ConfigureAwait(false))
            {
                await sender.SendControlAsync(reply, cancellationToken).ConfigureAwait(false);
            }

            EngineTelemetry.WorkItemProcessed(storage.WorkItemQueue.Name, nameof(MessageOutcome.Done));
            return MessageOutcome.Done;
        }
        catch (Exception exception) when (item.DequeueCount >= options.MaxDequeueCount && !cancellationToken.IsCancellationRequested)
        {
            await sender.SendRawAsync(storage.WorkItemPoisonQueue, item.Body, cancellationToken).ConfigureAwait(false);
            EngineTelemetry.MessagePoisoned(storage.WorkItemQueue.Name);
            LogPoisoned(logger, item.MessageId, storage.WorkItemQueue.Name, item.DequeueCount, exception);
            if (message is not null)
            {
                await sender.SendControlAsync(PoisonNotice(message, storage.WorkItemPoisonQueue.Name, item.DequeueCount, exception), cancellationToken).ConfigureAwait(false);
            }

            EngineTelemetry.WorkItemProcessed(storage.WorkItemQueue.Name, nameof(MessageOutcome.Poisoned));
            return MessageOutcome.Poisoned;
        }
    }

    /// <summary>
    /// Records an activity's result in its instance right here instead of through the control queue, which
    /// saves a send, a receive and a delete. Safe because the work item is deleted only afterwards: if this
    /// host dies first, the work item comes back and its result is recognised as applied. Any failure falls
    /// back to sending the result as a message.
    /// </summary>
    private async Task<bool> TryApplyInlineAsync(EngineMessage reply, CancellationToken cancellationToken)
    {
        try
        {
            var payload = await payloads.OffloadIfLargeAsync(reply.InstanceId, reply.Data, options.LargePayloadThresholdBytes, cancellationToken).ConfigureAwait(false);
            await ApplyAsync(reply.InstanceId, [reply with { Data = payload.Inline, DataBlob = payload.BlobName }], cancellationToken).ConfigureAwait(false);
            EngineTelemetry.WorkItemProcessed(storage.ControlQueue.Name, "Inline");
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogInlineFailed(logger, reply.InstanceId, reply.TaskId, exception);
            return false;
        }
    }

    /// <summary>
    /// Applies messages to one instance. Callers that arrive while an episode of the instance runs in this
    /// process are served together by the next episode (a fan-in of 20 results becomes a few commits, not 20
    /// conflicting ones). Across processes the ETag fence still decides.
    /// </summary>
    private async Task ApplyAsync(string instanceId, IReadOnlyList<EngineMessage> messages, CancellationToken cancellationToken)
    {
        if (mailboxes.Count > options.InstanceCacheCapacity)
        {
            mailboxes.Clear();
        }

        var mailbox = mailboxes.GetOrAdd(instanceId, _ => new InstanceMailbox());
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (mailbox.Waiting)
        {
            mailbox.Waiting.Add((messages, applied));
        }

        await mailbox.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<(IReadOnlyList<EngineMessage> Messages, TaskCompletionSource Applied)> served;
            lock (mailbox.Waiting)
            {
                served = [.. mailbox.Waiting];
                mailbox.Waiting.Clear();
            }

            if (served.Count > 0)
            {
                try
                {
                    await RunEpisodeWithRetriesAsync(instanceId, [.. served.SelectMany(caller => caller.Messages)], cancellationToken).ConfigureAwait(false);
                    served.ForEach(caller => caller.Applied.TrySetResult());
                }
                catch (Exception exception)
                {
                    served.ForEach(caller => caller.Applied.TrySetException(exception));
                }
            }
        }
        finally
        {
            mailbox.Gate.Release();
        }

        await applied.Task.ConfigureAwait(false);
    }

    private sealed class InstanceMailbox
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<(IReadOnlyList<EngineMessage> Messages, TaskCompletionSource Applied)> Waiting { get; } = [];
    }

    private async Task<EngineMessage> RunActivityAsync(EngineMessage message, int deliveryCount, CancellationToken cancellationToken)
    {
        var taskId = message.TaskId ?? throw new InvalidDataException($"Activity message {message.Id} has no task id.");
        using var span = EngineTelemetry.StartSpan($"activity {message.Name}", message.TraceParent);
        span?.SetTag("durable.instance_id", message.InstanceId);
        span?.SetTag("durable.task_id", taskId);
        var reply = new EngineMessage
        {
            Id = $"{message.InstanceId}/{message.Generation}/{taskId}/done",
            Kind = MessageKind.TaskCompleted,
            InstanceId = message.InstanceId,
            Generation = message.Generation,
            TaskId = taskId,
            Name = message.Name,
        };
        var activity = registry.FindActivity(message.Name ?? "");
        if (activity is null)
        {
            var unknown = new UnknownNameException($"No activity named '{message.Name}' is registered on this host.");
            return reply with { Kind = MessageKind.TaskFailed, Failure = FailureDetails.FromException(unknown) };
        }

        var input = await payloads.ResolveAsync(message.Payload, cancellationToken).ConfigureAwait(false);
        var context = new TaskActivityContext(message.InstanceId, message.Generation, taskId, message.Name!, input, deliveryCount, cancellationToken);
        try
        {
            var output = await activity(context).ConfigureAwait(false);
            return reply with { Data = output };
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            span?.SetStatus(ActivityStatusCode.Error, exception.Message);
            return reply with { Kind = MessageKind.TaskFailed, Failure = FailureDetails.FromException(exception) };
        }
    }

    private async Task<BatchItemResult> RescheduleTimerAsync(QueueWorkItem item, EngineMessage timer, DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        await sender.SendControlAsync(timer, cancellationToken, fireAt - options.TimeProvider.GetUtcNow()).ConfigureAwait(false);
        return new BatchItemResult(item, MessageOutcome.Done, null);
    }

    private async Task<BatchItemResult> FailOrPoisonControlAsync(QueueWorkItem item, EngineMessage? message, Exception error, CancellationToken cancellationToken)
    {
        if (item.DequeueCount < options.MaxDequeueCount)
        {
            LogRetrying(logger, item.MessageId, item.DequeueCount, error);
            return new BatchItemResult(item, null, error);
        }

        await sender.SendRawAsync(storage.ControlPoisonQueue, item.Body, cancellationToken).ConfigureAwait(false);
        EngineTelemetry.MessagePoisoned(storage.ControlQueue.Name);
        LogPoisoned(logger, item.MessageId, storage.ControlQueue.Name, item.DequeueCount, error);
        if (message is not null && message.Kind != MessageKind.FailInstance)
        {
            try
            {
                await RunEpisodeWithRetriesAsync(message.InstanceId, [PoisonNotice(message, storage.ControlPoisonQueue.Name, item.DequeueCount, error)], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception markingError) when (markingError is not OperationCanceledException)
            {
                LogCannotMarkFailed(logger, message.InstanceId, markingError);
            }
        }

        return new BatchItemResult(item, MessageOutcome.Poisoned, null);
    }

    private static EngineMessage PoisonNotice(EngineMessage message, string poisonQueue, long deliveries, Exception error) => new()
    {
        Id = $"{message.Id}/poison",
        Kind = MessageKind.FailInstance,
        InstanceId = message.InstanceId,
        Generation = message.Generation,
        Failure = new FailureDetails(
            "PoisonMessage",
            $"{message.Kind} message {message.Id}{(message.Name is null ? "" : $" ('{message.Name}')")} failed {deliveries} time(s) and was moved to queue '{poisonQueue}': {error.Message}",
            null,
            FailureDetails.FromException(error)),
    };

    private static bool TryParse(QueueWorkItem item, out EngineMessage? message, out Exception? error)
    {
        try
        {
            message = JsonSerializer.Deserialize<EngineMessage>(item.Body, DurableJson.Options) ?? throw new InvalidDataException("The message body is empty.");
            error = null;
            return true;
        }
        catch (Exception exception) when (exception is JsonException or InvalidDataException or NotSupportedException)
        {
            message = null;
            error = new InvalidDataException($"Message {item.MessageId} is not an engine message: {exception.Message}", exception);
            return false;
        }
    }

    private async Task RunEpisodeWithRetriesAsync(string instanceId, IReadOnlyList<EngineMessage> messages, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            InstanceSnapshot? cached = null;
            var fromCache = options.CacheInstanceState && attempt == 1 && cache.TryGetValue(instanceId, out cached);
            var snapshot = fromCache ? cached : await instances.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            try
            {
                await RunEpisodeAsync(instanceId, snapshot, messages, fromCache, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (InstanceConflictException) when (attempt < MaxConflictAttempts)
            {
                cache.TryRemove(instanceId, out _);
                LogConflict(logger, instanceId, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, Math.Min(10 * attempt, 200))), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                cache.TryRemove(instanceId, out _);
                throw;
            }
        }
    }

    private async Task RunEpisodeAsync(string instanceId, InstanceSnapshot? snapshot, IReadOnlyList<EngineMessage> messages, bool fromCache, CancellationToken cancellationToken)
    {
        var now = options.TimeProvider.GetUtcNow();
        if (snapshot is null)
        {
            var start = messages.FirstOrDefault(m => m.Kind == MessageKind.ExecutionStarted && m.Generation == 0);
            if (start is null)
            {
                LogNoInstance(logger, instanceId, messages.Count);
                return;
            }

            snapshot = new InstanceSnapshot(NewRecord(start, now), null, []);
        }

        var plan = PlanEpisode(snapshot, messages, quiet: fromCache);
        if (fromCache && plan.LateCount > 0)
        {
            // Another host may have moved the instance on; only the stored state may declare a message late.
            throw new InstanceConflictException(instanceId, new InvalidOperationException("The cached state does not know a message's task or execution."));
        }

        if (plan.Accepted.Count == 0)
        {
            await SendOutboxAsync(snapshot, plan.EpisodesToResend.SelectMany(index => snapshot.Episodes[index].Events), cancellationToken).ConfigureAwait(false);
            return;
        }

        var record = snapshot.Record;
        using var span = EngineTelemetry.StartSpan($"orchestration episode {record.Name}", record.TraceParent);
        span?.SetTag("durable.instance_id", instanceId);
        var unlinked = new List<HistoryEvent> { new() { Type = HistoryEventType.OrchestratorStarted, Timestamp = now } };
        unlinked.AddRange(plan.Accepted.Select(message => ToEvent(message, now)));

        var (status, customStatus) = await DecideAsync(snapshot, unlinked, now, cancellationToken).ConfigureAwait(false);
        var linked = new List<HistoryEvent>(unlinked.Count);
        var previousHash = record.LastHash;
        for (var index = 0; index < unlinked.Count; index++)
        {
            var next = HistoryChain.Link(unlinked[index] with { Sequence = record.EventCount + index, Generation = record.Generation }, previousHash);
            linked.Add(next);
            previousHash = next.Hash!;
        }

        var updated = Advance(record, linked, status, customStatus, now);
        var etag = await instances.CommitAsync(snapshot, updated, linked, cancellationToken).ConfigureAwait(false);
        var committed = snapshot.Append(updated, etag, new Episode(InstanceStore.EpisodeRowKey(record.Generation, record.EventCount), linked));
        if (options.CacheInstanceState && etag is not null)
        {
            if (cache.Count >= options.InstanceCacheCapacity)
            {
                cache.Clear();
            }

            cache[instanceId] = committed;
        }

        if (updated.Status.IsTerminal())
        {
            EngineTelemetry.OrchestrationFinished(updated.Name, updated.Status.ToString(), now - updated.CreatedAt);
        }

        var outbox = plan.EpisodesToResend.SelectMany(index => snapshot.Episodes[index].Events).Concat(linked);
        await SendOutboxAsync(committed, outbox, cancellationToken).ConfigureAwait(false);
    }

    private EpisodePlan PlanEpisode(InstanceSnapshot snapshot, IReadOnlyList<EngineMessage> messages, bool quiet)
    {
        var lateCount = 0;
        var record = snapshot.Record;
        var accepted = new List<EngineMessage>();
        var resend = new SortedSet<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in messages.OrderBy(m => m.Kind == MessageKind.ExecutionStarted ? 0 : 1))
        {
            var key = message.DeduplicationKey;
            if (snapshot.EpisodeThatApplied(key) is { } episode)
            {
                resend.Add(episode);
                continue;
            }

            if (!seen.Add(key))
            {
                continue;
            }

            var late = record.Status.IsTerminal()
                || (message.BelongsToOneExecution && message.Generation != record.Generation)
                || (message.TaskId is { } taskId && message.Kind != MessageKind.FailInstance && !snapshot.WasScheduled(message.Generation, taskId));
            if (late)
            {
                lateCount++;
                if (!quiet)
                {
                    LogIgnored(logger, message.Kind, message.Id, record.InstanceId, record.Status);
                }

                continue;
            }

            accepted.Add(message);
        }

        return new EpisodePlan(accepted, resend, lateCount);
    }

    /// <summary>Applies control requests or replays the orchestrator, appending the resulting events; returns the new status.</summary>
    private async Task<(OrchestrationRuntimeStatus Status, string? CustomStatus)> DecideAsync(
        InstanceSnapshot snapshot, List<HistoryEvent> episode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = snapshot.Record;
        var ending = episode.FindIndex(e => e.Type is HistoryEventType.ExecutionTerminated or HistoryEventType.ExecutionFailed);
        if (ending >= 0)
        {
            episode.RemoveRange(ending + 1, episode.Count - ending - 1);
            var status = episode[ending].Type == HistoryEventType.ExecutionTerminated ? OrchestrationRuntimeStatus.Terminated : OrchestrationRuntimeStatus.Failed;
            return (status, null);
        }

        if (!snapshot.HasStarted && !episode.Any(e => e.Type == HistoryEventType.ExecutionStarted))
        {
            return (record.Status, null);
        }

        var orchestrator = registry.FindOrchestrator(record.Name);
        if (orchestrator is null)
        {
            var unknown = new UnknownNameException($"No orchestrator named '{record.Name}' is registered on this host.");
            episode.Add(new HistoryEvent { Type = HistoryEventType.ExecutionFailed, Timestamp = now, Failure = FailureDetails.FromException(unknown) });
            return (OrchestrationRuntimeStatus.Failed, null);
        }

        var past = await ResolveAsync(snapshot.CurrentExecutionEvents, cancellationToken).ConfigureAwait(false);
        var fresh = await ResolveAsync(episode, cancellationToken).ConfigureAwait(false);
        var result = ReplayExecutor.Run(orchestrator, record.InstanceId, record.Name, record.Generation, past, fresh);
        foreach (var action in result.NewActions)
        {
            var input = await payloads.OffloadIfLargeAsync(record.InstanceId, action.InputJson, options.LargePayloadThresholdBytes, cancellationToken).ConfigureAwait(false);
            episode.Add(new HistoryEvent
            {
                Type = action.RecordedAs,
                Timestamp = now,
                TaskId = action.TaskId,
                Name = action.Name,
                Data = input.Inline,
                DataBlob = input.BlobName,
                FireAt = action.FireAt,
                ChildInstanceId = action.ChildInstanceId,
            });
        }

        var customStatus = result.CustomStatusJson ?? await payloads.ResolveAsync(record.CustomStatus, cancellationToken).ConfigureAwait(false);
        if (result.Outcome is not { } outcome)
        {
            var suspended = past.Concat(fresh).LastOrDefault(e => e.Type is HistoryEventType.ExecutionSuspended or HistoryEventType.ExecutionResumed)?.Type
                == HistoryEventType.ExecutionSuspended;
            return (suspended ? OrchestrationRuntimeStatus.Suspended : OrchestrationRuntimeStatus.Running, customStatus);
        }

        var output = await payloads.OffloadIfLargeAsync(record.InstanceId, outcome.OutputJson, options.LargePayloadThresholdBytes, cancellationToken).ConfigureAwait(false);
        var (type, nextStatus) = outcome.Kind switch
        {
            OutcomeKind.Completed => (HistoryEventType.ExecutionCompleted, OrchestrationRuntimeStatus.Completed),
            OutcomeKind.Failed => (HistoryEventType.ExecutionFailed, OrchestrationRuntimeStatus.Failed),
            _ => (HistoryEventType.ContinuedAsNew, OrchestrationRuntimeStatus.Running),
        };
        episode.Add(new HistoryEvent
        {
            Type = type,
            Timestamp = now,
            Data = output.Inline,
            DataBlob = output.BlobName,
            Failure = outcome.Failure,
            CarriedEvents = outcome.CarriedEvents.Count > 0 ? outcome.CarriedEvents : null,
        });
        return (nextStatus, outcome.Kind == OutcomeKind.ContinuedAsNew ? null : customStatus);
    }

    private async Task<IReadOnlyList<HistoryEvent>> ResolveAsync(IReadOnlyList<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var resolved = new List<HistoryEvent>(events.Count);
        foreach (var recorded in events)
        {
            resolved.Add(recorded.DataBlob is null ? recorded : recorded with { Data = await payloads.ResolveAsync(recorded.Payload, cancellationToken).ConfigureAwait(false) });
        }

        return resolved;
    }

    private static InstanceRecord NewRecord(EngineMessage start, DateTimeOffset now) => new()
    {
        InstanceId = start.InstanceId,
        Name = start.Name ?? "",
        Status = OrchestrationRuntimeStatus.Pending,
        CreatedAt = now,
        LastUpdatedAt = now,
        Input = start.Payload,
        ParentInstanceId = start.ParentInstanceId,
        ParentTaskId = start.ParentTaskId,
        ParentGeneration = start.ParentGeneration,
        TraceParent = start.TraceParent ?? EngineTelemetry.NewTraceParent(),
    };

    private static InstanceRecord Advance(InstanceRecord record, List<HistoryEvent> linked, OrchestrationRuntimeStatus status, string? customStatus, DateTimeOffset now)
    {
        var last = linked[^1];
        var updated = record with
        {
            Status = status,
            EventCount = record.EventCount + linked.Count,
            LastHash = last.Hash!,
            LastUpdatedAt = now,
            CustomStatus = Payload.Of(customStatus),
        };
        return last.Type switch
        {
            HistoryEventType.ExecutionCompleted => updated with { Output = last.Payload, CompletedAt = now },
            HistoryEventType.ExecutionFailed => updated with { Failure = last.Failure, CompletedAt = now },
            HistoryEventType.ExecutionTerminated => updated with { Output = last.Payload, CompletedAt = now },
            HistoryEventType.ContinuedAsNew => updated with { Generation = record.Generation + 1, Input = last.Payload, Output = Payload.None },
            _ => updated,
        };
    }

    private static HistoryEvent ToEvent(EngineMessage message, DateTimeOffset now)
    {
        var recorded = new HistoryEvent { Timestamp = now, TaskId = message.TaskId, Name = message.Name, Data = message.Data, DataBlob = message.DataBlob, Failure = message.Failure, MessageId = message.Id };
        return message.Kind switch
        {
            MessageKind.ExecutionStarted => recorded with { Type = HistoryEventType.ExecutionStarted, TaskId = null },
            MessageKind.TaskCompleted => recorded with { Type = HistoryEventType.TaskCompleted },
            MessageKind.TaskFailed => recorded with { Type = HistoryEventType.TaskFailed },
            MessageKind.TimerFired => recorded with { Type = HistoryEventType.TimerFired, FireAt = message.FireAt },
            MessageKind.SubOrchestrationCompleted => recorded with { Type = HistoryEventType.SubOrchestrationCompleted },
            MessageKind.SubOrchestrationFailed => recorded with { Type = HistoryEventType.SubOrchestrationFailed },
            MessageKind.EventRaised => recorded with { Type = HistoryEventType.EventRaised },
            MessageKind.Terminate => recorded with { Type = HistoryEventType.ExecutionTerminated },
            MessageKind.Suspend => recorded with { Type = HistoryEventType.ExecutionSuspended },
            MessageKind.Resume => recorded with { Type = HistoryEventType.ExecutionResumed },
            MessageKind.FailInstance => recorded with { Type = HistoryEventType.ExecutionFailed, TaskId = null },
            _ => throw new InvalidDataException($"{message.Kind} messages do not belong on the control queue."),
        };
    }

    /// <summary>
    /// Sends what committed events imply. Runs after the commit and before the triggering messages are
    /// deleted; if it is cut short, a redelivered trigger is recognised as applied and re-sends this.
    /// A message whose answer is already in history (the activity completed, the timer fired, the next
    /// execution started) evidently arrived and is not sent again, so duplicates do not cascade.
    /// </summary>
    private async Task SendOutboxAsync(InstanceSnapshot known, IEnumerable<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var owner = known.Record;
        var sends = new List<Task>();
        foreach (var recorded in events)
        {
            sends.AddRange(Outbound(recorded));
        }

        await Task.WhenAll(sends).ConfigureAwait(false);

        bool Answered(string key) => known.EpisodeThatApplied(key) is not null;

        IEnumerable<Task> Outbound(HistoryEvent recorded)
        {
            var id = owner.InstanceId;
            var generation = recorded.Generation;
            switch (recorded.Type)
            {
                case HistoryEventType.TaskScheduled or HistoryEventType.SubOrchestrationCreated when Answered($"done:{generation}:{recorded.TaskId}"):
                case HistoryEventType.TimerCreated when Answered($"fired:{generation}:{recorded.TaskId}"):
                    return [];
                case HistoryEventType.TaskScheduled:
                    return [sender.SendWorkItemAsync(new EngineMessage
                    {
                        Id = $"{id}/{generation}/{recorded.TaskId}/run", Kind = MessageKind.ActivityWorkItem, InstanceId = id, Generation = generation,
                        TaskId = recorded.TaskId, Name = recorded.Name, Data = recorded.Data, DataBlob = recorded.DataBlob, TraceParent = owner.TraceParent,
                    }, cancellationToken)];
                case HistoryEventType.TimerCreated:
                    return [sender.SendControlAsync(new EngineMessage
                    {
                        Id = $"{id}/{generation}/{recorded.TaskId}/timer", Kind = MessageKind.TimerFired, InstanceId = id, Generation = generation,
                        TaskId = recorded.TaskId, FireAt = recorded.FireAt,
                    }, cancellationToken, recorded.FireAt - options.TimeProvider.GetUtcNow())];
                case HistoryEventType.SubOrchestrationCreated:
                    return [sender.SendControlAsync(new EngineMessage
                    {
                        Id = $"{recorded.ChildInstanceId}/0/start", Kind = MessageKind.ExecutionStarted, InstanceId = recorded.ChildInstanceId!, Name = recorded.Name,
                        Data = recorded.Data, DataBlob = recorded.DataBlob, ParentInstanceId = id, ParentTaskId = recorded.TaskId, ParentGeneration = generation,
                        TraceParent = owner.TraceParent,
                    }, cancellationToken)];
                case HistoryEventType.ContinuedAsNew:
                    var carried = (recorded.CarriedEvents ?? [])
                        .Select((e, index) => new EngineMessage { Id = $"{id}/{generation}/carried/{index}", Kind = MessageKind.EventRaised, InstanceId = id, Name = e.Name, Data = e.Data })
                        .Where(message => !Answered(message.DeduplicationKey))
                        .Select(message => sender.SendControlAsync(message, cancellationToken));
                    var next = Answered($"start:{generation + 1}") ? [] : new[]
                    {
                        sender.SendControlAsync(new EngineMessage
                        {
                            Id = $"{id}/{generation + 1}/start", Kind = MessageKind.ExecutionStarted, InstanceId = id, Generation = generation + 1, Name = owner.Name,
                            Data = recorded.Data, DataBlob = recorded.DataBlob, TraceParent = owner.TraceParent,
                        }, cancellationToken),
                    };
                    return [.. next, .. carried];
                case HistoryEventType.ExecutionCompleted or HistoryEventType.ExecutionFailed or HistoryEventType.ExecutionTerminated
                    when owner.ParentInstanceId is { } parent:
                    var failed = recorded.Type != HistoryEventType.ExecutionCompleted;
                    return [sender.SendControlAsync(new EngineMessage
                    {
                        Id = $"{id}/{generation}/result", Kind = failed ? MessageKind.SubOrchestrationFailed : MessageKind.SubOrchestrationCompleted,
                        InstanceId = parent, Generation = owner.ParentGeneration ?? 0, TaskId = owner.ParentTaskId, Name = owner.Name,
                        Data = failed ? null : recorded.Data, DataBlob = failed ? null : recorded.DataBlob,
                        Failure = failed ? recorded.Failure ?? new FailureDetails("Terminated", recorded.Data ?? "The sub-orchestration was terminated.") : null,
                    }, cancellationToken)];
                default:
                    return [];
            }
        }
    }

    private sealed record EpisodePlan(IReadOnlyList<EngineMessage> Accepted, IReadOnlySet<int> EpisodesToResend, int LateCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} failed on delivery {DequeueCount}; it will be retried")]
    private static partial void LogRetrying(ILogger logger, string messageId, long dequeueCount, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} from {Queue} failed {DequeueCount} time(s) and was moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, long dequeueCount, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not mark instance {InstanceId} failed after poisoning its message")]
    private static partial void LogCannotMarkFailed(ILogger logger, string instanceId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the result of task {TaskId} in instance {InstanceId} directly; sending it as a message")]
    private static partial void LogInlineFailed(ILogger logger, string instanceId, int? taskId, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Instance {InstanceId} changed under us (attempt {Attempt}); reloading")]
    private static partial void LogConflict(ILogger logger, string instanceId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Count} message(s) for instance {InstanceId}, which does not exist (purged or never started)")]
    private static partial void LogNoInstance(ILogger logger, string instanceId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored late {Kind} message {MessageId} for instance {InstanceId} ({Status})")]
    private static partial void LogIgnored(ILogger logger, MessageKind kind, string messageId, string instanceId, OrchestrationRuntimeStatus status);
}
