using System.Collections.Concurrent;
using Azure.Data.Tables;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Durable.Tests;

/// <summary>Fencing, de-duplication, poison handling and tamper evidence on real storage.</summary>
public sealed class ReliabilityTests(StorageFixture storage)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>An activity whose outside effect is keyed by the idempotency key, as activity authors are told to do.</summary>
    private sealed class EffectLedger
    {
        public ConcurrentDictionary<string, int> Executions { get; } = new();

        public ConcurrentDictionary<string, string> Effects { get; } = new();

        public string Apply(TaskActivityContext context, string? input)
        {
            Executions.AddOrUpdate(context.IdempotencyKey, 1, (_, count) => count + 1);
            Effects.TryAdd(context.IdempotencyKey, input ?? "");
            return $"done:{input}";
        }
    }

    private static DurableRegistry Registry(EffectLedger ledger) => new DurableRegistry()
        .AddActivity<string, string>("Effect", ledger.Apply)
        .AddOrchestrator<string, string>("TwoEffects", async (context, input) =>
        {
            var first = await context.CallActivityAsync<string>("Effect", $"{input}-1");
            var second = await context.CallActivityAsync<string>("Effect", $"{input}-2");
            return $"{first}|{second}";
        })
        .AddOrchestrator<string, string>("AwaitApproval", async (context, _) =>
        {
            await context.CallActivityAsync<string>("Effect", "before");
            return await context.WaitForExternalEvent<string>("approval") ?? "";
        });

    /// <summary>These tests inspect activity results as control messages, so results must travel through the queue.</summary>
    private static void ResultsThroughTheQueue(EngineOptions options) => options.ApplyActivityResultsInline = false;

    private static EngineOptions CopyOf(EngineOptions options) => new()
    {
        StorageConnectionString = options.StorageConnectionString,
        TaskHubName = options.TaskHubName,
        MaxDequeueCount = options.MaxDequeueCount,
        MessageVisibilityTimeout = options.MessageVisibilityTimeout,
        FailedMessageRetryDelay = options.FailedMessageRetryDelay,
        MaxPollingInterval = options.MaxPollingInterval,
        ApplyActivityResultsInline = options.ApplyActivityResultsInline,
    };

    [Fact]
    public async Task Three_hosts_sharing_a_fifty_way_fan_in_record_every_result_exactly_once()
    {
        var ledger = new EffectLedger();
        var registry = Registry(ledger).AddOrchestrator<int, int>("WideFanOut", async (context, width) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, width).Select(index => context.CallActivityAsync<string>("Effect", $"part{index}")));
            return results.Length;
        });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);
        using var secondSignal = new WorkSignal();
        using var thirdSignal = new WorkSignal();
        await using var second = new Hosting.DurableWorker(new EngineStorage(CopyOf(hub.Options)), registry, secondSignal);
        await using var third = new Hosting.DurableWorker(new EngineStorage(CopyOf(hub.Options)), registry, thirdSignal);
        await second.StartAsync(Cancel);
        await third.StartAsync(Cancel);

        var id = await hub.Client.StartNewAsync("WideFanOut", 50, cancellationToken: Cancel);
        var state = await hub.WaitAsync(id, 60);

        Assert.Equal(50, state.ReadOutput<int>());
        var history = await hub.Client.GetHistoryAsync(id, Cancel);
        Assert.Equal(50, history.Where(e => e.Type == HistoryEventType.TaskCompleted).Select(e => e.TaskId).Distinct().Count());
        Assert.Equal(50, history.Count(e => e.Type == HistoryEventType.TaskCompleted));
        Assert.Equal(50, ledger.Effects.Count);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);
    }

    [Fact]
    public async Task Two_hosts_applying_the_same_message_commit_the_episode_exactly_once()
    {
        var ledger = new EffectLedger();
        var registry = Registry(ledger);
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry, startWorker: false);
        var id = await hub.Client.StartNewAsync("TwoEffects", "loan", cancellationToken: Cancel);
        var start = Assert.Single(await QueueTools.DrainAsync(hub.Storage.ControlQueue));

        var paused = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var slowOptions = CopyOf(hub.Options);
        slowOptions.BeforeWrite = async (point, _) =>
        {
            if (point == "commit" && paused.TrySetResult())
            {
                await release.Task;
            }
        };
        var slowHost = new WorkItemProcessor(new EngineStorage(slowOptions), registry);
        var fastHost = new WorkItemProcessor(hub.Storage, registry);

        var slow = slowHost.ProcessOrchestrationMessageAsync(start, Cancel);
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        Assert.Equal(MessageOutcome.Done, await fastHost.ProcessOrchestrationMessageAsync(start, Cancel));
        release.SetResult();
        Assert.Equal(MessageOutcome.Done, await slow);

        var history = await hub.Client.GetHistoryAsync(id, Cancel);
        Assert.Single(history, e => e.Type == HistoryEventType.ExecutionStarted);
        Assert.Single(history, e => e.Type == HistoryEventType.TaskScheduled);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);

        await hub.StartWorkerAsync();
        var state = await hub.WaitAsync(id);
        Assert.Equal("done:loan-1|done:loan-2", state.ReadOutput<string>());
        Assert.Equal(2, ledger.Effects.Count);
    }

    [Fact]
    public async Task A_host_with_a_stale_cache_does_not_drop_a_result_for_work_another_host_scheduled()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger), ResultsThroughTheQueue, startWorker: false);
        var hostA = new WorkItemProcessor(hub.Storage, hub.Registry);
        var hostB = new WorkItemProcessor(hub.Storage, hub.Registry);
        var id = await hub.Client.StartNewAsync("TwoEffects", "loan", cancellationToken: Cancel);

        await hostA.ProcessOrchestrationMessageAsync(Assert.Single(await QueueTools.DrainAsync(hub.Storage.ControlQueue)), Cancel);
        await hostB.ProcessActivityMessageAsync(Assert.Single(await QueueTools.DrainAsync(hub.Storage.WorkItemQueue)), Cancel);
        await hostB.ProcessOrchestrationMessageAsync(Assert.Single(await QueueTools.DrainAsync(hub.Storage.ControlQueue)), Cancel);
        await hostB.ProcessActivityMessageAsync(Assert.Single(await QueueTools.DrainAsync(hub.Storage.WorkItemQueue)), Cancel);

        // Host A still caches the instance as it was before host B scheduled the second task.
        await hostA.ProcessOrchestrationMessageAsync(Assert.Single(await QueueTools.DrainAsync(hub.Storage.ControlQueue)), Cancel);

        var state = await hub.Client.GetStatusAsync(id, cancellationToken: Cancel);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state!.Status);
        Assert.Equal("done:loan-1|done:loan-2", state.ReadOutput<string>());
    }

    [Fact]
    public async Task Duplicate_and_late_messages_to_a_running_instance_change_nothing()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger), ResultsThroughTheQueue, startWorker: false);
        var processor = new WorkItemProcessor(hub.Storage, hub.Registry);
        var id = await hub.Client.StartNewAsync("AwaitApproval", cancellationToken: Cancel);
        var start = Assert.Single(await QueueTools.DrainAsync(hub.Storage.ControlQueue));
        await processor.ProcessOrchestrationMessageAsync(start, Cancel);
        await processor.ProcessOrchestrationMessageAsync(start, Cancel);

        // The duplicate start re-sent the activity (its result was not in history yet): at-least-once.
        var workItems = await QueueTools.DrainAsync(hub.Storage.WorkItemQueue);
        Assert.Equal(2, workItems.Count);
        Assert.Single(workItems.Select(item => QueueTools.Read(item).Id).Distinct());
        foreach (var item in workItems)
        {
            await processor.ProcessActivityMessageAsync(item, Cancel);
        }

        var completions = await QueueTools.DrainAsync(hub.Storage.ControlQueue);
        foreach (var item in completions)
        {
            await processor.ProcessOrchestrationMessageAsync(item, Cancel);
        }

        var historyBefore = await hub.Client.GetHistoryAsync(id, Cancel);
        Assert.Single(historyBefore, e => e.Type == HistoryEventType.TaskCompleted);
        Assert.Single(ledger.Effects);

        var template = QueueTools.Read(completions[0]);
        var late = new[]
        {
            template with { Id = "stale-generation", Generation = 7 },
            template with { Id = "unknown-task", TaskId = 42 },
            template with { Id = "timer-never-created", Kind = MessageKind.TimerFired, TaskId = 5, FireAt = DateTimeOffset.UtcNow.AddSeconds(-1) },
        }.Select(message => new QueueWorkItem(message.Id, DurableJson.Serialize(message)!, 1));
        var restarted = new WorkItemProcessor(hub.Storage, hub.Registry);
        foreach (var item in completions.Prepend(start).Concat(late))
        {
            Assert.Equal(MessageOutcome.Done, await processor.ProcessOrchestrationMessageAsync(item, Cancel));
            Assert.Equal(MessageOutcome.Done, await restarted.ProcessOrchestrationMessageAsync(item, Cancel));
        }

        Assert.Equal(historyBefore, await hub.Client.GetHistoryAsync(id, Cancel));
        Assert.Equal(0, await QueueTools.CountAsync(hub.Storage.WorkItemQueue));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await hub.Client.GetStatusAsync(id, cancellationToken: Cancel))!.Status);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);
    }

    [Fact]
    public async Task An_event_that_overtakes_the_start_message_is_kept_for_the_orchestrator()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger), startWorker: false);
        var processor = new WorkItemProcessor(hub.Storage, hub.Registry);
        var id = await hub.Client.StartNewAsync("AwaitApproval", cancellationToken: Cancel);
        await hub.Client.RaiseEventAsync(id, "approval", "granted", Cancel);

        var control = await QueueTools.DrainAsync(hub.Storage.ControlQueue);
        Assert.Equal(MessageKind.ExecutionStarted, QueueTools.Read(control[0]).Kind);
        foreach (var item in Enumerable.Reverse(control))
        {
            await processor.ProcessOrchestrationMessageAsync(item, Cancel);
        }

        await hub.StartWorkerAsync();

        Assert.Equal("granted", (await hub.WaitAsync(id)).ReadOutput<string>());
    }

    [Fact]
    public async Task A_control_message_that_keeps_failing_is_poisoned_and_fails_its_instance()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger), options => options.MaxDequeueCount = 3);
        var id = await hub.Client.StartNewAsync("AwaitApproval", cancellationToken: Cancel);
        await LifecycleTests.WaitForHistoryAsync(hub, id, HistoryEventType.TaskCompleted);

        // An event whose payload blob is missing can never be applied.
        var broken = new EngineMessage { Id = "broken-event", Kind = MessageKind.EventRaised, InstanceId = id, Name = "approval", DataBlob = $"{id}/{new string('0', 64)}" };
        await hub.Storage.ControlQueue.SendMessageAsync(DurableJson.Serialize(broken), Cancel);
        var state = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.Status);
        Assert.Equal("PoisonMessage", state.Failure!.ErrorType);
        Assert.Contains("broken-event", state.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("-control-poison", state.Failure.Message, StringComparison.Ordinal);
        var poisoned = Assert.Single((await hub.Storage.ControlPoisonQueue.PeekMessagesAsync(10, Cancel)).Value);
        Assert.Contains("broken-event", poisoned.Body.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await QueueTools.CountAsync(hub.Storage.ControlQueue));
    }

    [Fact]
    public async Task An_unreadable_message_ends_in_the_poison_queue_instead_of_circulating()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(new EffectLedger()), options => options.MaxDequeueCount = 2);

        await hub.Storage.ControlQueue.SendMessageAsync("this is not an engine message", Cancel);

        for (var attempt = 0; attempt < 200 && (await hub.Storage.ControlPoisonQueue.PeekMessagesAsync(1, Cancel)).Value.Length == 0; attempt++)
        {
            await Task.Delay(50, Cancel);
        }

        var poisoned = Assert.Single((await hub.Storage.ControlPoisonQueue.PeekMessagesAsync(10, Cancel)).Value);
        Assert.Equal("this is not an engine message", poisoned.Body.ToString());
        Assert.Equal(0, (await hub.Storage.ControlQueue.GetPropertiesAsync(Cancel)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task An_activity_message_that_keeps_failing_is_poisoned_and_fails_its_instance()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger), options => options.MaxDequeueCount = 2, startWorker: false);
        var id = await hub.Client.StartNewAsync("TwoEffects", "x", cancellationToken: Cancel);
        var processor = new WorkItemProcessor(hub.Storage, hub.Registry);
        await processor.ProcessOrchestrationMessageAsync(Assert.Single(await QueueTools.DrainAsync(hub.Storage.ControlQueue)), Cancel);
        var workItem = QueueTools.Read(Assert.Single(await QueueTools.DrainAsync(hub.Storage.WorkItemQueue)));
        var unreadable = workItem with { Data = null, DataBlob = $"{id}/{new string('f', 64)}" };
        await hub.Storage.WorkItemQueue.SendMessageAsync(DurableJson.Serialize(unreadable), Cancel);

        await hub.StartWorkerAsync();
        var state = await hub.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.Status);
        Assert.Contains("ActivityWorkItem message", state.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("-workitems-poison", state.Failure.Message, StringComparison.Ordinal);
        Assert.Single((await hub.Storage.WorkItemPoisonQueue.PeekMessagesAsync(10, Cancel)).Value);
        Assert.Empty(ledger.Effects);
    }

    [Fact]
    public async Task Editing_or_deleting_stored_history_is_reported_at_the_first_broken_event()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger));
        var id = await hub.Client.StartNewAsync("TwoEffects", "audit", cancellationToken: Cancel);
        await hub.WaitAsync(id);
        Assert.True((await hub.Client.VerifyHistoryAsync(id, Cancel)).IsIntact);
        var rows = hub.Storage.Instances.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ne {InstanceStore.StateRowKey}"), cancellationToken: Cancel);
        var episodes = new List<TableEntity>();
        await foreach (var row in rows)
        {
            episodes.Add(row);
        }

        var secondEpisode = episodes.OrderBy(row => row.RowKey, StringComparer.Ordinal).ElementAt(1);
        var tamperedSequence = DurableJson.Deserialize<List<HistoryEvent>>(secondEpisode.GetString("Events"))!
            .First(e => e.Type == HistoryEventType.TaskCompleted).Sequence;
        secondEpisode["Events"] = secondEpisode.GetString("Events")!.Replace("done:audit-1", "done:audit-9", StringComparison.Ordinal);
        await hub.Storage.Instances.UpdateEntityAsync(secondEpisode, Azure.ETag.All, TableUpdateMode.Replace, Cancel);

        var edited = await hub.Client.VerifyHistoryAsync(id, Cancel);

        Assert.False(edited.IsIntact);
        Assert.Equal(tamperedSequence, edited.FirstBrokenSequence);
        Assert.Contains("altered", edited.Problem, StringComparison.Ordinal);

        await hub.Storage.Instances.DeleteEntityAsync(secondEpisode, Azure.ETag.All, Cancel);
        var deleted = await hub.Client.VerifyHistoryAsync(id, Cancel);

        Assert.False(deleted.IsIntact);
        Assert.True(deleted.FirstBrokenSequence <= tamperedSequence);
    }

    [Fact]
    public async Task History_exports_as_one_json_line_per_event()
    {
        var ledger = new EffectLedger();
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(ledger));
        var id = await hub.Client.StartNewAsync("TwoEffects", "export", cancellationToken: Cancel);
        await hub.WaitAsync(id);
        using var writer = new StringWriter();

        await hub.Client.ExportHistoryAsync(id, writer, Cancel);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var history = await hub.Client.GetHistoryAsync(id, Cancel);
        Assert.Equal(history.Count, lines.Length);
        Assert.Equal(history, lines.Select(line => DurableJson.Deserialize<HistoryEvent>(line)!).ToList(), new HistoryEventComparer());
    }

    private sealed class HistoryEventComparer : IEqualityComparer<HistoryEvent>
    {
        public bool Equals(HistoryEvent? x, HistoryEvent? y) => x?.Hash == y?.Hash && x?.Sequence == y?.Sequence;

        public int GetHashCode(HistoryEvent obj) => obj.Hash?.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
