using System.Net;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Storage.Quotas;

/// <summary>
/// Lenders' co-lending quotas in Cosmos DB, one document per lender (partition key <c>/lenderId</c>). Every change is
/// read → pure change → replace guarded by the ETag read, retried on a lost race, so concurrent approvals can never
/// reserve more than a lender has.
/// The document stays small however many loans a lender funds: the domain folds paid-out and released reservations
/// (see <see cref="QuotaReservations"/>), so it holds only loans in flight and a bounded window of settled ids.
/// </summary>
public sealed class QuotaStore(Container container)
{
    private sealed record QuotaDocument(string Id, string LenderId, QuotaSnapshot Snapshot);

    public async Task<QuotaSnapshot> GetAsync(string lenderId, decimal initialQuotaYuan, CancellationToken ct) =>
        (await ReadOrSeedAsync(lenderId, initialQuotaYuan, ct)).Document.Snapshot;

    public async Task<QuotaChange> ChangeAsync(string lenderId, decimal initialQuotaYuan, Func<QuotaSnapshot, QuotaChange> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            var (document, etag) = await ReadOrSeedAsync(lenderId, initialQuotaYuan, ct);
            var result = change(document.Snapshot);
            if (result.Status != QuotaChangeStatus.Applied)
            {
                return result;
            }
            try
            {
                await container.ReplaceItemAsync(document with { Snapshot = result.Snapshot }, document.Id, new PartitionKey(lenderId),
                    new ItemRequestOptions { IfMatchEtag = etag }, ct);
                return result;
            }
            catch (CosmosException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                // Someone else changed the quota since we read it: decide again on the new figures.
            }
        }
    }

    private async Task<(QuotaDocument Document, string ETag)> ReadOrSeedAsync(string lenderId, decimal initialQuotaYuan, CancellationToken ct)
    {
        try
        {
            var read = await container.ReadItemAsync<QuotaDocument>(lenderId, new PartitionKey(lenderId), cancellationToken: ct);
            return (read.Resource, read.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
        var seed = new QuotaDocument(lenderId, lenderId, new QuotaSnapshot { LenderId = lenderId, TotalQuotaYuan = initialQuotaYuan });
        try
        {
            var created = await container.CreateItemAsync(seed, new PartitionKey(lenderId), cancellationToken: ct);
            return (created.Resource, created.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            var read = await container.ReadItemAsync<QuotaDocument>(lenderId, new PartitionKey(lenderId), cancellationToken: ct);
            return (read.Resource, read.ETag);
        }
    }
}
