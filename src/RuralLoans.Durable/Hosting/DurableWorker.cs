using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;
using RuralLoans.Durable.Telemetry;

namespace RuralLoans.Durable.Hosting;

/// <summary>
/// Our standalone listener: receives control and work-item messages, hands each to the
/// <see cref="WorkItemProcessor"/>, and deletes it once processed. Polls with a short bounded backoff
/// and wakes at once when this process enqueued work.
/// </summary>
public sealed partial class DurableWorker : IAsyncDisposable, ILocalDispatch
{
    private readonly EngineStorage storage;
    private readonly EngineOptions options;
    private readonly WorkSignal signal;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> loops = [];
    private readonly SemaphoreSlim slots;
    private volatile bool accepting;

    public DurableWorker(EngineStorage storage, DurableRegistry registry, WorkSignal signal, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        this.storage = storage;
        this.signal = signal;
        options = storage.Options;
        logger = (ILogger?)loggerFactory?.CreateLogger<DurableWorker>() ?? NullLogger.Instance;
        slots = new SemaphoreSlim(options.MaxConcurrentActivities);
        Processor = new WorkItemProcessor(storage, registry, loggerFactory?.CreateLogger<WorkItemProcessor>(), signal, this);
    }

    public WorkItemProcessor Processor { get; }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        loops.Add(Task.Run(() => RunControlLoopAsync(stopping.Token), CancellationToken.None));
        loops.Add(Task.Run(() => RunWorkItemLoopAsync(stopping.Token), CancellationToken.None));
        loops.Add(Task.Run(() => ReportBacklogAsync(stopping.Token), CancellationToken.None));
        accepting = true;
    }

    public async Task StopAsync()
    {
        accepting = false;
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on shutdown.
        }

        loops.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
        slots.Dispose();
    }

    bool ILocalDispatch.TryReserve() => accepting && slots.Wait(0);

    void ILocalDispatch.Release() => slots.Release();

    void ILocalDispatch.Run(LeasedWorkItem item) =>
        _ = RunActivityAsync(new Lease(item.MessageId, item.PopReceipt), new QueueWorkItem(item.MessageId, item.Body, 1), stopping.Token);

    private async Task RunControlLoopAsync(CancellationToken cancellationToken)
    {
        var idleDelay = options.MinPollingInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var received = (await storage.ControlQueue.ReceiveMessagesAsync(options.ControlBatchSize, options.MessageVisibilityTimeout, cancellationToken).ConfigureAwait(false)).Value;
                if (received.Length == 0)
                {
                    idleDelay = await IdleAsync(signal.WaitForControlAsync, idleDelay, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                idleDelay = options.MinPollingInterval;
                var items = received.Select(ToWorkItem).ToList();
                var results = await Processor.ProcessOrchestrationBatchAsync(items, cancellationToken).ConfigureAwait(false);
                await Task.WhenAll(results.Select((result, index) =>
                    SettleAsync(storage.ControlQueue, new Lease(received[index].MessageId, received[index].PopReceipt), result.Error is null, cancellationToken))).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogLoopError(logger, storage.ControlQueue.Name, exception);
                await Task.Delay(options.FailedMessageRetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunWorkItemLoopAsync(CancellationToken cancellationToken)
    {
        var idleDelay = options.MinPollingInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                var free = 1 + slots.CurrentCount;
                var received = (await storage.WorkItemQueue.ReceiveMessagesAsync(Math.Min(32, free), options.MessageVisibilityTimeout, cancellationToken).ConfigureAwait(false)).Value;
                if (received.Length == 0)
                {
                    slots.Release();
                    idleDelay = await IdleAsync(signal.WaitForWorkItemsAsync, idleDelay, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                idleDelay = options.MinPollingInterval;
                for (var extra = 1; extra < received.Length; extra++)
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                foreach (var message in received)
                {
                    _ = RunActivityAsync(new Lease(message.MessageId, message.PopReceipt), ToWorkItem(message), cancellationToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogLoopError(logger, storage.WorkItemQueue.Name, exception);
                await Task.Delay(options.FailedMessageRetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one work item in a reserved slot, keeps it hidden meanwhile, then settles it; frees the slot.</summary>
    private async Task RunActivityAsync(Lease lease, QueueWorkItem item, CancellationToken cancellationToken)
    {
        try
        {
            using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var renewing = KeepHiddenAsync(storage.WorkItemQueue, lease, renewal.Token);
            var succeeded = true;
            try
            {
                await Processor.ProcessActivityMessageAsync(item, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogMessageFailed(logger, item.MessageId, exception);
                succeeded = false;
            }
            finally
            {
                await renewal.CancelAsync().ConfigureAwait(false);
                await renewing.ConfigureAwait(false);
            }

            await SettleAsync(storage.WorkItemQueue, lease, succeeded, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogLoopError(logger, storage.WorkItemQueue.Name, exception);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// Extends a running activity's invisibility before it runs out, so a long activity is not handed to a
    /// second host while the first still works on it.
    /// </summary>
    private async Task KeepHiddenAsync(QueueClient queue, Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.MessageVisibilityTimeout / 2, cancellationToken).ConfigureAwait(false);
                var updated = await queue.UpdateMessageAsync(lease.MessageId, lease.PopReceipt, visibilityTimeout: options.MessageVisibilityTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
                lease.PopReceipt = updated.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The activity finished.
        }
        catch (RequestFailedException exception)
        {
            LogLostLease(logger, lease.MessageId);
            LogLoopError(logger, queue.Name, exception);
        }
    }

    /// <summary>Deletes a processed message, or makes a failed one visible again after a short delay.</summary>
    private async Task SettleAsync(QueueClient queue, Lease lease, bool processed, CancellationToken cancellationToken)
    {
        try
        {
            if (processed)
            {
                await options.BeforeWriteAsync($"delete:{queue.Name}", cancellationToken).ConfigureAwait(false);
                await queue.DeleteMessageAsync(lease.MessageId, lease.PopReceipt, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await queue.UpdateMessageAsync(lease.MessageId, lease.PopReceipt, visibilityTimeout: options.FailedMessageRetryDelay, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // The visibility timeout ran out and another host took the message; it will settle it.
            LogLostLease(logger, lease.MessageId);
        }
    }

    /// <summary>A received message and its current pop receipt (renewing the lease changes it).</summary>
    private sealed class Lease(string messageId, string popReceipt)
    {
        public string MessageId { get; } = messageId;

        public string PopReceipt { get; set; } = popReceipt;
    }

    private async Task<TimeSpan> IdleAsync(Func<TimeSpan, CancellationToken, Task<bool>> wait, TimeSpan idleDelay, CancellationToken cancellationToken)
    {
        var woken = await wait(idleDelay, cancellationToken).ConfigureAwait(false);
        if (woken)
        {
            return options.MinPollingInterval;
        }

        var doubled = idleDelay * 2;
        return doubled > options.MaxPollingInterval ? options.MaxPollingInterval : doubled;
    }

    private async Task ReportBacklogAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                foreach (var queue in new[] { storage.ControlQueue, storage.WorkItemQueue, storage.ControlPoisonQueue, storage.WorkItemPoisonQueue })
                {
                    var properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
                    EngineTelemetry.ReportBacklog(queue.Name, properties.Value.ApproximateMessagesCount);
                }

                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogLoopError(logger, "backlog", exception);
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static QueueWorkItem ToWorkItem(QueueMessage message) => new(message.MessageId, message.Body.ToString(), message.DequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Listener for {Queue} hit an error; continuing")]
    private static partial void LogLoopError(ILogger logger, string queue, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Work item {MessageId} failed; it will be retried")]
    private static partial void LogMessageFailed(ILogger logger, string messageId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease on message {MessageId} before settling it")]
    private static partial void LogLostLease(ILogger logger, string messageId);
}
