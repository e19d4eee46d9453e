namespace RuralLoans.Durable.Core;

/// <summary>Base for failures of durable work observed by orchestrator code.</summary>
public class DurableTaskFailedException : Exception
{
    public DurableTaskFailedException(string message, FailureDetails failure)
        : base(message) => Failure = failure;

    public FailureDetails Failure { get; }
}

/// <summary>An activity failed (after any retries).</summary>
public sealed class ActivityFailedException(string activityName, int taskId, FailureDetails failure)
    : DurableTaskFailedException($"Activity '{activityName}' (task {taskId}) failed: {failure.Message}", failure)
{
    public string ActivityName { get; } = activityName;

    public int TaskId { get; } = taskId;
}

/// <summary>A sub-orchestration ended Failed or Terminated.</summary>
public sealed class SubOrchestrationFailedException(string orchestratorName, string instanceId, FailureDetails failure)
    : DurableTaskFailedException($"Sub-orchestration '{orchestratorName}' ({instanceId}) failed: {failure.Message}", failure)
{
    public string OrchestratorName { get; } = orchestratorName;

    public string InstanceId { get; } = instanceId;
}

/// <summary>Orchestrator code did something different from what its history records.</summary>
public sealed class NonDeterministicOrchestrationException(string message) : Exception(message);

/// <summary>Thrown while starting or running work whose name nobody registered.</summary>
public sealed class UnknownNameException(string message) : Exception(message);
