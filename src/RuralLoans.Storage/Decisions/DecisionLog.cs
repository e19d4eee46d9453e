using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using RuralLoans.Storage.Journal;

namespace RuralLoans.Storage.Decisions;

/// <summary>
/// One recorded decision: the step that made it, its input and its output, as auditors replay them. <see cref="Shadow"/>
/// is what a step computed beside its decision without acting on it (the challenger model's score), stored in the
/// same document so it is written, hashed and journaled together with the decision.
/// </summary>
public sealed record DecisionRecord(string Id, string ApplicationId, string Step, JsonElement Input, JsonElement Output, DateTimeOffset RecordedAt, string Kind = "decision",
    JsonElement? Shadow = null);

/// <summary>A decision as Cosmos holds it: the record, the stored document, and the document's hash as the audit journal keeps it.</summary>
public sealed record StoredDecision(DecisionRecord Record, JsonObject Document, string Hash);

/// <summary>
/// The decisions of each application in Cosmos DB (partition key <c>/applicationId</c>: an auditor reads one
/// application's decisions in one partition). A step's decision is written once: a retried step finds the first
/// record and returns it, so what is stored always equals what the orchestration's history saw. Each stored decision
/// goes into the audit journal with the hash of the document as written, so a later edit in Cosmos is caught.
/// </summary>
public sealed class DecisionLog(Container container, TimeProvider clock, AuditJournal? journal = null)
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
        return (await RecordOnceAsync<TInput, TOutput, object>(applicationId, step, input, async () => (await decide(), null), ct)).Output;
    }

    /// <summary>
    /// Like <see cref="RecordOnceAsync{TInput, TOutput}(string, string, TInput, Func{Task{TOutput}}, CancellationToken)"/>,
    /// with a shadow result recorded beside the output (null: none). A retried step gets the recorded pair back.
    /// </summary>
    public async Task<(TOutput Output, TShadow? Shadow)> RecordOnceAsync<TInput, TOutput, TShadow>(string applicationId, string step, TInput input,
        Func<Task<(TOutput Output, TShadow? Shadow)>> decide, CancellationToken ct)
        where TShadow : class
    {
        ArgumentNullException.ThrowIfNull(decide);
        var id = RecordId(applicationId, step);
        if (await ReadStoredAsync(applicationId, id, ct) is { } existing)
        {
            // Journaled again in case the step stopped between storing and journaling; the journal keeps the first hash.
            await JournalAsync(existing, ct);
            return Recorded<TOutput, TShadow>(existing.Record);
        }

        var (output, shadow) = await decide();
        var record = new DecisionRecord(id, applicationId, step,
            JsonSerializer.SerializeToElement(input, CosmosClients.JsonOptions),
            JsonSerializer.SerializeToElement(output, CosmosClients.JsonOptions),
            clock.GetUtcNow(),
            Shadow: shadow is null ? null : JsonSerializer.SerializeToElement(shadow, CosmosClients.JsonOptions));
        // Written as a stream so the journal hashes exactly the document sent.
        var body = JsonSerializer.SerializeToUtf8Bytes(record, CosmosClients.JsonOptions);
        using (var content = new MemoryStream(body))
        using (var created = await container.CreateItemStreamAsync(content, new PartitionKey(applicationId), cancellationToken: ct))
        {
            if (created.StatusCode == HttpStatusCode.Conflict)
            {
                // A concurrent duplicate of this step recorded first; its decision is the one that stands.
                var winner = await ReadStoredAsync(applicationId, id, ct) ?? throw new InvalidOperationException($"Decision {id} conflicted but cannot be read.");
                await JournalAsync(winner, ct);
                return Recorded<TOutput, TShadow>(winner.Record);
            }
            created.EnsureSuccessStatusCode();
        }
        var document = JsonNode.Parse(body)!.AsObject();
        await JournalAsync(new StoredDecision(record, document, HashOf(document)), ct);
        return (output, shadow);
    }

    private static (TOutput Output, TShadow? Shadow) Recorded<TOutput, TShadow>(DecisionRecord record)
        where TShadow : class =>
        (record.Output.Deserialize<TOutput>(CosmosClients.JsonOptions)!,
            record.Shadow is { ValueKind: not JsonValueKind.Null } shadow ? shadow.Deserialize<TShadow>(CosmosClients.JsonOptions) : null);

    /// <summary>Every decision of an application as stored, with its hash, for the audit and exports.</summary>
    public async Task<IReadOnlyList<StoredDecision>> ListStoredAsync(string applicationId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.applicationId = @id").WithParameter("@id", applicationId);
        using var iterator = container.GetItemQueryStreamIterator(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(applicationId) });
        var stored = new List<StoredDecision>();
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(ct);
            page.EnsureSuccessStatusCode();
            var documents = (await JsonNode.ParseAsync(page.Content, cancellationToken: ct))?["Documents"]?.AsArray() ?? [];
            foreach (var document in documents.OfType<JsonObject>())
            {
                stored.Add(ToStored(document));
            }
        }
        return [.. stored.OrderBy(d => d.Record.RecordedAt).ThenBy(d => d.Record.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The hash of a stored decision document. Cosmos adds its own members (<c>_etag</c>, <c>_ts</c>, …) and rewrites
    /// numbers; both are left out of what is hashed, everything the pipeline wrote is in it.
    /// </summary>
    public static string HashOf(JsonObject document) => CanonicalJson.Hash(document, name => name.StartsWith('_'));

    private async Task<StoredDecision?> ReadStoredAsync(string applicationId, string id, CancellationToken ct)
    {
        using var response = await container.ReadItemStreamAsync(id, new PartitionKey(applicationId), cancellationToken: ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return ToStored((await JsonNode.ParseAsync(response.Content, cancellationToken: ct))!.AsObject());
    }

    private static StoredDecision ToStored(JsonObject document) =>
        new(document.Deserialize<DecisionRecord>(CosmosClients.JsonOptions) ?? throw new JsonException("A stored decision is empty."), document, HashOf(document));

    private Task JournalAsync(StoredDecision stored, CancellationToken ct) =>
        journal is null ? Task.CompletedTask : journal.RecordAsync(stored.Record.ApplicationId, JournalFact.Decision(stored.Record.Id, stored.Hash), ct);

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
