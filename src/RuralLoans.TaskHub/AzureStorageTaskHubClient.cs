using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;
using PurgeResult = Microsoft.DurableTask.Client.PurgeResult;
using RuntimeStatus = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus;

namespace RuralLoans.TaskHub;

/// <summary>
/// The Durable Task client the API and the CLI use, speaking directly to the Azure Storage provider's client
/// interfaces — what Durable Functions' own client does in Azure. Sharing the worker's provider instance in one process
/// wakes its queue poller at once, so a start does not wait for the next poll.
/// </summary>
public sealed class AzureStorageTaskHubClient(AzureStorageOrchestrationService service, string hubName) : DurableTaskClient(hubName)
{
    private static readonly OrchestrationStatus[] ActiveStatuses = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];

    private readonly DataConverter _converter = TaskHubJson.Converter;

    /// <summary>The provider underneath, for history reads and maintenance.</summary>
    public AzureStorageOrchestrationService Service { get; } = service;

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var instance = new OrchestrationInstance
        {
            InstanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var serializedInput = input is RawInput raw ? raw.Json : _converter.Serialize(input);
        var started = new ExecutionStartedEvent(-1, serializedInput)
        {
            Name = orchestratorName.Name,
            Version = options?.Version?.ToString() ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
            Tags = options?.Tags?.ToDictionary(tag => tag.Key, tag => tag.Value, StringComparer.Ordinal),
        };
        var dedupe = options?.DedupeStatuses is { Count: > 0 } statuses
            ? statuses.Select(status => Enum.Parse<OrchestrationStatus>(status.ToString(), ignoreCase: true)).ToArray()
            : ActiveStatuses;
        // The provider's own check only covers some states on some paths; asking first makes the rule hold for every state.
        var existing = await GetInstancesAsync(instance.InstanceId, getInputsAndOutputs: false, cancellation).ConfigureAwait(false);
        if (existing is not null && dedupe.Contains((OrchestrationStatus)existing.RuntimeStatus))
        {
            throw new OrchestrationAlreadyExistsException($"An orchestration with id '{instance.InstanceId}' already exists ({existing.RuntimeStatus}).");
        }
        await Service.CreateTaskOrchestrationAsync(new TaskMessage { Event = started, OrchestrationInstance = instance }, dedupe).ConfigureAwait(false);
        return instance.InstanceId;
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return Service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new EventRaisedEvent(-1, _converter.Serialize(eventPayload)) { Name = eventName },
        });
    }

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Service.ForceTerminateTaskOrchestrationAsync(instanceId, _converter.Serialize(options?.Output));

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionSuspendedEvent(-1, reason),
        });

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionResumedEvent(-1, reason),
        });

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var states = await Service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: getInputsAndOutputs).ConfigureAwait(false);
        // The provider answers [null] for an id it has never seen.
        var state = states?.FirstOrDefault(s => s is not null);
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(Microsoft.DurableTask.Client.OrchestrationQuery? filter = null) =>
        Pageable.Create<OrchestrationMetadata>(async (continuation, pageSize, cancellation) =>
        {
            var query = new CoreQuery
            {
                RuntimeStatus = filter?.Statuses?.Select(status => (OrchestrationStatus)status).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                PageSize = pageSize ?? filter?.PageSize ?? 100,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            var result = await Service.GetOrchestrationWithQueryAsync(query, cancellation).ConfigureAwait(false);
            var page = result.OrchestrationState.Select(state => ToMetadata(state, query.FetchInputsAndOutputs)).ToList();
            return new Page<OrchestrationMetadata>(page, string.IsNullOrEmpty(result.ContinuationToken) ? null : result.ContinuationToken);
        });

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false);
            if (metadata is not null && metadata.RuntimeStatus != RuntimeStatus.Pending)
            {
                return metadata;
            }
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 1000));
        }
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false);
            if (metadata is { IsCompleted: true })
            {
                return metadata;
            }
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 1000));
        }
    }

    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        var result = await ((IOrchestrationServicePurgeClient)Service).PurgeInstanceStateAsync(instanceId).ConfigureAwait(false);
        return new PurgeResult(result.DeletedInstanceCount);
    }

    public override async Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var statuses = filter.Statuses?.Select(status => (OrchestrationStatus)status).ToList();
        var result = await ((IOrchestrationServicePurgeClient)Service).PurgeInstanceStateAsync(new PurgeInstanceFilter(filter.CreatedFrom?.UtcDateTime ?? DateTime.MinValue, filter.CreatedTo?.UtcDateTime, statuses)).ConfigureAwait(false);
        return new PurgeResult(result.DeletedInstanceCount);
    }

    /// <summary>Starts a finished instance again from its recorded input, under the same id unless asked otherwise.</summary>
    public override async Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs: true, cancellation).ConfigureAwait(false)
            ?? throw new ArgumentException($"There is no orchestration instance '{instanceId}'.", nameof(instanceId));
        if (!metadata.IsCompleted)
        {
            throw new InvalidOperationException($"Instance '{instanceId}' is {metadata.RuntimeStatus}; only a finished instance can be restarted.");
        }
        var input = metadata.SerializedInput is null ? null : new RawInput(metadata.SerializedInput);
        return await ScheduleNewOrchestrationInstanceAsync(metadata.Name, input,
            new StartOrchestrationOptions(restartWithNewInstanceId ? null : instanceId), cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a failed instance on from where it failed: the failed activity is scheduled again, and everything it had
    /// done and received before (results, people's answers) stays in its history.
    /// </summary>
    public override Task RewindInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Service.RewindTaskOrchestrationAsync(instanceId, reason ?? "rewound by an operator");

    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default) =>
        await TaskHubHistory.ReadTypedAsync(Service, instanceId).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>True when the exception says an instance with that id already exists.</summary>
    public static bool IsAlreadyExists(Exception exception) => exception is OrchestrationAlreadyExistsException;

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withPayloads) => new(state.Name, state.OrchestrationInstance.InstanceId)
    {
        RuntimeStatus = (RuntimeStatus)state.OrchestrationStatus,
        CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
        LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
        SerializedInput = withPayloads ? state.Input : null,
        SerializedOutput = withPayloads ? state.Output : null,
        SerializedCustomStatus = state.Status,
        FailureDetails = ToTaskFailure(state.FailureDetails),
        Tags = state.Tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(state.Tags),
        DataConverter = _converter,
    };

    private static TaskFailureDetails? ToTaskFailure(FailureDetails? details) => details is null ? null
        : new TaskFailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace, ToTaskFailure(details.InnerFailure), details.Properties);

    /// <summary>An input that is already serialised, passed through unchanged on restart.</summary>
    private sealed record RawInput(string Json);
}
