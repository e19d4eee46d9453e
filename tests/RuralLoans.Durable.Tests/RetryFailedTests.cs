using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>An operator's retry of a failed instance: a new execution with the same input and the events it had received.</summary>
public sealed class RetryFailedTests(StorageFixture storage)
{
    [Fact]
    public async Task A_failed_instance_retried_after_the_fault_is_fixed_completes_with_its_earlier_answer_and_an_intact_chain()
    {
        var ct = TestContext.Current.CancellationToken;
        var outageOver = false;
        var calls = 0;
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Charge", (_, who) =>
            {
                Interlocked.Increment(ref calls);
                return Volatile.Read(ref outageOver) ? Task.FromResult($"charged {who}") : throw new InvalidOperationException("the service is down");
            })
            .AddOrchestrator<string, string>("Order", async (context, who) =>
            {
                var approval = await context.WaitForExternalEvent<string>("approved", TimeSpan.FromMinutes(5));
                var charged = await context.CallActivityAsync<string>("Charge", who);
                return $"{approval}: {charged}";
            });
        await using var engine = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        var id = await engine.Client.StartNewAsync("Order", "ada", cancellationToken: ct);
        await engine.Client.RaiseEventAsync(id, "approved", "approved by bob", ct);
        var failed = await engine.WaitAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed.Status);

        Assert.Equal(RetryOutcome.NotFound, await engine.Client.RetryFailedAsync("no-such-instance", ct));
        Volatile.Write(ref outageOver, true);
        Assert.Equal(RetryOutcome.Retried, await engine.Client.RetryFailedAsync(id, ct));
        var done = await engine.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Status);
        Assert.Equal("approved by bob: charged ada", done.ReadOutput<string>());
        Assert.Equal(1, done.Generation);
        Assert.Null(done.Failure);
        Assert.True((await engine.Client.VerifyHistoryAsync(id, ct)).IsIntact);
        var history = await engine.Client.GetHistoryAsync(id, ct);
        Assert.Contains(history, e => e is { Type: HistoryEventType.ExecutionFailed, Generation: 0 });
        Assert.Contains(history, e => e is { Type: HistoryEventType.ContinuedAsNew, Name: DurableClient.RetryMarker, Generation: 0 });
        Assert.True(calls >= 2, "the activity ran again in the new execution");
        Assert.Equal(RetryOutcome.NotFailed, await engine.Client.RetryFailedAsync(id, ct));
    }

    [Fact]
    public async Task Two_retries_at_once_start_one_new_execution()
    {
        var ct = TestContext.Current.CancellationToken;
        var fail = true;
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Step", (_, n) => Volatile.Read(ref fail) ? throw new InvalidOperationException("down") : Task.FromResult(n + 1))
            .AddOrchestrator<int, int>("Run", async (context, n) => await context.CallActivityAsync<int>("Step", n));
        await using var engine = await EngineHarness.CreateAsync(storage.ConnectionString, registry, startWorker: false);
        var id = await engine.Client.StartNewAsync("Run", 41, cancellationToken: ct);
        await engine.StartWorkerAsync();
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await engine.WaitAsync(id)).Status);
        await engine.StopWorkerAsync();
        Volatile.Write(ref fail, false);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => engine.Client.RetryFailedAsync(id, ct)));
        await engine.StartWorkerAsync();
        var done = await engine.WaitAsync(id);

        Assert.Contains(RetryOutcome.Retried, outcomes);
        Assert.Equal(42, done.ReadOutput<int>());
        Assert.Equal(1, done.Generation);
        var history = await engine.Client.GetHistoryAsync(id, ct);
        Assert.Single(history, e => e is { Type: HistoryEventType.ContinuedAsNew, Name: DurableClient.RetryMarker });
        Assert.True((await engine.Client.VerifyHistoryAsync(id, ct)).IsIntact);
    }
}
