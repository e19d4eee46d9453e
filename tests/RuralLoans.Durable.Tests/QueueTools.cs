using Azure.Storage.Queues;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

internal static class QueueTools
{
    /// <summary>Takes every currently visible message off a queue (received and deleted) as work items.</summary>
    public static async Task<List<QueueWorkItem>> DrainAsync(QueueClient queue)
    {
        var drained = new List<QueueWorkItem>();
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).Value;
            if (batch.Length == 0)
            {
                return drained;
            }

            foreach (var message in batch)
            {
                drained.Add(new QueueWorkItem(message.MessageId, message.Body.ToString(), message.DequeueCount));
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, TestContext.Current.CancellationToken);
            }
        }
    }

    public static async Task<int> CountAsync(QueueClient queue)
    {
        var peeked = await queue.PeekMessagesAsync(32, TestContext.Current.CancellationToken);
        return peeked.Value.Length;
    }

    public static EngineMessage Read(QueueWorkItem item) => DurableJson.Deserialize<EngineMessage>(item.Body)!;
}
