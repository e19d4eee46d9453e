using System.Collections.Concurrent;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>
/// Crash campaign: a host dies right before its k-th storage write (commit, send, delete), for every k
/// of a clean run; a fresh host then takes over. Nothing may be lost, and no outside effect may happen twice.
/// </summary>
public sealed class FaultInjectionTests(StorageFixture storage)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private sealed class SimulatedCrashException(string point) : Exception($"Simulated crash before write '{point}'.");

    private sealed class CrashingHost(int crashBeforeWrite)
    {
        private int writes;

        public ConcurrentQueue<string> Points { get; } = new();

        public TaskCompletionSource Crashed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Armed { get; set; }

        public ValueTask BeforeWrite(string point, CancellationToken cancellationToken)
        {
            if (!Armed)
            {
                return ValueTask.CompletedTask;
            }

            Points.Enqueue(point);
            if (Interlocked.Increment(ref writes) >= crashBeforeWrite || Crashed.Task.IsCompleted)
            {
                Crashed.TrySetResult();
                throw new SimulatedCrashException(point);
            }

            return ValueTask.CompletedTask;
        }
    }

    private static DurableRegistry Registry(ConcurrentDictionary<string, string> effects) => new DurableRegistry()
        .AddActivity<string, string>("Disburse", (context, input) =>
        {
            effects.TryAdd(context.IdempotencyKey, input ?? "");
            return $"paid:{input}";
        })
        .AddOrchestrator<string, string>("TwoTranches", async (context, loan) =>
        {
            var first = await context.CallActivityAsync<string>("Disburse", $"{loan}-1");
            var second = await context.CallActivityAsync<string>("Disburse", $"{loan}-2");
            return $"{first}|{second}";
        });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_crash_before_any_write_resumes_with_nothing_lost_and_nothing_done_twice(bool resultsInline)
    {
        var cleanRun = await RunAsync(int.MaxValue, resultsInline);
        var writeCount = cleanRun.Points.Count;
        Assert.InRange(writeCount, 8, 40);

        var failures = new ConcurrentBag<string>();
        foreach (var batch in Enumerable.Range(1, writeCount).Chunk(4))
        {
            await Task.WhenAll(batch.Select(async crashAt =>
            {
                try
                {
                    await RunAsync(crashAt, resultsInline);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    failures.Add($"crash before write {crashAt}: {exception.Message}");
                }
            }));
        }

        Assert.Empty(failures);
    }

    private async Task<CrashingHost> RunAsync(int crashBeforeWrite, bool resultsInline)
    {
        var host = new CrashingHost(crashBeforeWrite);
        var effects = new ConcurrentDictionary<string, string>();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(effects), options =>
        {
            options.MessageVisibilityTimeout = TimeSpan.FromSeconds(1);
            options.ApplyActivityResultsInline = resultsInline;
            options.BeforeWrite = host.BeforeWrite;
        });
        var id = await hub.Client.StartNewAsync("TwoTranches", "loan7", cancellationToken: Cancel);
        host.Armed = true;

        var finished = hub.WaitAsync(id);
        if (await Task.WhenAny(finished, host.Crashed.Task) == host.Crashed.Task)
        {
            await hub.StopWorkerAsync();
            host.Armed = false;
            await hub.StartWorkerAsync();
        }

        var state = await finished;
        host.Armed = false;
        var history = await hub.Client.GetHistoryAsync(id, Cancel);
        var point = crashBeforeWrite == int.MaxValue ? "clean run" : $"crash at '{host.Points.Last()}'";
        Assert.True(state.Status == OrchestrationRuntimeStatus.Completed, $"{point}: {state.Status} {state.Failure}");
        Assert.Equal("paid:loan7-1|paid:loan7-2", state.ReadOutput<string>());
        Assert.Equal(["loan7-1", "loan7-2"], effects.Values.Order());
        Assert.Equal(2, history.Count(e => e.Type == HistoryEventType.TaskCompleted));
        Assert.Single(history, e => e.Type == HistoryEventType.ExecutionCompleted);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact, point);
        return host;
    }
}
