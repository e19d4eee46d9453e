using DurableTask.Core;
using DurableTask.Core.Command;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging.Abstractions;

namespace RuralLoans.TaskHub;

/// <summary>What replaying today's orchestrator code over a recorded history found.</summary>
/// <param name="Deterministic">True when the code made exactly the recorded decisions.</param>
/// <param name="Divergence">The first difference, in words, when it did not.</param>
public sealed record ReplayResult(bool Deterministic, int EventsReplayed, string? Divergence);

/// <summary>
/// Replays an orchestrator over a recorded history with the engine's own executor, with no storage and no side effects:
/// a renamed, reordered, added or removed activity or timer is reported as the first point where the code and the
/// record part ways. The engine does not compare activity inputs on replay; the audit does that separately.
/// </summary>
public static class OfflineReplay
{
    public static ReplayResult Run(string orchestratorName, ITaskOrchestrator orchestrator, IList<HistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0 || history.OfType<ExecutionStartedEvent>().FirstOrDefault() is null)
        {
            return new ReplayResult(false, 0, "the history has no ExecutionStarted event");
        }

        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { DataConverter = TaskHubJson.Converter }, NullLoggerFactory.Instance);
        var orchestration = shims.CreateOrchestration(new TaskName(orchestratorName), orchestrator, parent: null);
        var state = new OrchestrationRuntimeState(history);
        var executor = new TaskOrchestrationExecutor(state, orchestration, BehaviorOnContinueAsNew.Carryover, ErrorPropagationMode.UseFailureDetails);
        OrchestratorExecutionResult result;
        try
        {
            result = executor.Execute();
        }
        catch (NonDeterministicOrchestrationException e)
        {
            return new ReplayResult(false, history.Count, e.Message);
        }

        var recordedEnd = history.OfType<ExecutionCompletedEvent>().LastOrDefault();
        var terminated = history.OfType<ExecutionTerminatedEvent>().Any();
        foreach (var action in result.Actions)
        {
            switch (action)
            {
                case OrchestrationCompleteOrchestratorAction complete when recordedEnd is not null:
                    if (complete.OrchestrationStatus != recordedEnd.OrchestrationStatus || !string.Equals(complete.Result, recordedEnd.Result, StringComparison.Ordinal))
                    {
                        return new ReplayResult(false, history.Count,
                            $"the code now ends {complete.OrchestrationStatus} with {Shorten(complete.Result)}; the history ended {recordedEnd.OrchestrationStatus} with {Shorten(recordedEnd.Result)}");
                    }
                    break;
                case OrchestrationCompleteOrchestratorAction complete when !terminated:
                    return new ReplayResult(false, history.Count, $"the code now ends {complete.OrchestrationStatus} where the history is still running");
                case OrchestrationCompleteOrchestratorAction:
                    break;
                case ScheduleTaskOrchestratorAction schedule when recordedEnd is not null || terminated:
                    return new ReplayResult(false, history.Count, $"the code now calls activity {schedule.Name} after the recorded end");
                case CreateTimerOrchestratorAction when recordedEnd is not null || terminated:
                    return new ReplayResult(false, history.Count, "the code now starts a timer after the recorded end");
                case ScheduleTaskOrchestratorAction schedule:
                    // A running instance's next decision is only new if the history has not already scheduled it.
                    if (!history.OfType<TaskScheduledEvent>().Any(e => e.EventId == schedule.Id))
                    {
                        return new ReplayResult(false, history.Count, $"the code now calls activity {schedule.Name} (task {schedule.Id}) that the history never scheduled");
                    }
                    break;
                default:
                    break;
            }
        }
        return new ReplayResult(true, history.Count, null);
    }

    private static string Shorten(string? text) => text is null ? "nothing" : text.Length <= 120 ? text : text[..120] + "…";
}
