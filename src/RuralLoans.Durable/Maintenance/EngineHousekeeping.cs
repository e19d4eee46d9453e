using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Durable.Maintenance;

/// <summary>What one housekeeping pass should do.</summary>
public sealed record HousekeepingPolicy
{
    /// <summary>
    /// How long an instance may look stuck before its missing message is sent again. Longer than any normal hand-off
    /// (a poll, a retry delay) so a healthy instance is never touched; a duplicate would be recognised anyway.
    /// </summary>
    public TimeSpan StallGrace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Finished instances created longer ago than this are purged; null keeps every history.</summary>
    public TimeSpan? HistoryRetention { get; init; }

    /// <summary>Instances examined per pass and per check, so one pass stays short however large the hub.</summary>
    public int MaxInstancesPerCheck { get; init; } = 500;
}

/// <summary>What a housekeeping pass found and did.</summary>
public sealed record HousekeepingReport(int StartsResent, int TimersRefired, int InstancesPurged)
{
    public override string ToString() => $"{StartsResent} start(s) re-sent, {TimersRefired} overdue timer(s) fired again, {InstancesPurged} finished instance(s) purged";
}

/// <summary>
/// Repairs what at-least-once delivery alone cannot: a start whose message was never sent (the client stopped between
/// writing the instance and sending), and a timer whose message is gone past its due time. Every message it sends
/// carries the id the engine would have used, so if the original turns up after all, one of them is ignored as a
/// duplicate. Then it purges finished histories past the retention period. Safe to run on many hosts at once.
/// </summary>
public sealed partial class EngineHousekeeping
{
    private readonly EngineStorage storage;
    private readonly EngineOptions options;
    private readonly InstanceStore instances;
    private readonly MessageSender sender;
    private readonly DurableClient client;
    private readonly ILogger logger;

    public EngineHousekeeping(EngineStorage storage, ILogger<EngineHousekeeping>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        this.storage = storage;
        options = storage.Options;
        var payloads = new PayloadStore(storage);
        instances = new InstanceStore(storage, payloads);
        sender = new MessageSender(storage, payloads, null);
        client = new DurableClient(storage);
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<HousekeepingReport> RunAsync(HousekeepingPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var now = options.TimeProvider.GetUtcNow();
        var stalledBefore = now - policy.StallGrace;
        var starts = await ResendLostStartsAsync(stalledBefore, policy.MaxInstancesPerCheck, cancellationToken).ConfigureAwait(false);
        var timers = await RefireOverdueTimersAsync(stalledBefore, policy.MaxInstancesPerCheck, cancellationToken).ConfigureAwait(false);
        var purged = policy.HistoryRetention is { } retention
            ? await client.PurgeAsync(now - retention, [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated], cancellationToken).ConfigureAwait(false)
            : 0;
        var report = new HousekeepingReport(starts, timers, purged);
        LogPass(logger, storage.Instances.Name, report);
        return report;
    }

    private async Task<int> ResendLostStartsAsync(DateTimeOffset stalledBefore, int limit, CancellationToken cancellationToken)
    {
        var resent = 0;
        foreach (var record in await ReadStatesAsync(OrchestrationRuntimeStatus.Pending, stalledBefore, limit, cancellationToken).ConfigureAwait(false))
        {
            if (record.EventCount > 0)
            {
                continue;
            }

            await sender.SendControlAsync(new EngineMessage
            {
                Id = $"{record.InstanceId}/0/start",
                Kind = MessageKind.ExecutionStarted,
                InstanceId = record.InstanceId,
                Name = record.Name,
                Data = record.Input.Inline,
                DataBlob = record.Input.BlobName,
                TraceParent = record.TraceParent,
            }, cancellationToken).ConfigureAwait(false);
            LogResentStart(logger, record.InstanceId);
            resent++;
        }

        return resent;
    }

    private async Task<int> RefireOverdueTimersAsync(DateTimeOffset stalledBefore, int limit, CancellationToken cancellationToken)
    {
        var refired = 0;
        foreach (var record in await ReadStatesAsync(OrchestrationRuntimeStatus.Running, stalledBefore, limit, cancellationToken).ConfigureAwait(false))
        {
            var snapshot = await instances.LoadAsync(record.InstanceId, cancellationToken).ConfigureAwait(false);
            if (snapshot is null || snapshot.Record.Status != OrchestrationRuntimeStatus.Running)
            {
                continue;
            }

            var overdue = snapshot.CurrentExecutionEvents.Where(e =>
                e.Type == HistoryEventType.TimerCreated && e.FireAt is { } due && due <= stalledBefore
                && snapshot.EpisodeThatApplied($"fired:{e.Generation}:{e.TaskId}") is null);
            foreach (var timer in overdue)
            {
                await sender.SendControlAsync(new EngineMessage
                {
                    Id = $"{record.InstanceId}/{timer.Generation}/{timer.TaskId}/timer",
                    Kind = MessageKind.TimerFired,
                    InstanceId = record.InstanceId,
                    Generation = timer.Generation,
                    TaskId = timer.TaskId,
                    FireAt = timer.FireAt,
                }, cancellationToken).ConfigureAwait(false);
                LogRefiredTimer(logger, record.InstanceId, timer.TaskId, timer.FireAt);
                refired++;
            }
        }

        return refired;
    }

    private async Task<IReadOnlyList<InstanceRecord>> ReadStatesAsync(OrchestrationRuntimeStatus status, DateTimeOffset untouchedSince, int limit, CancellationToken cancellationToken)
    {
        var filter = new StringBuilder(TableClient.CreateQueryFilter($"RowKey eq {InstanceStore.StateRowKey}"))
            .Append(" and ").Append(TableClient.CreateQueryFilter($"Status eq {status.ToString()}"))
            .Append(" and ").Append(TableClient.CreateQueryFilter($"LastUpdatedAt lt {untouchedSince}"))
            .ToString();
        var found = new List<InstanceRecord>();
        string? continuation = null;
        do
        {
            var page = await instances.ReadPageAsync(filter, Math.Min(limit, 1000), continuation, next => continuation = next, cancellationToken).ConfigureAwait(false);
            found.AddRange(page);
        }
        while (continuation is not null && found.Count < limit);
        return found.Count > limit ? found[..limit] : found;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping of {Table}: {Report}")]
    private static partial void LogPass(ILogger logger, string table, HousekeepingReport report);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId} was written but never started; its start message was sent again")]
    private static partial void LogResentStart(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {TaskId} of instance {InstanceId} was due at {FireAt} and never fired; it was fired again")]
    private static partial void LogRefiredTimer(ILogger logger, string instanceId, int? taskId, DateTimeOffset? fireAt);
}
