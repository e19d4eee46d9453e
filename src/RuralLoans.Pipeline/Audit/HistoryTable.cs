using Azure;
using Azure.Data.Tables;
using DurableTask.Core.History;
using RuralLoans.TaskHub;

namespace RuralLoans.Pipeline.Audit;

/// <summary>Where one history event is stored: its row in the task hub's History table.</summary>
public sealed record HistoryRow(string Table, string PartitionKey, string RowKey, string? EventType)
{
    public override string ToString() => $"{Table} row {PartitionKey}/{RowKey}";
}

/// <summary>
/// The task hub's <c>{hub}History</c> table as Azure Table storage holds it, read only for the row keys: the engine's
/// client gives the events without them, and an auditor must be told which row to look at.
/// </summary>
public sealed class HistoryTable(StorageAccount account, string hubName)
{
    public string Name { get; } = hubName + "History";

    /// <summary>
    /// The rows of the instance's current execution in the order the engine reads them, one per event of
    /// <paramref name="history"/>; null where a row cannot be told (the events and rows do not line up).
    /// </summary>
    public async Task<IReadOnlyList<HistoryRow?>> RowsOfAsync(string instanceId, IList<HistoryEvent> history, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(history);
        var executionId = history.OfType<ExecutionStartedEvent>().FirstOrDefault()?.OrchestrationInstance?.ExecutionId;
        var table = account.CreateTableClient(Name, new TableClientOptions());
        var rows = new List<HistoryRow>();
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"),
                select: ["PartitionKey", "RowKey", "EventType", "ExecutionId"], cancellationToken: ct))
            {
                var execution = entity.GetString("ExecutionId");
                if (entity.RowKey == "sentinel" || (executionId is not null && execution is not null && execution != executionId))
                {
                    continue;
                }
                rows.Add(new HistoryRow(Name, entity.PartitionKey, entity.RowKey, entity.GetString("EventType")));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [.. history.Select(_ => (HistoryRow?)null)];
        }
        rows.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        var aligned = new HistoryRow?[history.Count];
        if (rows.Count == history.Count)
        {
            for (var i = 0; i < history.Count; i++)
            {
                aligned[i] = rows[i].EventType is null || rows[i].EventType == history[i].EventType.ToString() ? rows[i] : null;
            }
        }
        return aligned;
    }
}
