using System.Collections.Concurrent;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>End-to-end programming-model behaviour against Azurite through our own listener.</summary>
public sealed class OrchestrationTests(StorageFixture storage)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_chain_of_activities_completes_with_its_output_custom_status_and_an_intact_history()
    {
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Double", (_, value) => value * 2)
            .AddOrchestrator<int, int>("Chain", async (context, value) =>
            {
                for (var step = 0; step < 5; step++)
                {
                    value = await context.CallActivityAsync<int>("Double", value);
                    context.SetCustomStatus(new { step });
                }

                return value;
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var id = await hub.Client.StartNewAsync("Chain", 3, "chain-1", Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.Status);
        Assert.Equal(96, state.ReadOutput<int>());
        Assert.Equal("3", state.InputJson);
        Assert.Equal("{\"step\":4}", state.CustomStatusJson);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);
        var history = await hub.Client.GetHistoryAsync(id, Cancel);
        Assert.Equal(5, history.Count(e => e.Type == HistoryEventType.TaskScheduled));
        Assert.Equal(5, history.Count(e => e.Type == HistoryEventType.TaskCompleted));
    }

    [Fact]
    public async Task Starting_an_existing_instance_id_again_does_not_run_it_twice()
    {
        var runs = 0;
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Count", (_, _) => Interlocked.Increment(ref runs).ToString())
            .AddOrchestrator<string, string>("Once", async (context, _) => (await context.CallActivityAsync<string>("Count"))!);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var first = await hub.Client.StartNewAsync("Once", null, "same-id", Cancel);
        await hub.WaitAsync(first);
        var second = await hub.Client.StartNewAsync("Once", null, "same-id", Cancel);
        await Task.Delay(500, Cancel);

        Assert.Equal(first, second);
        Assert.Equal(1, runs);
        Assert.Single(await hub.Client.GetHistoryAsync("same-id", Cancel), e => e.Type == HistoryEventType.ExecutionStarted);
    }

    [Fact]
    public async Task An_activity_that_outlasts_the_visibility_timeout_runs_once()
    {
        var runs = 0;
        var registry = new DurableRegistry()
            .AddActivity<string, string>("SlowOcr", async (context, _) =>
            {
                Interlocked.Increment(ref runs);
                await Task.Delay(TimeSpan.FromSeconds(3), context.CancellationToken);
                return "text";
            })
            .AddOrchestrator<string, string>("Ocr", async (context, _) => (await context.CallActivityAsync<string>("SlowOcr"))!);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry, options => options.MessageVisibilityTimeout = TimeSpan.FromSeconds(1));

        var state = await hub.WaitAsync(await hub.Client.StartNewAsync("Ocr", cancellationToken: Cancel));

        Assert.Equal("text", state.ReadOutput<string>());
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task A_fan_out_of_twenty_activities_fans_back_in()
    {
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Square", (_, value) => value * value)
            .AddOrchestrator<int, int>("FanOut", async (context, count) =>
            {
                var squares = await Task.WhenAll(Enumerable.Range(1, count).Select(value => context.CallActivityAsync<int>("Square", value)));
                return squares.Sum();
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var id = await hub.Client.StartNewAsync("FanOut", 20, cancellationToken: Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal(Enumerable.Range(1, 20).Sum(value => value * value), state.ReadOutput<int>());
    }

    [Fact]
    public async Task A_failing_activity_is_retried_with_backoff_under_a_new_idempotency_key_each_attempt()
    {
        var attempts = new ConcurrentQueue<(string Key, DateTimeOffset At)>();
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Flaky", (context, _) =>
            {
                attempts.Enqueue((context.IdempotencyKey, DateTimeOffset.UtcNow));
                return attempts.Count < 3 ? throw new IOException("rail unavailable") : "paid";
            })
            .AddOrchestrator<string, string>("Retrying", async (context, _) =>
                (await context.CallActivityAsync<string>("Flaky", null, new RetryOptions(5, TimeSpan.FromMilliseconds(400)) { BackoffCoefficient = 2 }))!);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var id = await hub.Client.StartNewAsync("Retrying", cancellationToken: Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal("paid", state.ReadOutput<string>());
        var tried = attempts.ToArray();
        Assert.Equal(3, tried.Length);
        Assert.Equal(3, tried.Select(attempt => attempt.Key).Distinct().Count());
        Assert.True(tried[1].At - tried[0].At >= TimeSpan.FromMilliseconds(350), $"first backoff {tried[1].At - tried[0].At}");
        Assert.True(tried[2].At - tried[1].At >= TimeSpan.FromMilliseconds(750), $"second backoff {tried[2].At - tried[1].At}");
    }

    [Fact]
    public async Task Exhausted_retries_fail_the_instance_with_the_activity_error()
    {
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Broken", string (_, _) => throw new InvalidOperationException("score service down"))
            .AddOrchestrator<string, string>("GivesUp", async (context, _) =>
                (await context.CallActivityAsync<string>("Broken", null, new RetryOptions(2, TimeSpan.FromMilliseconds(100))))!);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var state = await hub.WaitAsync(await hub.Client.StartNewAsync("GivesUp", cancellationToken: Cancel));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.Status);
        Assert.Contains("score service down", state.Failure!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_orchestrator_and_activity_names_fail_clearly()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<string, string>("CallsMissing", async (context, _) => (await context.CallActivityAsync<string>("NoSuchActivity"))!);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        var clientWithoutRegistry = new Client.DurableClient(hub.Storage);

        var missingActivity = await hub.WaitAsync(await hub.Client.StartNewAsync("CallsMissing", cancellationToken: Cancel));
        var missingOrchestrator = await hub.WaitAsync(await clientWithoutRegistry.StartNewAsync("NoSuchOrchestrator", cancellationToken: Cancel));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, missingActivity.Status);
        Assert.Contains("No activity named 'NoSuchActivity'", missingActivity.Failure!.ToString(), StringComparison.Ordinal);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, missingOrchestrator.Status);
        Assert.Contains("No orchestrator named 'NoSuchOrchestrator'", missingOrchestrator.Failure!.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnknownNameException>(() => hub.Client.StartNewAsync("NoSuchOrchestrator", cancellationToken: Cancel));
    }

    [Fact]
    public async Task Sub_orchestrations_return_their_output_to_the_parent()
    {
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Inc", (_, value) => value + 1)
            .AddOrchestrator<int, int>("Child", async (context, value) => await context.CallActivityAsync<int>("Inc", value))
            .AddOrchestrator<int, int>("Parent", async (context, value) =>
            {
                var results = await Task.WhenAll(context.CallSubOrchestratorAsync<int>("Child", value), context.CallSubOrchestratorAsync<int>("Child", value * 10));
                return results.Sum();
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var state = await hub.WaitAsync(await hub.Client.StartNewAsync("Parent", 1, "parent-1", Cancel));

        Assert.Equal(13, state.ReadOutput<int>());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await hub.Client.GetStatusAsync("parent-1:0:0", cancellationToken: Cancel))!.Status);
    }

    [Fact]
    public async Task A_failed_sub_orchestration_with_a_chosen_id_is_retried_as_a_new_instance()
    {
        var attempts = 0;
        var registry = new DurableRegistry()
            .AddActivity<string, string>("FailFirst", (_, _) => Interlocked.Increment(ref attempts) == 1 ? throw new IOException("registry offline") : "ok")
            .AddOrchestrator<string, string>("Child", async (context, _) => (await context.CallActivityAsync<string>("FailFirst"))!)
            .AddOrchestrator<string, string>("Parent", async (context, _) =>
                (await context.CallSubOrchestratorAsync<string>("Child", null, "kyc-check", new RetryOptions(3, TimeSpan.FromMilliseconds(100))))!);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var state = await hub.WaitAsync(await hub.Client.StartNewAsync("Parent", cancellationToken: Cancel));

        Assert.Equal("ok", state.ReadOutput<string>());
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await hub.Client.GetStatusAsync("kyc-check", cancellationToken: Cancel))!.Status);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await hub.Client.GetStatusAsync("kyc-check:retry2", cancellationToken: Cancel))!.Status);
    }

    [Fact]
    public async Task A_large_sub_orchestration_result_survives_purging_the_child()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<int, string>("BigChild", (_, size) => Task.FromResult(new string('贷', size)))
            .AddOrchestrator<int, int>("Parent", async (context, size) =>
            {
                var text = await context.CallSubOrchestratorAsync<string>("BigChild", size, "big-child");
                await context.WaitForExternalEvent<string>("go");
                return text!.Length;
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        var id = await hub.Client.StartNewAsync("Parent", 40_000, cancellationToken: Cancel);
        await hub.WaitAsync("big-child");
        await LifecycleTests.WaitForHistoryAsync(hub, id, HistoryEventType.SubOrchestrationCompleted);

        Assert.True(await hub.Client.PurgeAsync("big-child", Cancel));
        await hub.RestartWorkerAsync();
        await hub.Client.RaiseEventAsync(id, "go", null, Cancel);

        Assert.Equal(40_000, (await hub.WaitAsync(id)).ReadOutput<int>());
    }

    [Fact]
    public async Task Continue_as_new_restarts_with_the_new_input_and_keeps_one_tamper_evident_history()
    {
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Inc", (_, value) => value + 1)
            .AddOrchestrator<int, int>("Loop", async (context, value) =>
            {
                var next = await context.CallActivityAsync<int>("Inc", value);
                if (next < 4)
                {
                    context.ContinueAsNew(next);
                }

                return next;
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var id = await hub.Client.StartNewAsync("Loop", 0, cancellationToken: Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal(4, state.ReadOutput<int>());
        Assert.Equal(3, state.Generation);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);
        Assert.Equal(3, (await hub.Client.GetHistoryAsync(id, Cancel)).Count(e => e.Type == HistoryEventType.ContinuedAsNew));
    }
}
