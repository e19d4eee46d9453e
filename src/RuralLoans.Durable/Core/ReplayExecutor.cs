using System.Collections.Concurrent;

namespace RuralLoans.Durable.Core;

/// <summary>
/// Re-runs orchestrator code against its history, then feeds it the new events of this episode.
/// Pure: no I/O, no clock; everything the code sees comes from the events.
/// </summary>
internal static class ReplayExecutor
{
    /// <param name="pastEvents">Events of the current execution already committed (replayed silently).</param>
    /// <param name="newEvents">Events of this episode, payloads resolved.</param>
    public static ReplayResult Run(
        Func<OrchestrationContext, Task<string?>> orchestrator,
        string instanceId,
        string name,
        int generation,
        IReadOnlyList<HistoryEvent> pastEvents,
        IReadOnlyList<HistoryEvent> newEvents)
    {
        var started = pastEvents.Concat(newEvents).FirstOrDefault(e => e.Type == HistoryEventType.ExecutionStarted);
        var context = new OrchestrationContext(instanceId, name, generation, started?.Data);
        var pump = new SingleThreadPump();
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(pump);
        try
        {
            var state = new ReplayState(orchestrator, context, pump);
            context.IsReplaying = true;
            foreach (var recorded in pastEvents)
            {
                state.Apply(recorded);
            }

            context.IsReplaying = false;
            foreach (var fresh in newEvents)
            {
                state.Apply(fresh);
            }

            state.FailIfWaitingOnNothingDurable();
            return new ReplayResult(state.Outcome is null ? [.. context.UnmatchedActions] : [], state.Outcome, context.CustomStatusJson);
        }
        catch (NonDeterministicOrchestrationException exception)
        {
            var failure = new FailureDetails(nameof(NonDeterministicOrchestrationException), exception.Message);
            return new ReplayResult([], new OrchestrationOutcome(OutcomeKind.Failed, null, failure, []), context.CustomStatusJson);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    private sealed class ReplayState(Func<OrchestrationContext, Task<string?>> orchestrator, OrchestrationContext context, SingleThreadPump pump)
    {
        private readonly List<HistoryEvent> heldWhileSuspended = [];
        private Task<string?>? running;
        private bool suspended;

        public OrchestrationOutcome? Outcome { get; private set; }

        public void Apply(HistoryEvent recorded)
        {
            if (suspended && IsDelivery(recorded.Type))
            {
                heldWhileSuspended.Add(recorded);
                return;
            }

            switch (recorded.Type)
            {
                case HistoryEventType.OrchestratorStarted:
                    context.CurrentUtcDateTime = recorded.Timestamp.UtcDateTime;
                    break;
                case HistoryEventType.ExecutionStarted:
                    running = StartOrchestrator();
                    break;
                case HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated:
                    context.MatchRecordedAction(recorded);
                    break;
                case HistoryEventType.TaskCompleted or HistoryEventType.TimerFired or HistoryEventType.SubOrchestrationCompleted:
                    context.Complete(recorded.TaskId!.Value, recorded.Data);
                    break;
                case HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed:
                    context.Fail(recorded.TaskId!.Value, recorded.Failure ?? new FailureDetails("Unknown", "No failure details were recorded."));
                    break;
                case HistoryEventType.EventRaised:
                    context.DeliverEvent(recorded.Name ?? "", recorded.Data);
                    break;
                case HistoryEventType.ExecutionSuspended:
                    suspended = true;
                    break;
                case HistoryEventType.ExecutionResumed:
                    suspended = false;
                    var held = heldWhileSuspended.ToList();
                    heldWhileSuspended.Clear();
                    held.ForEach(Apply);
                    break;
                default:
                    break;
            }

            pump.RunPending();
            ObserveCompletion();
        }

        /// <summary>
        /// Code that awaits a task the engine does not drive (Task.Delay, I/O, ConfigureAwait(false)) would stay
        /// Running forever; fail it with the reason instead.
        /// </summary>
        public void FailIfWaitingOnNothingDurable()
        {
            if (Outcome is null && running is { IsCompleted: false } && !suspended && !context.HasDurableWaits)
            {
                Outcome = new OrchestrationOutcome(OutcomeKind.Failed, null, new FailureDetails(
                    "NonDurableAwait",
                    "The orchestrator is awaiting something that is not a durable task (for example Task.Delay, I/O or ConfigureAwait(false)); " +
                    "orchestrator code may only await activities, sub-orchestrations, timers and events from its context."), []);
            }
        }

        private static bool IsDelivery(HistoryEventType type) => type is HistoryEventType.TaskCompleted or HistoryEventType.TaskFailed
            or HistoryEventType.TimerFired or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.SubOrchestrationFailed
            or HistoryEventType.EventRaised;

        private Task<string?> StartOrchestrator()
        {
            try
            {
                return orchestrator(context);
            }
            catch (Exception exception) when (exception is not NonDeterministicOrchestrationException)
            {
                return Task.FromException<string?>(exception);
            }
        }

        private void ObserveCompletion()
        {
            if (Outcome is not null || running is not { IsCompleted: true } finished)
            {
                return;
            }

            if (finished.IsCompletedSuccessfully)
            {
                Outcome = context.ContinueAsNewRequest is { } next
                    ? new OrchestrationOutcome(OutcomeKind.ContinuedAsNew, next.InputJson, null, next.PreserveEvents ? context.TakeUnconsumedEvents() : [])
                    : new OrchestrationOutcome(OutcomeKind.Completed, finished.Result, null, []);
                return;
            }

            var exception = finished.Exception?.InnerException ?? new TaskCanceledException("The orchestrator was cancelled.");
            if (exception is NonDeterministicOrchestrationException nonDeterministic)
            {
                throw nonDeterministic;
            }

            Outcome = new OrchestrationOutcome(OutcomeKind.Failed, null, FailureDetails.FromException(exception), []);
        }
    }

    /// <summary>Runs orchestrator continuations on the replaying thread, in order, so replay is deterministic.</summary>
    private sealed class SingleThreadPump : SynchronizationContext
    {
        private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> work = new();

        public override void Post(SendOrPostCallback d, object? state) => work.Enqueue((d, state));

        public override void Send(SendOrPostCallback d, object? state) => d(state);

        public override SynchronizationContext CreateCopy() => this;

        public void RunPending()
        {
            while (work.TryDequeue(out var item))
            {
                item.Callback(item.State);
            }
        }
    }
}
