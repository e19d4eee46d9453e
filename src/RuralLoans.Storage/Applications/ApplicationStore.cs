using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Cosmos;

namespace RuralLoans.Storage.Applications;

/// <summary>Criteria for listing applications; null means any.</summary>
public sealed record ApplicationFilter(string? PartnerId = null, string? VillagePartnerId = null, string? ProductCode = null);

/// <summary>
/// Applications in Cosmos DB with the de-duplication rules of intake: identical bytes from one partner map to one
/// deterministic application id, and an idempotency key is a marker document pointing at the application it created.
/// Every write is a create that either succeeds or finds what an earlier attempt wrote, so a retried or concurrent
/// submission converges on one application instead of making a second loan.
/// </summary>
public sealed class ApplicationStore(Container container)
{
    private sealed record KeyMarker(string Id, string PartnerId, string ApplicationId, string Kind = "idempotency-key");

    /// <summary>The id intake gives the application made from these bytes by this partner.</summary>
    public static string ApplicationIdFor(string partnerId, string documentSha256)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{partnerId}\n{documentSha256}"));
        return $"{partnerId}-{Convert.ToHexStringLower(digest)[..20]}";
    }

    public async Task<ApplicationRecord?> GetAsync(string applicationId, CancellationToken ct)
    {
        try
        {
            var response = await container.ReadItemAsync<ApplicationRecord>(applicationId, new PartitionKey(ApplicationRecord.PartnerOf(applicationId)), cancellationToken: ct);
            return response.Resource with { ETag = response.ETag };
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The application an idempotency key already created, if any.</summary>
    public async Task<string?> FindByIdempotencyKeyAsync(string partnerId, string idempotencyKey, CancellationToken ct)
    {
        try
        {
            var marker = await container.ReadItemAsync<KeyMarker>(KeyMarkerId(partnerId, idempotencyKey), new PartitionKey(partnerId), cancellationToken: ct);
            return marker.Resource.ApplicationId;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Points the key at the application; returns the application the key points at (an earlier one wins).</summary>
    public async Task<string> ClaimIdempotencyKeyAsync(string partnerId, string idempotencyKey, string applicationId, CancellationToken ct)
    {
        try
        {
            await container.CreateItemAsync(new KeyMarker(KeyMarkerId(partnerId, idempotencyKey), partnerId, applicationId), new PartitionKey(partnerId), cancellationToken: ct);
            return applicationId;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            return await FindByIdempotencyKeyAsync(partnerId, idempotencyKey, ct)
                ?? throw new InvalidOperationException($"Idempotency key marker for {partnerId} vanished while being read.");
        }
    }

    /// <summary>Creates the application, or returns the one already stored under its id.</summary>
    public async Task<(ApplicationRecord Record, bool Created)> CreateIfAbsentAsync(ApplicationRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            var response = await container.CreateItemAsync(record, new PartitionKey(record.PartnerId), cancellationToken: ct);
            return (response.Resource with { ETag = response.ETag }, true);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = await GetAsync(record.Id, ct) ?? throw new InvalidOperationException($"Application {record.Id} conflicted but cannot be read.");
            return (existing, false);
        }
    }

    /// <summary>Replaces the record only if nobody changed it since it was read; false when someone did.</summary>
    public async Task<bool> TryReplaceAsync(ApplicationRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await container.ReplaceItemAsync(record, record.Id, new PartitionKey(record.PartnerId), new ItemRequestOptions { IfMatchEtag = record.ETag }, ct);
            return true;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    /// <summary>Reads, changes and writes back the record, starting over whenever someone else wrote in between.</summary>
    public async Task<ApplicationRecord> UpdateAsync(string applicationId, Func<ApplicationRecord, ApplicationRecord> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            var current = await GetAsync(applicationId, ct) ?? throw new InvalidOperationException($"Application {applicationId} does not exist.");
            var changed = change(current) with { ETag = current.ETag };
            if (await TryReplaceAsync(changed, ct))
            {
                return changed;
            }
        }
    }

    /// <summary>Principal already disbursed to the applicant with this ID hash, across all partners.</summary>
    public async Task<decimal> DisbursedToApplicantAsync(string applicantIdHash, string exceptApplicationId, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT c.id, c.disbursedAmountYuan FROM c WHERE c.kind = 'application' AND c.applicantIdHash = @hash")
            .WithParameter("@hash", applicantIdHash);
        using var iterator = container.GetItemQueryIterator<DisbursedRow>(query);
        var total = 0m;
        while (iterator.HasMoreResults)
        {
            foreach (var row in await iterator.ReadNextAsync(ct))
            {
                total += row.Id == exceptApplicationId ? 0 : row.DisbursedAmountYuan ?? 0;
            }
        }
        return total;
    }

    private sealed record DisbursedRow(string Id, decimal? DisbursedAmountYuan);

    /// <summary>A partner's applications, newest first, a page at a time.</summary>
    public async Task<(IReadOnlyList<ApplicationRecord> Items, string? ContinuationToken)> ListByPartnerAsync(string partnerId, int pageSize, string? continuationToken, CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.partnerId = @partner AND c.kind = 'application' ORDER BY c.submittedAt DESC")
            .WithParameter("@partner", partnerId);
        using var iterator = container.GetItemQueryIterator<ApplicationRecord>(query, continuationToken,
            new QueryRequestOptions { PartitionKey = new PartitionKey(partnerId), MaxItemCount = pageSize });
        if (!iterator.HasMoreResults)
        {
            return ([], null);
        }
        var page = await iterator.ReadNextAsync(ct);
        return (page.Resource.ToList(), page.ContinuationToken);
    }

    /// <summary>
    /// Applications matching every given criterion, newest first, a page at a time. With a partner the query stays in
    /// that partner's partition; without one it fans out over all partitions (auditors, operators, village partners).
    /// </summary>
    public async Task<(IReadOnlyList<ApplicationRecord> Items, string? ContinuationToken)> QueryAsync(ApplicationFilter filter, int pageSize, string? continuationToken, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new StringBuilder("SELECT * FROM c WHERE c.kind = 'application'");
        var parameters = new List<(string, string)>();
        void Add(string clause, string name, string? value)
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(clause);
                parameters.Add((name, value));
            }
        }
        Add("c.partnerId = @partner", "@partner", filter.PartnerId);
        Add("c.villagePartnerId = @villagePartner", "@villagePartner", filter.VillagePartnerId);
        Add("c.productCode = @product", "@product", filter.ProductCode);
        sql.Append(" ORDER BY c.submittedAt DESC");
        var query = new QueryDefinition(sql.ToString());
        foreach (var (name, value) in parameters)
        {
            query = query.WithParameter(name, value);
        }
        var options = new QueryRequestOptions { MaxItemCount = pageSize };
        if (filter.PartnerId is { } partner)
        {
            options.PartitionKey = new PartitionKey(partner);
        }
        using var iterator = container.GetItemQueryIterator<ApplicationRecord>(query, continuationToken, options);
        if (!iterator.HasMoreResults)
        {
            return ([], null);
        }
        var page = await iterator.ReadNextAsync(ct);
        return (page.Resource.ToList(), page.ContinuationToken);
    }

    private static string KeyMarkerId(string partnerId, string idempotencyKey)
    {
        // Keys are caller-chosen text; hashing keeps the id within Cosmos's allowed characters and length.
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32];
        return $"{partnerId}-key-{digest}";
    }
}
