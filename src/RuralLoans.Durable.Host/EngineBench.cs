using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Storage.Queues;
using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Hosting;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;
using RuralLoans.Durable.Telemetry;

namespace RuralLoans.Durable.Host;

internal sealed record BenchResult(
    double WorkItemsPerSecond,
    double P50Ms,
    double P99Ms,
    double IdleWakeP50Ms,
    double StorageTransactionsPerWorkItem,
    double RawQueueRoundTripsPerSecond,
    double StorageTransactionsPerActivity,
    long ThroughputWorkItems,
    long ThroughputActivities,
    double ThroughputSeconds,
    int ChainSamples,
    int IdleSamples);

/// <summary>
/// Measures the engine on one in-process host: end-to-end latency of a 5-activity chain run alone,
/// wake-up latency after idling, throughput of parallel chains plus a 20-way fan-out, storage requests
/// per work item, and the raw queue round-trip rate of this machine for comparison.
/// </summary>
internal sealed class EngineBench(string storageConnectionString, Action<string> progress)
{
    private const int ChainSamples = 20;
    private const int IdleSamples = 12;
    private const int ParallelChains = 60;
    private const int FanOuts = 3;

    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        var requests = new StorageRequestCounter();
        var options = new EngineOptions
        {
            StorageConnectionString = storageConnectionString,
            TaskHubName = $"bench{Guid.NewGuid():N}"[..17],
            StorageRequestPolicy = requests,
        };
        var storage = new EngineStorage(options);
        using var signal = new WorkSignal();
        var registry = Workloads.Create(storageConnectionString, options.TaskHubName);
        var client = new DurableClient(storage, registry, signal);
        var worker = new DurableWorker(storage, registry, signal);
        long workItems = 0;
        long activities = 0;
        using var meter = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EngineTelemetry.SourceName && instrument.Name == "durable.work_items")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meter.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            Interlocked.Add(ref workItems, value);
            foreach (var tag in tags)
            {
                if (tag.Key == "queue" && tag.Value is string queue && queue == storage.WorkItemQueue.Name)
                {
                    Interlocked.Add(ref activities, value);
                }
            }
        });
        meter.Start();
        try
        {
            await worker.StartAsync(cancellationToken).ConfigureAwait(false);
            progress("warming up");
            for (var warmUp = 0; warmUp < 3; warmUp++)
            {
                await RunOneAsync(client, Workloads.Chain, cancellationToken).ConfigureAwait(false);
            }

            progress($"latency: {ChainSamples} five-activity chains, one at a time");
            var chainLatencies = new List<double>();
            for (var sample = 0; sample < ChainSamples; sample++)
            {
                chainLatencies.Add(await RunOneAsync(client, Workloads.Chain, cancellationToken).ConfigureAwait(false));
            }

            progress($"idle wake-up: {IdleSamples} starts after 1.2 s of idling");
            var wakeLatencies = new List<double>();
            for (var sample = 0; sample < IdleSamples; sample++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1200), cancellationToken).ConfigureAwait(false);
                wakeLatencies.Add(await RunOneAsync(client, Workloads.Noop, cancellationToken).ConfigureAwait(false));
            }

            progress($"throughput: {ParallelChains} chains and {FanOuts} twenty-way fan-outs at once");
            var workItemsBefore = Interlocked.Read(ref workItems);
            var activitiesBefore = Interlocked.Read(ref activities);
            var requestsBefore = requests.Requests - requests.EmptyReceives;
            var clock = Stopwatch.StartNew();
            var ids = new List<string>();
            for (var index = 0; index < ParallelChains; index++)
            {
                ids.Add(await client.StartNewAsync(Workloads.Chain, index, cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            for (var index = 0; index < FanOuts; index++)
            {
                ids.Add(await client.StartNewAsync(Workloads.FanOut, 20, cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            foreach (var id in ids)
            {
                await client.WaitForCompletionAsync(id, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            }

            clock.Stop();
            var processed = Interlocked.Read(ref workItems) - workItemsBefore;
            var activitiesRun = Interlocked.Read(ref activities) - activitiesBefore;
            var transactions = requests.Requests - requests.EmptyReceives - requestsBefore;

            progress("raw queue round trips (send, receive, delete; 8 concurrent) for 3 s");
            var raw = await MeasureRawQueueAsync(storageConnectionString, cancellationToken).ConfigureAwait(false);
            return new BenchResult(
                Math.Round(processed / clock.Elapsed.TotalSeconds, 1),
                Percentile(chainLatencies, 0.50),
                Percentile(chainLatencies, 0.99),
                Percentile(wakeLatencies, 0.50),
                Math.Round((double)transactions / processed, 2),
                Math.Round(raw, 1),
                Math.Round((double)transactions / activitiesRun, 2),
                processed,
                activitiesRun,
                Math.Round(clock.Elapsed.TotalSeconds, 2),
                ChainSamples,
                IdleSamples);
        }
        finally
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            await storage.DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            await Workloads.EffectsTable(storageConnectionString, options.TaskHubName).DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one instance and returns its end-to-end time as the engine recorded it (created to completed).</summary>
    private static async Task<double> RunOneAsync(DurableClient client, string orchestrator, CancellationToken cancellationToken)
    {
        var id = await client.StartNewAsync(orchestrator, 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        var state = await client.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        if (state.Status != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"Benchmark instance {id} ended {state.Status}: {state.Failure}");
        }

        return (state.CompletedAt!.Value - state.CreatedAt).TotalMilliseconds;
    }

    private static async Task<double> MeasureRawQueueAsync(string storageConnectionString, CancellationToken cancellationToken)
    {
        var queue = new QueueClient(storageConnectionString, $"raw-{Guid.NewGuid():N}", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var roundTrips = 0L;
            var until = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                while (until.Elapsed < TimeSpan.FromSeconds(3))
                {
                    await queue.SendMessageAsync("{\"probe\":true}", cancellationToken).ConfigureAwait(false);
                    var received = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false)).Value;
                    foreach (var message in received)
                    {
                        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                        Interlocked.Increment(ref roundTrips);
                    }
                }
            })).ConfigureAwait(false);
            return roundTrips / until.Elapsed.TotalSeconds;
        }
        finally
        {
            await queue.DeleteIfExistsAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static double Percentile(List<double> samples, double quantile)
    {
        var sorted = samples.Order().ToList();
        var index = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return Math.Round(sorted[Math.Clamp(index, 0, sorted.Count - 1)], 1);
    }
}
