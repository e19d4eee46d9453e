using System.Net;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Storage.Quotas;

/// <summary>
/// Each borrower's open applications and loans in Cosmos DB, one document per borrower in the quotas container (its
/// partition key value is <c>borrower-{key}</c>, apart from every lender id). The key is the keyed hash of the resident
/// ID, so the document names no one. Every change is read → pure change → replace guarded by the ETag read, retried on a
/// lost race, exactly like a lender's quota, so two applications of one borrower decided at once are judged one after
/// the other.
/// </summary>
public sealed class BorrowerExposureStore(Container container)
{
    public const string Kind = "borrower-exposure";

    /// <summary>The stored shape; <c>pending</c> is kept as a field so the reservation sweep can query for it.</summary>
    private sealed record BorrowerDocument(string Id, string LenderId, string Kind, int Pending, BorrowerExposure Exposure);

    public static string DocumentId(string borrowerKey) => "borrower-" + borrowerKey;

    public async Task<BorrowerExposure> GetAsync(string borrowerKey, CancellationToken ct) =>
        (await ReadOrSeedAsync(borrowerKey, ct)).Document.Exposure;

    public async Task<BorrowerChange> ChangeAsync(string borrowerKey, Func<BorrowerExposure, BorrowerChange> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            var (document, etag) = await ReadOrSeedAsync(borrowerKey, ct);
            var result = change(document.Exposure);
            if (result.Status != BorrowerChangeStatus.Applied)
            {
                return result;
            }
            try
            {
                await container.ReplaceItemAsync(document with { Exposure = result.Exposure, Pending = result.Exposure.Pending }, document.Id, new PartitionKey(document.LenderId),
                    new ItemRequestOptions { IfMatchEtag = etag }, ct);
                return result;
            }
            catch (CosmosException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                // Another application of this borrower changed the document since we read it: decide again on it.
            }
        }
    }

    /// <summary>Borrowers with holds not yet paid out: what the reservation sweep must look at.</summary>
    public async IAsyncEnumerable<BorrowerExposure> WithPendingHoldsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND c.pending > 0").WithParameter("@kind", Kind);
        using var feed = container.GetItemQueryIterator<BorrowerDocument>(query);
        while (feed.HasMoreResults)
        {
            foreach (var document in await feed.ReadNextAsync(ct))
            {
                yield return document.Exposure;
            }
        }
    }

    private async Task<(BorrowerDocument Document, string ETag)> ReadOrSeedAsync(string borrowerKey, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(borrowerKey);
        var id = DocumentId(borrowerKey);
        try
        {
            var read = await container.ReadItemAsync<BorrowerDocument>(id, new PartitionKey(id), cancellationToken: ct);
            return (read.Resource, read.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
        var seed = new BorrowerDocument(id, id, Kind, 0, new BorrowerExposure { BorrowerKey = borrowerKey });
        try
        {
            var created = await container.CreateItemAsync(seed, new PartitionKey(id), cancellationToken: ct);
            return (created.Resource, created.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            var read = await container.ReadItemAsync<BorrowerDocument>(id, new PartitionKey(id), cancellationToken: ct);
            return (read.Resource, read.ETag);
        }
    }
}
