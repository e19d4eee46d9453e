using Microsoft.Extensions.Logging;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

/// <summary>The pure replay core: orchestrator code against history, no storage involved.</summary>
public sealed class ReplayExecutorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static Func<OrchestrationContext, Task<string?>> Orchestrator(string name, DurableRegistry registry) => registry.FindOrchestrator(name)!;

    private static DurableRegistry Registry() => new DurableRegistry()
        .AddOrchestrator<string, string>("Chain", async (context, input) =>
        {
            var first = await context.CallActivityAsync<string>("A", input);
            var second = await context.CallActivityAsync<string>("B", first);
            return $"{first}+{second}";
        })
        .AddOrchestrator<string, string>("ChainChanged", async (context, input) =>
        {
            var first = await context.CallActivityAsync<string>("A", input);
            var second = await context.CallActivityAsync<string>("C", first);
            return $"{first}+{second}";
        })
        .AddOrchestrator<string, string>("Waiter", async (context, _) =>
        {
            await context.CallActivityAsync<string>("A");
            return await context.WaitForExternalEvent<string>("approval") ?? "none";
        })
        .AddOrchestrator<int, int>("Counter", async (context, count) =>
        {
            await Task.CompletedTask;
            if (count < 3)
            {
                context.ContinueAsNew(count + 1);
            }

            return count;
        })
        .AddOrchestrator<string, string>("Clock", (context, _) =>
            Task.FromResult($"{context.CurrentUtcDateTime:O}|{context.NewGuid()}|{context.NewGuid()}"));

    private static HistoryEvent Started(string? input = null, DateTimeOffset? at = null) => new() { Type = HistoryEventType.ExecutionStarted, Data = input, Timestamp = at ?? T0 };

    private static HistoryEvent Episode(DateTimeOffset at) => new() { Type = HistoryEventType.OrchestratorStarted, Timestamp = at };

    private static HistoryEvent Scheduled(int taskId, string name) => new() { Type = HistoryEventType.TaskScheduled, TaskId = taskId, Name = name };

    private static HistoryEvent Completed(int taskId, object? result) => new() { Type = HistoryEventType.TaskCompleted, TaskId = taskId, Data = DurableJson.Serialize(result) };

    [Fact]
    public void First_episode_schedules_the_first_activity_only()
    {
        var result = ReplayExecutor.Run(Orchestrator("Chain", Registry()), "i1", "Chain", 0, [], [Episode(T0), Started("\"x\"")]);

        var action = Assert.Single(result.NewActions);
        Assert.Equal(("A", 0, "\"x\""), (action.Name, action.TaskId, action.InputJson));
        Assert.Null(result.Outcome);
    }

    [Fact]
    public void Replay_resumes_after_the_last_recorded_result_without_rescheduling()
    {
        HistoryEvent[] past = [Episode(T0), Started("\"x\""), Scheduled(0, "A")];

        var result = ReplayExecutor.Run(Orchestrator("Chain", Registry()), "i1", "Chain", 0, past, [Episode(T0.AddSeconds(1)), Completed(0, "a")]);

        var action = Assert.Single(result.NewActions);
        Assert.Equal(("B", 1, "\"a\""), (action.Name, action.TaskId, action.InputJson));
    }

    [Fact]
    public void Completing_every_task_completes_the_orchestration_with_its_output()
    {
        HistoryEvent[] past = [Episode(T0), Started("\"x\""), Scheduled(0, "A"), Episode(T0), Completed(0, "a"), Scheduled(1, "B")];

        var result = ReplayExecutor.Run(Orchestrator("Chain", Registry()), "i1", "Chain", 0, past, [Episode(T0), Completed(1, "b")]);

        Assert.Empty(result.NewActions);
        Assert.Equal(OutcomeKind.Completed, result.Outcome!.Kind);
        Assert.Equal("\"a+b\"", result.Outcome.OutputJson);
    }

    [Fact]
    public void Code_that_calls_a_different_activity_than_history_fails_naming_both()
    {
        HistoryEvent[] past = [Episode(T0), Started("\"x\""), Scheduled(0, "A"), Episode(T0), Completed(0, "a"), Scheduled(1, "B")];

        var result = ReplayExecutor.Run(Orchestrator("ChainChanged", Registry()), "i1", "ChainChanged", 0, past, [Episode(T0), Completed(1, "b")]);

        Assert.Equal(OutcomeKind.Failed, result.Outcome!.Kind);
        Assert.Equal(nameof(NonDeterministicOrchestrationException), result.Outcome.Failure!.ErrorType);
        Assert.Contains("activity 'B'", result.Outcome.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("activity 'C'", result.Outcome.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void History_with_more_work_than_the_code_does_is_non_deterministic()
    {
        HistoryEvent[] past = [Episode(T0), Started("\"x\""), Scheduled(0, "A"), Scheduled(1, "Extra")];

        var result = ReplayExecutor.Run(Orchestrator("Chain", Registry()), "i1", "Chain", 0, past, [Episode(T0), Completed(0, "a")]);

        Assert.Equal(nameof(NonDeterministicOrchestrationException), result.Outcome!.Failure!.ErrorType);
        Assert.Contains("did not schedule task 1", result.Outcome.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_that_arrives_before_the_wait_is_buffered_and_delivered()
    {
        var raised = new HistoryEvent { Type = HistoryEventType.EventRaised, Name = "approval", Data = "\"yes\"" };
        HistoryEvent[] past = [Episode(T0), raised, Started(), Scheduled(0, "A")];

        var result = ReplayExecutor.Run(Orchestrator("Waiter", Registry()), "i1", "Waiter", 0, past, [Episode(T0), Completed(0, null)]);

        Assert.Equal("\"yes\"", result.Outcome!.OutputJson);
    }

    [Fact]
    public void Events_raised_while_suspended_wait_for_resume()
    {
        var raised = new HistoryEvent { Type = HistoryEventType.EventRaised, Name = "approval", Data = "\"yes\"" };
        HistoryEvent[] past = [Episode(T0), Started(), Scheduled(0, "A"), Episode(T0), new() { Type = HistoryEventType.ExecutionSuspended }, Completed(0, null)];

        var whileSuspended = ReplayExecutor.Run(Orchestrator("Waiter", Registry()), "i1", "Waiter", 0, past, [Episode(T0), raised]);
        var afterResume = ReplayExecutor.Run(Orchestrator("Waiter", Registry()), "i1", "Waiter", 0, [.. past, Episode(T0), raised], [Episode(T0), new() { Type = HistoryEventType.ExecutionResumed }]);

        Assert.Null(whileSuspended.Outcome);
        Assert.Equal("\"yes\"", afterResume.Outcome!.OutputJson);
    }

    [Fact]
    public void Continue_as_new_ends_the_execution_with_the_next_input_and_unconsumed_events()
    {
        var raised = new HistoryEvent { Type = HistoryEventType.EventRaised, Name = "later", Data = "1" };

        var result = ReplayExecutor.Run(Orchestrator("Counter", Registry()), "i1", "Counter", 0, [], [Episode(T0), raised, Started("1")]);

        Assert.Equal(OutcomeKind.ContinuedAsNew, result.Outcome!.Kind);
        Assert.Equal("2", result.Outcome.OutputJson);
        Assert.Equal(new CarriedEvent("later", "1"), Assert.Single(result.Outcome.CarriedEvents));
    }

    [Fact]
    public void Time_and_new_ids_come_from_history_and_repeat_on_replay()
    {
        var at = T0.AddMinutes(5);
        var first = ReplayExecutor.Run(Orchestrator("Clock", Registry()), "i1", "Clock", 0, [], [Episode(at), Started()]);
        var again = ReplayExecutor.Run(Orchestrator("Clock", Registry()), "i1", "Clock", 0, [], [Episode(at), Started()]);
        var other = ReplayExecutor.Run(Orchestrator("Clock", Registry()), "i2", "Clock", 0, [], [Episode(at), Started()]);

        var parts = DurableJson.Deserialize<string>(first.Outcome!.OutputJson)!.Split('|');
        Assert.Equal(at.UtcDateTime.ToString("O"), parts[0]);
        Assert.NotEqual(parts[1], parts[2]);
        Assert.Equal(first.Outcome.OutputJson, again.Outcome!.OutputJson);
        Assert.NotEqual(first.Outcome.OutputJson, other.Outcome!.OutputJson);
    }

    [Fact]
    public void Awaiting_something_the_engine_does_not_drive_fails_with_the_reason_instead_of_hanging()
    {
        var registry = new DurableRegistry().AddOrchestrator<string, string>("Sleeps", async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromMinutes(5));
            return "never";
        });

        var result = ReplayExecutor.Run(registry.FindOrchestrator("Sleeps")!, "i1", "Sleeps", 0, [], [Episode(T0), Started()]);

        Assert.Equal(OutcomeKind.Failed, result.Outcome!.Kind);
        Assert.Equal("NonDurableAwait", result.Outcome.Failure!.ErrorType);
    }

    [Fact]
    public void The_replay_safe_logger_writes_each_line_once_across_replays()
    {
        var lines = new List<string>();
        var sink = new ListLogger(lines);
        var registry = new DurableRegistry().AddOrchestrator<string, string>("Logs", async (context, _) =>
        {
            var log = context.CreateReplaySafeLogger(sink);
            log.LogInformation("scoring");
            var score = await context.CallActivityAsync<string>("Score");
            Scored(log, score, null);
            return score ?? "";
        });
        HistoryEvent[] first = [Episode(T0), Started()];

        ReplayExecutor.Run(registry.FindOrchestrator("Logs")!, "i1", "Logs", 0, [], first);
        ReplayExecutor.Run(registry.FindOrchestrator("Logs")!, "i1", "Logs", 0, [.. first, Scheduled(0, "Score")], [Episode(T0), Completed(0, "A")]);

        Assert.Equal(["scoring", "scored A"], lines);
    }

    private static readonly Action<ILogger, string?, Exception?> Scored = LoggerMessage.Define<string?>(LogLevel.Information, default, "scored {Score}");

    private sealed class ListLogger(List<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add(formatter(state, exception));
    }

    [Fact]
    public void An_orchestrator_exception_fails_the_instance_with_its_message()
    {
        var registry = new DurableRegistry().AddOrchestrator<string, string>("Throws", (_, _) => throw new InvalidOperationException("bad input"));

        var result = ReplayExecutor.Run(registry.FindOrchestrator("Throws")!, "i1", "Throws", 0, [], [Episode(T0), Started()]);

        Assert.Equal(OutcomeKind.Failed, result.Outcome!.Kind);
        Assert.Equal("bad input", result.Outcome.Failure!.Message);
    }

    [Fact]
    public void A_failed_activity_surfaces_as_an_exception_the_code_can_catch()
    {
        var registry = new DurableRegistry().AddOrchestrator<string, string>("Catches", async (context, _) =>
        {
            try
            {
                return await context.CallActivityAsync<string>("A") ?? "";
            }
            catch (ActivityFailedException failed)
            {
                return $"caught {failed.Failure.Message}";
            }
        });
        var failure = new HistoryEvent { Type = HistoryEventType.TaskFailed, TaskId = 0, Failure = new FailureDetails("X", "boom") };

        var result = ReplayExecutor.Run(registry.FindOrchestrator("Catches")!, "i1", "Catches", 0, [Episode(T0), Started(), Scheduled(0, "A")], [Episode(T0), failure]);

        Assert.Equal("\"caught boom\"", result.Outcome!.OutputJson);
    }
}
