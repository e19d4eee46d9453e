using System.Diagnostics;
using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>Queue behaviours the durable engine relies on: delayed visibility, redelivery, exact payloads.</summary>
public sealed class QueueContractTests(DevServicesFixture services)
{
    [Fact]
    public async Task A_message_sent_with_a_visibility_delay_stays_hidden_until_the_delay_passes()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync("delay", ct);
        var clock = Stopwatch.StartNew();
        await queue.SendMessageAsync("timer fired", visibilityTimeout: TimeSpan.FromSeconds(2), cancellationToken: ct);

        Assert.Empty((await queue.ReceiveMessagesAsync(maxMessages: 1, cancellationToken: ct)).Value);
        var message = await ReceiveOneAsync(queue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15), ct);

        Assert.Equal("timer fired", message.Body.ToString());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"visible after {clock.Elapsed}, before the 2 s delay");
    }

    [Fact]
    public async Task An_undeleted_message_comes_back_after_its_visibility_timeout_with_a_higher_dequeue_count()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync("redeliver", ct);
        await queue.SendMessageAsync("score application 42", cancellationToken: ct);

        var first = await ReceiveOneAsync(queue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), ct);
        Assert.Equal(1, first.DequeueCount);
        Assert.Empty((await queue.ReceiveMessagesAsync(maxMessages: 1, cancellationToken: ct)).Value);

        var second = await ReceiveOneAsync(queue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15), ct);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.Equal("score application 42", second.Body.ToString());

        await queue.DeleteMessageAsync(second.MessageId, second.PopReceipt, ct);
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        Assert.Empty((await queue.ReceiveMessagesAsync(maxMessages: 1, cancellationToken: ct)).Value);
    }

    [Fact]
    public async Task Chinese_payloads_over_4_KB_round_trip_exactly_with_base64_encoding()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await CreateQueueAsync("chinese", ct);
        var random = new Random(20261123);
        const string alphabet = "借款人申请金额村镇合作社农户贷款还款期限担保审核通过拒绝身份证号码手机联系地址种植养殖收入支出，。：；（）¥１２３";
        var sent = Enumerable.Range(0, 60).Select(i =>
            $"{{\"序号\":{i},\"备注\":\"" + new string(Enumerable.Range(0, 1400 + random.Next(1200)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()) + "\"}").ToList();
        Assert.All(sent, payload => Assert.True(Encoding.UTF8.GetByteCount(payload) > 4096));

        foreach (var payload in sent)
        {
            await queue.SendMessageAsync(payload, ct);
        }

        var received = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (received.Count < sent.Count && DateTime.UtcNow < deadline)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(maxMessages: 32, cancellationToken: ct)).Value)
            {
                received.Add(message.Body.ToString());
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            }
        }

        Assert.Equal(sent.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
    }

    private async Task<QueueClient> CreateQueueAsync(string prefix, CancellationToken ct)
    {
        var queue = services.CreateQueueServiceClient().GetQueueClient(UniqueNames.Queue(prefix));
        await queue.CreateAsync(cancellationToken: ct);
        return queue;
    }

    private static async Task<QueueMessage> ReceiveOneAsync(QueueClient queue, TimeSpan visibilityTimeout, TimeSpan patience, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            var messages = (await queue.ReceiveMessagesAsync(maxMessages: 1, visibilityTimeout, ct)).Value;
            if (messages.Length == 1)
            {
                return messages[0];
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"No message became visible on {queue.Name} within {patience}.");
    }
}
