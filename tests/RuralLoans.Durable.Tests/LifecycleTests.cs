using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>Timers, external events, instance control, queries, purge and large payloads.</summary>
public sealed class LifecycleTests(StorageFixture storage)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DurableRegistry WaitingRegistry() => new DurableRegistry()
        .AddActivity<string, string>("Echo", (_, value) => value ?? "")
        .AddOrchestrator<int, string>("AwaitApproval", async (context, timeoutSeconds) =>
        {
            await context.CallActivityAsync<string>("Echo", "warm-up");
            try
            {
                var decision = await context.WaitForExternalEvent<string>("approval", timeoutSeconds > 0 ? TimeSpan.FromSeconds(timeoutSeconds) : null);
                return $"decided:{decision}";
            }
            catch (TimeoutException)
            {
                return "timed-out";
            }
        });

    [Fact]
    public async Task A_durable_timer_fires_after_the_host_restarts()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<string, string>("Sleeper", async (context, _) =>
            {
                var started = context.CurrentUtcDateTime;
                await context.CreateTimer(started.AddSeconds(2));
                return (context.CurrentUtcDateTime - started).TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var id = await hub.Client.StartNewAsync("Sleeper", cancellationToken: Cancel);
        await hub.WaitForStatusAsync(id, OrchestrationRuntimeStatus.Running);
        await hub.StopWorkerAsync();
        await Task.Delay(2500, Cancel);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await hub.Client.GetStatusAsync(id, cancellationToken: Cancel))!.Status);
        await hub.StartWorkerAsync();
        var state = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.Status);
        Assert.True(double.Parse(state.ReadOutput<string>()!, System.Globalization.CultureInfo.InvariantCulture) >= 2.0);
    }

    [Fact]
    public async Task An_event_raised_before_the_orchestrator_waits_is_not_lost()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry(), startWorker: false);
        var id = await hub.Client.StartNewAsync("AwaitApproval", 0, cancellationToken: Cancel);

        await hub.Client.RaiseEventAsync(id, "approval", "early", Cancel);
        await hub.StartWorkerAsync();

        Assert.Equal("decided:early", (await hub.WaitAsync(id)).ReadOutput<string>());
    }

    [Fact]
    public async Task An_event_raised_while_the_orchestrator_waits_is_delivered()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry());
        var id = await hub.Client.StartNewAsync("AwaitApproval", 0, cancellationToken: Cancel);
        await WaitForHistoryAsync(hub, id, HistoryEventType.TaskCompleted);

        await hub.Client.RaiseEventAsync(id, "approval", "later", Cancel);

        Assert.Equal("decided:later", (await hub.WaitAsync(id)).ReadOutput<string>());
    }

    [Fact]
    public async Task An_event_that_arrives_before_the_deadline_wins_over_the_timer()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry());
        var id = await hub.Client.StartNewAsync("AwaitApproval", 60, cancellationToken: Cancel);
        await WaitForHistoryAsync(hub, id, HistoryEventType.TimerCreated);

        await hub.Client.RaiseEventAsync(id, "approval", "in-time", Cancel);

        Assert.Equal("decided:in-time", (await hub.WaitAsync(id, 20)).ReadOutput<string>());
    }

    [Fact]
    public async Task A_timer_beyond_the_queue_visibility_limit_is_sent_again_until_due()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry(), startWorker: false);
        var processor = new Processing.WorkItemProcessor(hub.Storage, hub.Registry);
        var timer = new EngineMessage
        {
            Id = "far-timer", Kind = MessageKind.TimerFired, InstanceId = "someone", TaskId = 3, FireAt = DateTimeOffset.UtcNow.AddDays(30),
        };

        var outcome = await processor.ProcessOrchestrationMessageAsync(new QueueWorkItem("m1", DurableJson.Serialize(timer)!, 1), Cancel);

        Assert.Equal(MessageOutcome.Done, outcome);
        var properties = await hub.Storage.ControlQueue.GetPropertiesAsync(Cancel);
        Assert.Equal(1, properties.Value.ApproximateMessagesCount);
        Assert.Empty((await hub.Storage.ControlQueue.PeekMessagesAsync(1, Cancel)).Value);
    }

    [Fact]
    public async Task Waiting_for_an_event_times_out_on_a_durable_timer()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry());

        var state = await hub.WaitAsync(await hub.Client.StartNewAsync("AwaitApproval", 1, cancellationToken: Cancel));

        Assert.Equal("timed-out", state.ReadOutput<string>());
    }

    [Fact]
    public async Task A_suspended_instance_holds_events_until_resumed()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry());
        var id = await hub.Client.StartNewAsync("AwaitApproval", 0, cancellationToken: Cancel);
        await WaitForHistoryAsync(hub, id, HistoryEventType.TaskCompleted);

        await hub.Client.SuspendAsync(id, "compliance review", Cancel);
        await hub.WaitForStatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        await hub.Client.RaiseEventAsync(id, "approval", "while-suspended", Cancel);
        await WaitForHistoryAsync(hub, id, HistoryEventType.EventRaised);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await hub.Client.GetStatusAsync(id, cancellationToken: Cancel))!.Status);

        await hub.Client.ResumeAsync(id, cancellationToken: Cancel);

        Assert.Equal("decided:while-suspended", (await hub.WaitAsync(id)).ReadOutput<string>());
    }

    [Fact]
    public async Task A_terminated_instance_stops_and_ignores_later_events()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, WaitingRegistry());
        var id = await hub.Client.StartNewAsync("AwaitApproval", 0, cancellationToken: Cancel);
        await WaitForHistoryAsync(hub, id, HistoryEventType.TaskCompleted);

        await hub.Client.TerminateAsync(id, "applicant withdrew", Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, state.Status);
        Assert.Equal("applicant withdrew", state.ReadOutput<string>());
        await Assert.ThrowsAsync<InvalidOperationException>(() => hub.Client.RaiseEventAsync(id, "approval", "too late", Cancel));
    }

    [Fact]
    public async Task Queries_filter_by_status_name_and_creation_time_in_pages()
    {
        var registry = WaitingRegistry().AddOrchestrator<string, string>("Quick", (_, input) => Task.FromResult(input ?? ""));
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var quick = new List<string>();
        for (var index = 0; index < 5; index++)
        {
            quick.Add(await hub.Client.StartNewAsync("Quick", $"q{index}", cancellationToken: Cancel));
        }

        var waiting = await hub.Client.StartNewAsync("AwaitApproval", 0, cancellationToken: Cancel);
        foreach (var id in quick)
        {
            await hub.WaitAsync(id);
        }

        await hub.WaitForStatusAsync(waiting, OrchestrationRuntimeStatus.Running);

        var completed = new List<OrchestrationState>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await hub.Client.QueryAsync(new InstanceQuery
            {
                Statuses = [OrchestrationRuntimeStatus.Completed], Name = "Quick", CreatedFrom = before, PageSize = 2, ContinuationToken = continuation,
            }, Cancel);
            completed.AddRange(page.Instances);
            continuation = page.ContinuationToken;
            pages++;
        }
        while (continuation is not null);
        var running = await hub.Client.QueryAsync(new InstanceQuery { Statuses = [OrchestrationRuntimeStatus.Running] }, Cancel);
        var future = await hub.Client.QueryAsync(new InstanceQuery { CreatedFrom = DateTimeOffset.UtcNow.AddMinutes(1) }, Cancel);

        Assert.Equal(quick.Order(), completed.Select(state => state.InstanceId).Order());
        Assert.True(pages >= 3);
        Assert.Equal(waiting, Assert.Single(running.Instances).InstanceId);
        Assert.Empty(future.Instances);
    }

    [Fact]
    public async Task Purge_removes_finished_instances_by_id_and_by_age_and_status_but_not_running_ones()
    {
        var registry = WaitingRegistry().AddOrchestrator<string, string>("Quick", (_, input) => Task.FromResult(input ?? ""));
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        var byId = await hub.Client.StartNewAsync("Quick", new string('大', 30_000), cancellationToken: Cancel);
        var byAge = await hub.Client.StartNewAsync("Quick", "small", cancellationToken: Cancel);
        var running = await hub.Client.StartNewAsync("AwaitApproval", 0, cancellationToken: Cancel);
        await hub.WaitAsync(byId);
        await hub.WaitAsync(byAge);
        await hub.WaitForStatusAsync(running, OrchestrationRuntimeStatus.Running);

        Assert.True(await hub.Client.PurgeAsync(byId, Cancel));
        Assert.False(await hub.Client.PurgeAsync(running, Cancel));
        var purged = await hub.Client.PurgeAsync(DateTimeOffset.UtcNow.AddSeconds(1), [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Running], Cancel);

        Assert.Equal(1, purged);
        Assert.Null(await hub.Client.GetStatusAsync(byId, cancellationToken: Cancel));
        Assert.Empty(await hub.Client.GetHistoryAsync(byId, Cancel));
        Assert.Null(await hub.Client.GetStatusAsync(byAge, cancellationToken: Cancel));
        Assert.NotNull(await hub.Client.GetStatusAsync(running, cancellationToken: Cancel));
        var blobs = new List<string>();
        await foreach (var blob in hub.Storage.Payloads.GetBlobsAsync(default, default, $"{byId}/", Cancel))
        {
            blobs.Add(blob.Name);
        }

        Assert.Empty(blobs);
    }

    [Fact]
    public async Task Large_payloads_travel_through_blobs_and_arrive_intact()
    {
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Reverse", (_, text) => new string(text!.Reverse().ToArray()))
            .AddOrchestrator<string, string>("BigData", async (context, text) =>
            {
                var reversed = await context.CallActivityAsync<string>("Reverse", text);
                return await context.CallActivityAsync<string>("Reverse", reversed) ?? "";
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        var text = string.Concat(Enumerable.Range(0, 12_000).Select(index => $"借款人{index % 10}"));

        var id = await hub.Client.StartNewAsync("BigData", text, cancellationToken: Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.Status);
        Assert.Equal(text, state.ReadOutput<string>());
        Assert.Equal(text, DurableJson.Deserialize<string>(state.InputJson));
        Assert.Contains(await hub.Client.GetHistoryAsync(id, Cancel), e => e.DataBlob is not null);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);
    }

    internal static async Task WaitForHistoryAsync(EngineHarness hub, string id, HistoryEventType type)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if ((await hub.Client.GetHistoryAsync(id, Cancel)).Any(e => e.Type == type))
            {
                return;
            }

            await Task.Delay(25, Cancel);
        }

        throw new TimeoutException($"No {type} in the history of {id}.");
    }
}
