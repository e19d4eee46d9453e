using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace RuralLoans.Durable.Core;

/// <summary>
/// The orchestrator's view of its instance. Orchestrator code must be deterministic: it may only await
/// tasks produced by this context and must read time and new ids from it.
/// </summary>
public sealed class OrchestrationContext
{
    private readonly Dictionary<int, OrchestratorAction> unmatchedActions = [];
    private readonly Dictionary<int, OpenTask> openTasks = [];
    private readonly Dictionary<string, Queue<string?>> bufferedEvents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskCompletionSource<string?>>> eventWaiters = new(StringComparer.Ordinal);
    private readonly List<string> bufferedEventOrder = [];
    private int nextTaskId;
    private int newGuidCounter;

    internal OrchestrationContext(string instanceId, string name, int generation, string? inputJson)
    {
        InstanceId = instanceId;
        Name = name;
        Generation = generation;
        InputJson = inputJson;
    }

    public string InstanceId { get; }

    public string Name { get; }

    /// <summary>Execution number within the instance; ContinueAsNew increments it.</summary>
    public int Generation { get; }

    public string? InputJson { get; }

    /// <summary>The time the current episode started; the same value on every replay.</summary>
    public DateTime CurrentUtcDateTime { get; internal set; }

    /// <summary>True while the code re-runs past episodes; side effects such as logging should be skipped then.</summary>
    public bool IsReplaying { get; internal set; }

    internal string? CustomStatusJson { get; private set; }

    internal (string? InputJson, bool PreserveEvents)? ContinueAsNewRequest { get; private set; }

    internal IEnumerable<OrchestratorAction> UnmatchedActions => unmatchedActions.Values.OrderBy(action => action.TaskId);

    /// <summary>Whether anything durable (a task, a timer, an event) could still resume the code.</summary>
    internal bool HasDurableWaits => openTasks.Count > 0 || eventWaiters.Values.Any(waiters => waiters.Count > 0);

    public T? GetInput<T>() => DurableJson.Deserialize<T>(InputJson);

    public async Task<T?> CallActivityAsync<T>(string name, object? input = null, RetryOptions? retry = null)
    {
        var inputJson = DurableJson.Serialize(input);
        var result = await WithRetry(retry, _ => Schedule(ActionKind.ScheduleActivity, name, inputJson, null, null));
        return DurableJson.Deserialize<T>(result);
    }

    public Task CallActivityAsync(string name, object? input = null, RetryOptions? retry = null) =>
        CallActivityAsync<object>(name, input, retry);

    /// <param name="instanceId">
    /// Child instance id; derived from this instance and the task id when null. An instance id never runs
    /// twice, so retries of a child with a chosen id run as "{id}:retry{n}".
    /// </param>
    public async Task<T?> CallSubOrchestratorAsync<T>(string name, object? input = null, string? instanceId = null, RetryOptions? retry = null)
    {
        var inputJson = DurableJson.Serialize(input);
        var result = await WithRetry(retry, attempt =>
        {
            var childId = instanceId is null ? $"{InstanceId}:{Generation}:{nextTaskId}" : attempt == 1 ? instanceId : $"{instanceId}:retry{attempt}";
            return Schedule(ActionKind.StartSubOrchestration, name, inputJson, null, childId);
        });
        return DurableJson.Deserialize<T>(result);
    }

