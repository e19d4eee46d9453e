using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace RuralLoans.Storage.Decisions;

/// <summary>One recorded decision: the step that made it, its input and its output, as auditors replay them.</summary>
public sealed record DecisionRecord(string Id, string ApplicationId, string Step, JsonElement Input, JsonElement Output, DateTimeOffset RecordedAt, string Kind = "decision");

/// <summary>
/// The decisions of each application in Cosmos DB (partition key <c>/applicationId</c>: an auditor reads one
/// application's decisions in one partition). A step's decision is written once: a retried step finds the first
/// record and returns it, so what is stored always equals what the orchestration's history saw.
/// </summary>
public sealed class DecisionLog(Container container, TimeProvider clock)
{
    public Task<TOutput> RecordOnceAsync<TInput, TOutput>(string applicationId, string step, TInput input, Func<TOutput> decide, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(decide);
        return RecordOnceAsync(applicationId, step, input, () => Task.FromResult(decide()), ct);
    }

    /// <summary>Returns the recorded output of this step, or runs <paramref name="decide"/> once and records it.</summary>
    public async Task<TOutput> RecordOnceAsync<TInput, TOutput>(string applicationId, string step, TInput input, Func<Task<TOutput>> decide, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(decide);
        var id = RecordId(applicationId, step);
        var existing = await FindAsync(applicationId, step, ct);
        if (existing is not null)
        {
            return existing.Output.Deserialize<TOutput>(CosmosClients.JsonOptions)!;
        }

        var output = await decide();
        var record = new DecisionRecord(id, applicationId, step,
            JsonSerializer.SerializeToElement(input, CosmosClients.JsonOptions),
            JsonSerializer.SerializeToElement(output, CosmosClients.JsonOptions),
            clock.GetUtcNow());
        try
        {
            await container.CreateItemAsync(record, new PartitionKey(applicationId), cancellationToken: ct);
            return output;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            // A concurrent duplicate of this step recorded first; its decision is the one that stands.
            var winner = await FindAsync(applicationId, step, ct) ?? throw new InvalidOperationException($"Decision {id} conflicted but cannot be read.");
            return winner.Output.Deserialize<TOutput>(CosmosClients.JsonOptions)!;
        }
    }

    public async Task<DecisionRecord?> FindAsync(string applicationId, string step, CancellationToken ct)
    {
        try
        {
            return (await container.ReadItemAsync<DecisionRecord>(RecordId(applicationId, step), new PartitionKey(applicationId), cancellationToken: ct)).Resource;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<DecisionRecord>> ListAsync(string applicationId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.applicationId = @id ORDER BY c.recordedAt").WithParameter("@id", applicationId);
        using var iterator = container.GetItemQueryIterator<DecisionRecord>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(applicationId) });
        var records = new List<DecisionRecord>();
        while (iterator.HasMoreResults)
        {
            records.AddRange(await iterator.ReadNextAsync(ct));
        }
        return records;
    }

    /// <summary>Steps that run more than once per application (validation after each correction) put a round in the step name.</summary>
    private static string RecordId(string applicationId, string step) => $"{applicationId}:{step}";
}
