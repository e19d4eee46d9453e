using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>
/// Changes what the pipeline stored, directly in the task hub's History table and in Cosmos, the way someone with
/// write access to the storage account or the database could.
/// </summary>
internal static class StoredRecordEditor
{
    public static TableClient HistoryTable(PipelineHarness pipeline) => new(pipeline.Options.StorageConnectionString!, pipeline.Options.TaskHubName + "History");

    /// <summary>The History table row of the application that <paramref name="which"/> picks, as the table holds it.</summary>
    public static async Task<TableEntity> FindRowAsync(PipelineHarness pipeline, string applicationId, Func<TableEntity, bool> which, CancellationToken ct)
    {
        await foreach (var row in HistoryTable(pipeline).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {applicationId}"), cancellationToken: ct))
        {
            if (which(row))
            {
                return row;
            }
        }
        Assert.Fail($"No History table row of {applicationId} is the one to change.");
        return null!;
    }

    public static Func<TableEntity, bool> Event(string eventType, string? name = null) =>
        row => row.GetString("EventType") == eventType && (name is null || row.GetString("Name") == name);

    /// <summary>Rewrites a JSON property (Input, Result) of one History table row; returns the row as "PartitionKey/RowKey".</summary>
    public static async Task<string> EditHistoryRowAsync(PipelineHarness pipeline, string applicationId, Func<TableEntity, bool> which, string property, Action<JsonNode> edit,
        CancellationToken ct)
    {
        var row = await FindRowAsync(pipeline, applicationId, which, ct);
        var json = row.GetString(property);
        Assert.False(string.IsNullOrEmpty(json), $"row {row.PartitionKey}/{row.RowKey} holds no {property} to edit");
        var node = JsonNode.Parse(json)!;
        edit(node);
        row[property] = node.ToJsonString();
        await HistoryTable(pipeline).UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, ct);
        return $"{row.PartitionKey}/{row.RowKey}";
    }

    public static async Task<string> DeleteHistoryRowAsync(PipelineHarness pipeline, string applicationId, Func<TableEntity, bool> which, CancellationToken ct)
    {
        var row = await FindRowAsync(pipeline, applicationId, which, ct);
        await HistoryTable(pipeline).DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct);
        return $"{row.PartitionKey}/{row.RowKey}";
    }

    private static Container Decisions(PipelineHarness pipeline) => pipeline.Options.Cosmos.GetContainer(pipeline.Options.CosmosDatabase, "decisions");

    /// <summary>Rewrites one recorded decision document in the Cosmos decisions container.</summary>
    public static async Task EditDecisionAsync(PipelineHarness pipeline, string applicationId, string step, Action<JsonNode> edit, CancellationToken ct)
    {
        var id = $"{applicationId}:{step}";
        using var read = await Decisions(pipeline).ReadItemStreamAsync(id, new PartitionKey(applicationId), cancellationToken: ct);
        Assert.True(read.IsSuccessStatusCode, $"decision {id} cannot be read: {read.StatusCode}");
        var document = (await JsonNode.ParseAsync(read.Content, cancellationToken: ct))!;
        edit(document);
        using var body = new MemoryStream(Encoding.UTF8.GetBytes(document.ToJsonString()));
        using var replaced = await Decisions(pipeline).ReplaceItemStreamAsync(body, id, new PartitionKey(applicationId), cancellationToken: ct);
        Assert.True(replaced.IsSuccessStatusCode, $"decision {id} cannot be replaced: {replaced.StatusCode}");
    }

    public static async Task DeleteDecisionAsync(PipelineHarness pipeline, string applicationId, string step, CancellationToken ct)
    {
        using var deleted = await Decisions(pipeline).DeleteItemStreamAsync($"{applicationId}:{step}", new PartitionKey(applicationId), cancellationToken: ct);
        Assert.True(deleted.IsSuccessStatusCode, $"decision {applicationId}:{step} cannot be deleted: {deleted.StatusCode}");
    }
}
