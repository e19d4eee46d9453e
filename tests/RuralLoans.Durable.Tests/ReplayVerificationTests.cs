using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>Replaying a stored history reproduces it exactly, and a changed orchestrator or an edited result shows where.</summary>
public sealed class ReplayVerificationTests(StorageFixture storage)
{
    private const string Name = "Loan";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DurableRegistry Registry(Func<int, int> decideInput, string decideActivity = "Decide") => new DurableRegistry()
        .AddActivity<int, int>("Score", (_, amount) => amount * 10)
        .AddActivity<int, string>("Decide", (_, score) => score >= 50 ? "approve" : "decline")
        .AddActivity<int, string>("Refer", (_, _) => "refer")
        .AddOrchestrator<int, string>(Name, async (context, amount) =>
        {
            var score = await context.CallActivityAsync<int>("Score", amount);
            await context.CreateTimer(context.CurrentUtcDateTime.AddMilliseconds(100));
            var answer = await context.WaitForExternalEvent<string>("Answer", TimeSpan.FromMinutes(5));
            var decision = await context.CallActivityAsync<string>(decideActivity, decideInput(score));
            return $"{decision}:{answer}";
        });

    private static async Task<string> RunToCompletionAsync(EngineHarness hub)
    {
        var id = await hub.Client.StartNewAsync(Name, 5, cancellationToken: Cancel);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await hub.Client.GetHistoryAsync(id, Cancel)).Any(e => e.Type == HistoryEventType.TimerFired))
        {
            Assert.True(DateTime.UtcNow < deadline, "The timer never fired.");
            await Task.Delay(50, Cancel);
        }

        await hub.Client.RaiseEventAsync(id, "Answer", "yes", Cancel);
        var state = await hub.WaitAsync(id);
        Assert.Equal("approve:yes", state.ReadOutput<string>());
        return id;
    }

    [Fact]
    public async Task A_finished_instance_replays_to_exactly_what_its_history_records()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(score => score));
        var id = await RunToCompletionAsync(hub);

        var result = await hub.Client.VerifyReplayAsync(id, Cancel);

        Assert.True(result.IsReproduced, string.Join(Environment.NewLine, result.Differences));
        Assert.True(result.EpisodesReplayed >= 4, $"only {result.EpisodesReplayed} episodes were replayed");
    }

    [Fact]
    public async Task Code_that_passes_a_different_input_is_reported_at_the_scheduled_event_with_both_values()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(score => score));
        var id = await RunToCompletionAsync(hub);
        var changed = new DurableClient(hub.Storage, Registry(score => score + 1));

        var result = await changed.VerifyReplayAsync(id, Cancel);

        Assert.False(result.IsReproduced);
        var difference = Assert.Single(result.Differences);
        var scheduled = (await hub.Client.GetHistoryAsync(id, Cancel)).Single(e => e.Type == HistoryEventType.TaskScheduled && e.Name == "Decide");
        Assert.Equal(scheduled.Sequence, difference.Sequence);
        Assert.Equal($"TaskScheduled 'Decide' (task {scheduled.TaskId})", difference.Event);
        var field = Assert.Single(difference.Fields);
        Assert.Equal(("$", "50", "51"), (field.Path, field.Recorded, field.Recomputed));
    }

    [Fact]
    public async Task Code_that_calls_another_activity_is_reported()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(score => score));
        var id = await RunToCompletionAsync(hub);
        var changed = new DurableClient(hub.Storage, Registry(score => score, decideActivity: "Refer"));

        var result = await changed.VerifyReplayAsync(id, Cancel);

        Assert.False(result.IsReproduced);
        Assert.Contains("'Refer'", Assert.Single(result.Differences).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_activity_result_edited_in_table_storage_breaks_the_chain_and_the_replay()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(score => score));
        var id = await RunToCompletionAsync(hub);

        await EditStoredEventAsync(hub.Storage.Instances, id, e => e.Type == HistoryEventType.TaskCompleted && e.Name == "Score", e => e with { Data = "90" });

        var chain = await hub.Client.VerifyHistoryAsync(id, Cancel);
        var replay = await hub.Client.VerifyReplayAsync(id, Cancel);
        Assert.False(chain.IsIntact);
        Assert.False(replay.IsReproduced);
        var field = Assert.Single(Assert.Single(replay.Differences).Fields);
        Assert.Equal(("$", "50", "90"), (field.Path, field.Recorded, field.Recomputed));
    }

    [Fact]
    public async Task An_unknown_instance_is_refused()
    {
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, Registry(score => score), startWorker: false);

        await Assert.ThrowsAsync<InvalidOperationException>(() => hub.Client.VerifyReplayAsync("nobody", Cancel));
    }

    [Fact]
    public void Json_documents_differ_by_meaning_not_by_spelling()
    {
        var same = JsonDifferences.Find("""{"a":30000,"b":[1,"x"],"c":null}""", """{"b":[1.0,"x"],"a":30000.00}""");
        var different = JsonDifferences.Find("""{"a":{"b":[1,2]},"s":"x"}""", """{"a":{"b":[1,3,4]},"s":"y","t":true}""");

        Assert.Empty(same);
        Assert.Equal(["$.a.b[1]", "$.a.b[2]", "$.s", "$.t"], different.Select(d => d.Path));
        Assert.Equal(("2", "3"), (different[0].Recorded, different[0].Recomputed));
        Assert.Null(different[1].Recorded);
    }

    /// <summary>Rewrites one stored history event the way someone with write access to the table could.</summary>
    internal static async Task EditStoredEventAsync(TableClient table, string instanceId, Func<HistoryEvent, bool> which, Func<HistoryEvent, HistoryEvent> edit)
    {
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), cancellationToken: Cancel))
        {
            if (row.GetString("Events") is not { } json)
            {
                continue;
            }

            var events = JsonSerializer.Deserialize<List<HistoryEvent>>(json, DurableJson.Options)!;
            var index = events.FindIndex(e => which(e));
            if (index < 0)
            {
                continue;
            }

            events[index] = edit(events[index]);
            row["Events"] = JsonSerializer.Serialize(events, DurableJson.Options);
            await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, Cancel);
            return;
        }

        Assert.Fail($"No stored history row of {instanceId} holds the event to edit inline.");
    }
}