    public Task CreateTimer(DateTime fireAtUtc, CancellationToken cancellationToken = default)
    {
        var fireAt = new DateTimeOffset(DateTime.SpecifyKind(fireAtUtc, DateTimeKind.Utc));
        var timer = Schedule(ActionKind.CreateTimer, null, null, fireAt, null);
        if (!cancellationToken.CanBeCanceled)
        {
            return timer;
        }

        var cancellable = new TaskCompletionSource();
        cancellationToken.Register(() => cancellable.TrySetCanceled(cancellationToken));
        timer.ContinueWith(_ => cancellable.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return cancellable.Task;
    }

    /// <summary>Waits for an event raised to this instance; an event raised earlier is buffered and returned at once.</summary>
    /// <exception cref="TimeoutException">No event arrived within <paramref name="timeout"/> (measured by a durable timer).</exception>
    public async Task<T?> WaitForExternalEvent<T>(string name, TimeSpan? timeout = null)
    {
        if (bufferedEvents.TryGetValue(name, out var buffered) && buffered.Count > 0)
        {
            bufferedEventOrder.Remove(name);
            return DurableJson.Deserialize<T>(buffered.Dequeue());
        }

        var waiter = new TaskCompletionSource<string?>();
        if (!eventWaiters.TryGetValue(name, out var waiters))
        {
            eventWaiters[name] = waiters = [];
        }

        waiters.Add(waiter);
        if (timeout is not { } limit)
        {
            return DurableJson.Deserialize<T>(await waiter.Task);
        }

        using var timerCancellation = new CancellationTokenSource();
        var timer = CreateTimer(CurrentUtcDateTime + limit, timerCancellation.Token);
        var first = await Task.WhenAny(waiter.Task, timer);
        if (first == timer)
        {
            waiters.Remove(waiter);
            throw new TimeoutException($"Event '{name}' did not arrive within {limit}.");
        }

        // Synchronous on purpose: CancelAsync finishes on a pool thread, after the replay pump has stopped, and the
        // orchestrator would never resume.
        timerCancellation.Cancel();
        return DurableJson.Deserialize<T>(await waiter.Task);
    }

    /// <summary>A new id that is the same on every replay.</summary>
    public Guid NewGuid()
    {
        var seed = Encoding.UTF8.GetBytes($"{InstanceId}\n{Generation}\n{newGuidCounter++}");
        var bytes = SHA256.HashData(seed).AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    public void SetCustomStatus(object? status) => CustomStatusJson = DurableJson.Serialize(status);

    /// <summary>Ends this execution when the orchestrator returns and starts a fresh one with <paramref name="newInput"/>.</summary>
    public void ContinueAsNew(object? newInput, bool preserveUnprocessedEvents = true) =>
        ContinueAsNewRequest = (DurableJson.Serialize(newInput), preserveUnprocessedEvents);

    /// <summary>A logger that stays silent while past episodes are replayed.</summary>
    public ILogger CreateReplaySafeLogger(ILogger logger) => new ReplaySafeLogger(this, logger);

    internal IReadOnlyList<CarriedEvent> TakeUnconsumedEvents()
    {
        var carried = new List<CarriedEvent>();
        foreach (var name in bufferedEventOrder)
        {
            carried.Add(new CarriedEvent(name, bufferedEvents[name].Dequeue()));
        }

        return carried;
    }

    internal void MatchRecordedAction(HistoryEvent recorded)
    {
        var taskId = recorded.TaskId ?? throw new NonDeterministicOrchestrationException($"History event {recorded.Sequence} ({recorded.Type}) has no task id.");
        if (!unmatchedActions.Remove(taskId, out var action))
        {
            throw new NonDeterministicOrchestrationException(
                $"History says task {taskId} was {DescribeRecorded(recorded)}, but the orchestrator code did not schedule task {taskId} (it has scheduled {nextTaskId} task(s)).");
        }

        if (action.RecordedAs != recorded.Type || !string.Equals(action.Name, recorded.Name, StringComparison.Ordinal))
        {
            throw new NonDeterministicOrchestrationException(
                $"History says task {taskId} was {DescribeRecorded(recorded)}, but the orchestrator code tried to {action.Describe()}.");
        }
    }

    internal void Complete(int taskId, string? resultJson)
    {
        if (openTasks.Remove(taskId, out var open))
        {
            open.Completion.TrySetResult(resultJson);
        }
    }

    internal void Fail(int taskId, FailureDetails failure)
    {
        if (!openTasks.Remove(taskId, out var open))
        {
            return;
        }

        Exception exception = open.Kind == ActionKind.StartSubOrchestration
            ? new SubOrchestrationFailedException(open.Name ?? "", open.ChildInstanceId ?? "", failure)
            : new ActivityFailedException(open.Name ?? "", taskId, failure);
        open.Completion.TrySetException(exception);
    }

    internal void DeliverEvent(string name, string? data)
    {
        if (eventWaiters.TryGetValue(name, out var waiters) && waiters.Count > 0)
        {
            var waiter = waiters[0];
            waiters.RemoveAt(0);
            waiter.TrySetResult(data);
            return;
        }

        if (!bufferedEvents.TryGetValue(name, out var queue))
        {
            bufferedEvents[name] = queue = new Queue<string?>();
        }

        queue.Enqueue(data);
        bufferedEventOrder.Add(name);
    }

    private static string DescribeRecorded(HistoryEvent recorded) => recorded.Type switch
    {
        HistoryEventType.TaskScheduled => $"a call to activity '{recorded.Name}'",
        HistoryEventType.TimerCreated => "a timer",
        HistoryEventType.SubOrchestrationCreated => $"a start of sub-orchestration '{recorded.Name}'",
        _ => recorded.Type.ToString(),
    };

    private Task<string?> Schedule(ActionKind kind, string? name, string? inputJson, DateTimeOffset? fireAt, string? childInstanceId)
    {
        var taskId = nextTaskId++;
        unmatchedActions.Add(taskId, new OrchestratorAction(kind, taskId, name, inputJson, fireAt, childInstanceId));
        var completion = new TaskCompletionSource<string?>();
        openTasks.Add(taskId, new OpenTask(kind, name, childInstanceId, completion));
        return completion.Task;
    }

    private async Task<string?> WithRetry(RetryOptions? retry, Func<int, Task<string?>> attempt)
    {
        for (var attemptNumber = 1; ; attemptNumber++)
        {
            try
            {
                return await attempt(attemptNumber);
            }
            catch (DurableTaskFailedException exception)
                when (retry is not null && attemptNumber < retry.MaxAttempts && (retry.Handle?.Invoke(exception.Failure) ?? true))
            {
                // Falls through to a durable backoff timer; the next attempt is a new task in history.
            }

            await CreateTimer(CurrentUtcDateTime + retry!.DelayBeforeAttempt(attemptNumber + 1));
        }
    }

    private sealed record OpenTask(ActionKind Kind, string? Name, string? ChildInstanceId, TaskCompletionSource<string?> Completion);

    private sealed class ReplaySafeLogger(OrchestrationContext context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
