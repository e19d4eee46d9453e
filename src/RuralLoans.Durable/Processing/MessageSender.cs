using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Durable.Processing;

/// <summary>Sends engine messages, moving large payloads to blobs and waking the local listener.</summary>
internal sealed class MessageSender(EngineStorage storage, PayloadStore payloads, WorkSignal? signal, ILocalDispatch? localDispatch = null)
{
    /// <summary>Queue messages can stay hidden for at most 7 days; longer timers are chained through re-sends.</summary>
    public static readonly TimeSpan MaxVisibilityDelay = TimeSpan.FromDays(6);

    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    public Task SendControlAsync(EngineMessage message, CancellationToken cancellationToken, TimeSpan? delay = null) =>
        SendAsync(storage.ControlQueue, message, delay, cancellationToken);

    public async Task SendWorkItemAsync(EngineMessage message, CancellationToken cancellationToken)
    {
        if (localDispatch is null || !localDispatch.TryReserve())
        {
            await SendAsync(storage.WorkItemQueue, message, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            var (receipt, body) = await SendAsync(storage.WorkItemQueue, message, storage.Options.MessageVisibilityTimeout, cancellationToken).ConfigureAwait(false);
            localDispatch.Run(new LeasedWorkItem(receipt.MessageId, receipt.PopReceipt, body));
        }
        catch
        {
            localDispatch.Release();
            throw;
        }
    }

    public async Task SendRawAsync(QueueClient queue, string body, CancellationToken cancellationToken)
    {
        await storage.Options.BeforeWriteAsync($"send:{queue.Name}", cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(body, null, NeverExpire, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(SendReceipt Receipt, string Body)> SendAsync(QueueClient queue, EngineMessage message, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var stamped = message with { SentAt = storage.Options.TimeProvider.GetUtcNow() };
        if (stamped.DataBlob is { } blob && !blob.StartsWith($"{stamped.InstanceId}/", StringComparison.Ordinal))
        {
            // Each instance owns the blobs under its prefix, so purging one instance never breaks another's history.
            var content = await payloads.ResolveAsync(stamped.Payload, cancellationToken).ConfigureAwait(false);
            var copied = await payloads.OffloadIfLargeAsync(stamped.InstanceId, content, 0, cancellationToken).ConfigureAwait(false);
            stamped = stamped with { DataBlob = copied.BlobName };
        }

        var body = DurableJson.Serialize(stamped)!;
        if (Encoding.UTF8.GetByteCount(body) > storage.Options.LargePayloadThresholdBytes && stamped.Data is not null)
        {
            var offloaded = await payloads.OffloadIfLargeAsync(stamped.InstanceId, stamped.Data, 0, cancellationToken).ConfigureAwait(false);
            body = DurableJson.Serialize(stamped with { Data = null, DataBlob = offloaded.BlobName })!;
        }

        var visibility = delay is { } wait && wait > TimeSpan.Zero ? (wait > MaxVisibilityDelay ? MaxVisibilityDelay : wait) : (TimeSpan?)null;
        await storage.Options.BeforeWriteAsync($"send:{message.Kind}", cancellationToken).ConfigureAwait(false);
        var receipt = await queue.SendMessageAsync(body, visibility, NeverExpire, cancellationToken).ConfigureAwait(false);
        if (visibility is null && signal is not null)
        {
            if (queue == storage.ControlQueue)
            {
                signal.NotifyControl();
            }
            else
            {
                signal.NotifyWorkItems();
            }
        }

        return (receipt.Value, body);
    }
}
