using System.Text.Json;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Durable.Client;

/// <summary>What <see cref="DurableClient.RetryFailedAsync"/> did.</summary>
public enum RetryOutcome
{
    /// <summary>A new execution was started (or a retry cut short was completed).</summary>
    Retried,
    NotFound,

    /// <summary>The instance has not failed; nothing was changed.</summary>
    NotFailed,
}

/// <summary>A message that kept failing and was set aside in a poison queue, as far as its body can be read.</summary>
public sealed record PoisonMessage(string Queue, string MessageId, DateTimeOffset? InsertedOn, string? InstanceId, string? Kind, string? Name, string? Problem);

public sealed partial class DurableClient
{
    /// <summary>The <see cref="HistoryEvent.Name"/> of the <see cref="HistoryEventType.ContinuedAsNew"/> event a retry appends.</summary>
    public const string RetryMarker = "retry";

    /// <summary>
    /// Runs a failed instance again as a new execution with the same input. History stays append-only: the failed
    /// execution is kept, a <c>ContinuedAsNew</c> event named <see cref="RetryMarker"/> closes it, and the events it had
    /// received are handed to the new execution, so an orchestration that had been waiting for people does not ask them
    /// again. Activities run again, which is safe because they are idempotent by contract: work already done is found
    /// by its business key. The commit is ETag-fenced, so two operators retrying at once start one execution.
    /// </summary>
    public async Task<RetryOutcome> RetryFailedAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        while (true)
        {
            var snapshot = await instances.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                return RetryOutcome.NotFound;
            }

            var record = snapshot.Record;
            var last = snapshot.AllEvents.LastOrDefault();
            if (record.Status == OrchestrationRuntimeStatus.Pending && !snapshot.HasStarted && last is { Type: HistoryEventType.ContinuedAsNew, Name: RetryMarker })
            {
                // A retry committed but cut short before its messages went out: send them (their ids make duplicates harmless).
                await SendRetryAsync(record, last, cancellationToken).ConfigureAwait(false);
                return RetryOutcome.Retried;
            }

            if (record.Status != OrchestrationRuntimeStatus.Failed)
            {
                return RetryOutcome.NotFailed;
            }

            var carried = new List<CarriedEvent>();
            foreach (var raised in snapshot.CurrentExecutionEvents.Where(e => e.Type == HistoryEventType.EventRaised))
            {
                carried.Add(new CarriedEvent(raised.Name ?? "", await payloads.ResolveAsync(raised.Payload, cancellationToken).ConfigureAwait(false)));
            }

            var now = options.TimeProvider.GetUtcNow();
            var marker = HistoryChain.Link(new HistoryEvent
            {
                Sequence = record.EventCount,
                Generation = record.Generation,
                Type = HistoryEventType.ContinuedAsNew,
                Name = RetryMarker,
                Timestamp = now,
                Data = record.Input.Inline,
                DataBlob = record.Input.BlobName,
                Failure = record.Failure,
                CarriedEvents = carried.Count > 0 ? carried : null,
            }, record.LastHash);
            var retried = record with
            {
                Status = OrchestrationRuntimeStatus.Pending,
                Generation = record.Generation + 1,
                EventCount = record.EventCount + 1,
                LastHash = marker.Hash!,
                LastUpdatedAt = now,
                CompletedAt = null,
                Failure = null,
                Output = Payload.None,
            };
            try
            {
                await instances.CommitAsync(snapshot, retried, [marker], cancellationToken).ConfigureAwait(false);
            }
            catch (InstanceConflictException)
            {
                continue;
            }

            // This process's hosts may hold the failed state; they would otherwise take the new start for a late message.
            storage.InstanceCache.TryRemove(instanceId, out _);
            await SendRetryAsync(retried, marker, cancellationToken).ConfigureAwait(false);
            return RetryOutcome.Retried;
        }
    }

    /// <summary>Up to <paramref name="maxPerQueue"/> messages from each poison queue, without removing them.</summary>
    public async Task<IReadOnlyList<PoisonMessage>> PeekPoisonMessagesAsync(int maxPerQueue = 32, CancellationToken cancellationToken = default)
    {
        var count = Math.Clamp(maxPerQueue, 1, 32);
        var found = new List<PoisonMessage>();
        foreach (var queue in new[] { storage.ControlPoisonQueue, storage.WorkItemPoisonQueue })
        {
            var peeked = await queue.PeekMessagesAsync(count, cancellationToken).ConfigureAwait(false);
            foreach (var message in peeked.Value)
            {
                EngineMessage? body = null;
                string? problem = null;
                try
                {
                    body = JsonSerializer.Deserialize<EngineMessage>(message.Body.ToString(), DurableJson.Options);
                }
                catch (Exception exception) when (exception is JsonException or NotSupportedException or FormatException)
                {
                    problem = "The message body is not an engine message.";
                }

                found.Add(new PoisonMessage(queue.Name, message.MessageId, message.InsertedOn, body?.InstanceId, body?.Kind.ToString(), body?.Name, problem));
            }
        }

        return found;
    }

    private async Task SendRetryAsync(InstanceRecord record, HistoryEvent marker, CancellationToken cancellationToken)
    {
        var previous = marker.Generation;
        await sender.SendControlAsync(new EngineMessage
        {
            Id = $"{record.InstanceId}/{previous + 1}/start",
            Kind = MessageKind.ExecutionStarted,
            InstanceId = record.InstanceId,
            Generation = previous + 1,
            Name = record.Name,
            Data = marker.Data,
            DataBlob = marker.DataBlob,
            TraceParent = record.TraceParent,
        }, cancellationToken).ConfigureAwait(false);
        var index = 0;
        foreach (var carried in marker.CarriedEvents ?? [])
        {
            await sender.SendControlAsync(new EngineMessage
            {
                Id = $"{record.InstanceId}/{previous}/carried/{index++}", Kind = MessageKind.EventRaised, InstanceId = record.InstanceId, Name = carried.Name, Data = carried.Data,
            }, cancellationToken).ConfigureAwait(false);
        }
    }
}
