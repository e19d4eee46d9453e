using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RuralLoans.Testing;

namespace RuralLoans.TaskHub.Tests;

/// <summary>The adapter runs durabletask-dotnet orchestrators on the Azure Storage provider against Azurite.</summary>
public sealed class LocalTaskHubTests(DevServicesFixture services)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public sealed record Order(string Id, int Quantity);

    private static TaskRegistry Registry(string chainSecondStep = "Double") => new TaskRegistry()
        .AddOrchestrator<Order, string>("Chain", async (context, order) =>
        {
            var a = await context.CallActivityAsync<int>("AddOne", order.Quantity);
            var b = await context.CallActivityAsync<int>(chainSecondStep, a);
            return await context.CallActivityAsync<string>("Describe", new Order(order.Id, b));
        })
        .AddOrchestrator<int, string>("WaitForApproval", async (context, seconds) =>
        {
            context.SetCustomStatus(new { waiting = true });
            try
            {
                var note = await context.WaitForExternalEvent<string>("Approved", TimeSpan.FromSeconds(seconds));
                return "approved: " + note;
            }
            catch (OperationCanceledException)
            {
                return "expired";
            }
        })
        .AddActivity<int, int>("AddOne", (_, x) => Task.FromResult(x + 1))
        .AddActivity<int, int>("Double", (_, x) => Task.FromResult(x * 2))
        .AddActivity<int, int>("Triple", (_, x) => Task.FromResult(x * 3))
        .AddActivity<Order, string>("Describe", (context, order) => Task.FromResult($"{order.Id}:{order.Quantity}:{context.InstanceId}"));

    private async Task<LocalTaskHub> StartAsync(string hub, TaskRegistry? registry = null) =>
        await LocalTaskHub.StartAsync(StorageAccount.FromConnectionString(services.StorageConnectionString),
            new TaskHubSettings { HubName = hub, MaxQueuePollingInterval = TimeSpan.FromMilliseconds(200) }, registry ?? Registry());

    private static string Hub() => "hub" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_chain_of_activities_runs_to_its_result_and_its_history_names_each_step()
    {
        await using var hub = await StartAsync(Hub());
        using var cts = new CancellationTokenSource(Patience);
        var id = await hub.Client.ScheduleNewOrchestrationInstanceAsync("Chain", new Order("o-1", 4), new StartOrchestrationOptions("order-1"), cts.Token);
        var done = await hub.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("o-1:10:order-1", done.ReadOutputAs<string>());
        var history = await hub.Client.GetOrchestrationHistoryAsync(id, cts.Token);
        Assert.Equal(["AddOne", "Double", "Describe"], history.OfType<TaskScheduledEvent>().Select(e => e.Name));
        Assert.Contains("\"quantity\":4", history.OfType<ExecutionStartedEvent>().Single().Input, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_that_arrives_in_time_wins_over_the_timer_and_a_missing_one_expires()
    {
        await using var hub = await StartAsync(Hub());
        using var cts = new CancellationTokenSource(Patience);
        var approved = await hub.Client.ScheduleNewOrchestrationInstanceAsync("WaitForApproval", 30, cts.Token);
        var expiring = await hub.Client.ScheduleNewOrchestrationInstanceAsync("WaitForApproval", 2, cts.Token);
        await hub.Client.WaitForInstanceStartAsync(approved, cts.Token);
        await hub.Client.RaiseEventAsync(approved, "Approved", "by officer 7", cts.Token);

        var first = await hub.Client.WaitForInstanceCompletionAsync(approved, getInputsAndOutputs: true, cts.Token);
        var second = await hub.Client.WaitForInstanceCompletionAsync(expiring, getInputsAndOutputs: true, cts.Token);
        Assert.Equal("approved: by officer 7", first.ReadOutputAs<string>());
        Assert.Equal("expired", second.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Starting_an_existing_id_with_every_status_deduplicated_is_refused_and_runs_nothing_twice()
    {
        await using var hub = await StartAsync(Hub());
        using var cts = new CancellationTokenSource(Patience);
        var all = Enum.GetValues<OrchestrationRuntimeStatus>().ToList();
        await hub.Client.ScheduleNewOrchestrationInstanceAsync("Chain", new Order("o-2", 1), new StartOrchestrationOptions("same") { DedupeStatuses = all.Select(s => s.ToString()).ToList() }, cts.Token);
        await hub.Client.WaitForInstanceCompletionAsync("same", cts.Token);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => hub.Client.ScheduleNewOrchestrationInstanceAsync("Chain", new Order("o-3", 1),
            new StartOrchestrationOptions("same") { DedupeStatuses = all.Select(s => s.ToString()).ToList() }, cts.Token));
        Assert.True(AzureStorageTaskHubClient.IsAlreadyExists(refused), refused.ToString());
        var history = await hub.Client.GetOrchestrationHistoryAsync("same", cts.Token);
        Assert.Equal(3, history.OfType<TaskCompletedEvent>().Count());
    }

    [Fact]
    public async Task Offline_replay_accepts_the_code_that_ran_and_names_the_first_divergence_of_changed_code()
    {
        await using var hub = await StartAsync(Hub());
        using var cts = new CancellationTokenSource(Patience);
        var id = await hub.Client.ScheduleNewOrchestrationInstanceAsync("Chain", new Order("o-4", 2), cts.Token);
        await hub.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        var history = await hub.Client.GetOrchestrationHistoryAsync(id, cts.Token);

        var same = OfflineReplay.Run("Chain", Registry().Orchestrators["Chain"](), history);
        var changed = OfflineReplay.Run("Chain", Registry(chainSecondStep: "Triple").Orchestrators["Chain"](), history);

        Assert.True(same.Deterministic, same.Divergence);
        Assert.False(changed.Deterministic);
        Assert.Contains("Triple", changed.Divergence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_are_found_by_prefix_terminated_and_purged()
    {
        await using var hub = await StartAsync(Hub());
        using var cts = new CancellationTokenSource(Patience);
        await hub.Client.ScheduleNewOrchestrationInstanceAsync("WaitForApproval", 300, new StartOrchestrationOptions("mfi1-a"), cts.Token);
        await hub.Client.ScheduleNewOrchestrationInstanceAsync("WaitForApproval", 300, new StartOrchestrationOptions("mfi1-b"), cts.Token);
        await hub.Client.ScheduleNewOrchestrationInstanceAsync("WaitForApproval", 300, new StartOrchestrationOptions("mfi2-a"), cts.Token);
        await hub.Client.WaitForInstanceStartAsync("mfi1-a", cts.Token);

        var found = new List<string>();
        await foreach (var instance in hub.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "mfi1-" }))
        {
            found.Add(instance.InstanceId);
        }
        Assert.Equal(["mfi1-a", "mfi1-b"], found.Order());

        await hub.Client.TerminateInstanceAsync("mfi1-a", "operator stopped it", cts.Token);
        var terminated = await hub.Client.WaitForInstanceCompletionAsync("mfi1-a", cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);
        var purged = await hub.Client.PurgeInstanceAsync("mfi1-a", cancellation: cts.Token);
        Assert.Equal(1, purged.PurgedInstanceCount);
        Assert.Null(await hub.Client.GetInstanceAsync("mfi1-a", cts.Token));
    }
}
