using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using RuralLoans.TaskHub;

namespace RuralLoans.Pipeline.Audit;

/// <summary>One activity call today's orchestrator code made while being replayed: its name and its input as the engine would store it.</summary>
public sealed record ReplayedCall(string Name, string? InputJson);

/// <summary>
/// Wraps an orchestrator so a replay records the activity inputs it passes. The task hub's History table keeps no
/// activity inputs (the Azure Storage provider leaves them out of TaskScheduled rows) and the engine does not compare
/// them on replay, so the inputs are derived from the recorded past by the code itself and then held against the
/// journal, which hashed what each activity was actually given.
/// </summary>
public sealed class ReplayedCalls(ITaskOrchestrator inner) : ITaskOrchestrator
{
    private readonly List<ReplayedCall> calls = [];

    /// <summary>The calls in the order the code made them.</summary>
    public IReadOnlyList<ReplayedCall> Calls => calls;

    public Type InputType => inner.InputType;

    public Type OutputType => inner.OutputType;

    public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) => inner.RunAsync(new Recording(context, calls), input);

    private sealed class Recording(TaskOrchestrationContext inner, List<ReplayedCall> calls) : TaskOrchestrationContext
    {
        public override TaskName Name => inner.Name;

        public override string InstanceId => inner.InstanceId;

        public override ParentOrchestrationInstance? Parent => inner.Parent;

        public override DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

        public override bool IsReplaying => inner.IsReplaying;

        public override string Version => inner.Version;

        public override IReadOnlyDictionary<string, object?> Properties => inner.Properties;

        public override TaskOrchestrationEntityFeature Entities => inner.Entities;

        public override ILoggerFactory ReplaySafeLoggerFactory => inner.ReplaySafeLoggerFactory;

        protected override ILoggerFactory LoggerFactory => inner.ReplaySafeLoggerFactory;

        public override T GetInput<T>() => inner.GetInput<T>()!;

        public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
        {
            calls.Add(new ReplayedCall(name.Name, input is null ? null : TaskHubJson.Converter.Serialize(input)));
            return inner.CallActivityAsync<TResult>(name, input, options);
        }

        public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => inner.CreateTimer(fireAt, cancellationToken);

        public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
            inner.WaitForExternalEvent<T>(eventName, cancellationToken);

        public override void SendEvent(string instanceId, string eventName, object payload) => inner.SendEvent(instanceId, eventName, payload);

        public override void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

        public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
            inner.CallSubOrchestratorAsync<TResult>(orchestratorName, input, options);

        public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

        public override Guid NewGuid() => inner.NewGuid();
    }
}
