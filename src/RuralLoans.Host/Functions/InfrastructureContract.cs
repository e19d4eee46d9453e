using System.Text.Json.Nodes;
using RuralLoans.Durable.Storage;
using RuralLoans.Pipeline;

namespace RuralLoans.Host.Functions;

/// <summary>
/// The storage and database names the code uses, as one JSON document that infra/main.bicep loads
/// (<c>loadJsonContent('app-contract.json')</c>), so the templates create exactly what the code reads. A test keeps the
/// committed infra/app-contract.json equal to this.
/// </summary>
public static class InfrastructureContract
{
    public const string FileName = "app-contract.json";

    public static JsonObject Build(string taskHubName, string cosmosDatabase, IEnumerable<string> microfinancePartnerIds)
    {
        var names = EngineStorage.NamesFor(taskHubName);
        var blobDrops = BackgroundFunctions.Declare(taskHubName, microfinancePartnerIds)
            .Where(f => f.Trigger is BlobTrigger)
            .Select(f => new JsonObject { ["function"] = f.Name, ["container"] = ((BlobTrigger)f.Trigger).Container })
            .ToList();
        return new JsonObject
        {
            ["taskHubName"] = taskHubName,
            ["queues"] = Strings(names.ControlQueue, names.ControlPoisonQueue, names.WorkItemQueue, names.WorkItemPoisonQueue),
            ["tables"] = Strings(names.InstancesTable),
            ["blobContainers"] = Strings([PipelineRuntime.DocumentsContainer, names.PayloadsContainer, .. blobDrops.Select(d => (string)d["container"]!)]),
            ["blobDropFunctions"] = new JsonArray([.. blobDrops]),
            ["cosmosDatabase"] = cosmosDatabase,
            // No TTL anywhere: applications, decisions and the ledger are the audit trail and never expire on their own.
            ["cosmosContainers"] = new JsonArray([.. PipelineRuntime.CosmosContainers
                .OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => new JsonObject { ["name"] = c.Key, ["partitionKey"] = c.Value })]),
        };
    }

    private static JsonArray Strings(params string[] values) => new([.. values.Order(StringComparer.Ordinal).Select(v => JsonValue.Create(v))]);
}
