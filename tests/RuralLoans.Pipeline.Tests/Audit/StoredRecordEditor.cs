using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;
using RuralLoans.Durable.Core;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>Edits what the pipeline stored, directly in Table storage and Cosmos, the way someone with write access could.</summary>
internal static class StoredRecordEditor
{
    /// <summary>Rewrites the data of the first history event that matches, in the engine's instances table.</summary>
    public static async Task EditHistoryEventAsync(PipelineHarness pipeline, string instanceId, Func<HistoryEvent, bool> which, Action<JsonNode> edit, CancellationToken ct)
    {
        var hub = pipeline.Options.TaskHubName.ToLowerInvariant();
        var table = new TableClient(pipeline.Options.StorageConnectionString, $"{new string(hub.Where(char.IsLetterOrDigit).ToArray())}Instances");
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), cancellationToken: ct))
        {
            if (row.GetString("Events") is not { } json)
            {
                continue;
            }

            var events = JsonSerializer.Deserialize<List<HistoryEvent>>(json, DurableJson.Options)!;
            var index = events.FindIndex(e => which(e));
            if (index < 0)
            {
                continue;
            }

            var data = JsonNode.Parse(events[index].Data!)!;
            edit(data);
            events[index] = events[index] with { Data = data.ToJsonString(DurableJson.Options) };
            row["Events"] = JsonSerializer.Serialize(events, DurableJson.Options);
            await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, ct);
            return;
        }

        Assert.Fail($"No stored history row of {instanceId} holds the event to edit inline.");
    }

    /// <summary>Rewrites one recorded decision document in the Cosmos decisions container.</summary>
    public static async Task EditDecisionAsync(PipelineHarness pipeline, string applicationId, string step, Action<JsonNode> edit, CancellationToken ct)
    {
        var container = pipeline.Options.Cosmos.GetContainer(pipeline.Options.CosmosDatabase, "decisions");
        var id = $"{applicationId}:{step}";
        using var read = await container.ReadItemStreamAsync(id, new PartitionKey(applicationId), cancellationToken: ct);
        Assert.True(read.IsSuccessStatusCode, $"decision {id} cannot be read: {read.StatusCode}");
        var document = (await JsonNode.ParseAsync(read.Content, cancellationToken: ct))!;
        edit(document);
        using var body = new MemoryStream(Encoding.UTF8.GetBytes(document.ToJsonString()));
        using var replaced = await container.ReplaceItemStreamAsync(body, id, new PartitionKey(applicationId), cancellationToken: ct);
        Assert.True(replaced.IsSuccessStatusCode, $"decision {id} cannot be replaced: {replaced.StatusCode}");
    }
}
