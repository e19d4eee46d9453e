using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>An event awaited with a deadline must resume the orchestrator in the same episode it arrives in.</summary>
public sealed class EventWithTimeoutReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static readonly Func<OrchestrationContext, Task<string?>> Waiter = new DurableRegistry()
        .AddOrchestrator<string, string>("Waiter", async (context, _) =>
        {
            try
            {
                return await context.WaitForExternalEvent<string>("approval", TimeSpan.FromDays(14)) ?? "none";
            }
            catch (TimeoutException)
            {
                return "timed out";
            }
        })
        .FindOrchestrator("Waiter")!;

    private static readonly HistoryEvent[] WaitingSince =
    [
        new() { Type = HistoryEventType.OrchestratorStarted, Timestamp = T0 },
        new() { Type = HistoryEventType.ExecutionStarted, Timestamp = T0 },
        new() { Type = HistoryEventType.TimerCreated, TaskId = 0, FireAt = T0.AddDays(14) },
    ];

    [Fact]
    public void The_deadline_is_a_durable_timer()
    {
        var result = ReplayExecutor.Run(Waiter, "i1", "Waiter", 0, [], WaitingSince[..2]);

        Assert.Null(result.Outcome);
        Assert.Single(result.NewActions);
    }

    [Fact]
    public void An_event_before_the_deadline_completes_the_orchestration_in_that_episode()
    {
        var result = ReplayExecutor.Run(Waiter, "i1", "Waiter", 0, WaitingSince,
        [
            new() { Type = HistoryEventType.OrchestratorStarted, Timestamp = T0.AddHours(2) },
            new() { Type = HistoryEventType.EventRaised, Name = "approval", Data = DurableJson.Serialize("yes") },
        ]);

        Assert.NotNull(result.Outcome);
        Assert.Equal("\"yes\"", result.Outcome.OutputJson);
    }

    [Fact]
    public void The_deadline_passing_throws_a_timeout_the_orchestrator_can_catch()
    {
        var result = ReplayExecutor.Run(Waiter, "i1", "Waiter", 0, WaitingSince,
        [
            new() { Type = HistoryEventType.OrchestratorStarted, Timestamp = T0.AddDays(14) },
            new() { Type = HistoryEventType.TimerFired, TaskId = 0, FireAt = T0.AddDays(14) },
        ]);

        Assert.Equal("\"timed out\"", result.Outcome?.OutputJson);
    }
}
