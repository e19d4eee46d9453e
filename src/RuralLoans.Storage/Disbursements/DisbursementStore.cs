using System.Net;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.Disbursements;

namespace RuralLoans.Storage.Disbursements;

/// <summary>A payout's state as stored, with the ETag it was read at.</summary>
public sealed record StoredDisbursement(Disbursement Disbursement, string ETag);

/// <summary>
/// Payout state machines in Cosmos DB (partition key <c>/applicationId</c>). Every transition is one conditional
/// replace on the ETag read, so of two hosts claiming the same payout only one wins the write.
/// </summary>
public sealed class DisbursementStore(Container container)
{
    private sealed record DisbursementDocument(
        string Id, string ApplicationId, int Tranche, decimal AmountYuan, DisbursementState State, int Attempts,
        string? RailReference, string? FailureReason, IReadOnlyList<DisbursementTransition> History,
        string? ReturnReason = null, IReadOnlyList<PayoutShare>? Shares = null);

    public async Task<StoredDisbursement> GetOrApproveAsync(DisbursementKey key, decimal amountYuan, CancellationToken ct) =>
        await GetOrApproveAsync(key, amountYuan, [], ct);

    /// <summary>The payout under the key, approved with the lenders' shares when it is new.</summary>
    public async Task<StoredDisbursement> GetOrApproveAsync(DisbursementKey key, decimal amountYuan, IReadOnlyList<PayoutShare> shares, CancellationToken ct)
    {
        var existing = await FindAsync(key, ct);
        if (existing is not null)
        {
            return existing;
        }
        try
        {
            var created = await container.CreateItemAsync(ToDocument(Disbursement.Approve(key, amountYuan, shares)), new PartitionKey(key.ApplicationId), cancellationToken: ct);
            return new StoredDisbursement(FromDocument(created.Resource), created.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            return await FindAsync(key, ct) ?? throw new InvalidOperationException($"Disbursement {key} conflicted but cannot be read.");
        }
    }

    public async Task<StoredDisbursement?> FindAsync(DisbursementKey key, CancellationToken ct)
    {
        try
        {
            var read = await container.ReadItemAsync<DisbursementDocument>(DocumentId(key), new PartitionKey(key.ApplicationId), cancellationToken: ct);
            return new StoredDisbursement(FromDocument(read.Resource), read.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Writes the next state if nobody wrote since <paramref name="current"/> was read; null when someone did.</summary>
    public async Task<StoredDisbursement?> TryTransitionAsync(StoredDisbursement current, Disbursement next, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            var replaced = await container.ReplaceItemAsync(ToDocument(next), DocumentId(next.Key), new PartitionKey(next.Key.ApplicationId),
                new ItemRequestOptions { IfMatchEtag = current.ETag }, ct);
            return new StoredDisbursement(next, replaced.ETag);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return null;
        }
    }

    private static string DocumentId(DisbursementKey key) => key.Value.Replace('/', '|');

    private static DisbursementDocument ToDocument(Disbursement d) =>
        new(DocumentId(d.Key), d.Key.ApplicationId, d.Key.Tranche, d.AmountYuan, d.State, d.Attempts, d.RailReference, d.FailureReason, d.History, d.ReturnReason, d.Shares);

    private static Disbursement FromDocument(DisbursementDocument d) => new()
    {
        Key = new DisbursementKey(d.ApplicationId, d.Tranche),
        AmountYuan = d.AmountYuan,
        State = d.State,
        Attempts = d.Attempts,
        RailReference = d.RailReference,
        FailureReason = d.FailureReason,
        History = d.History,
        ReturnReason = d.ReturnReason,
        Shares = d.Shares ?? [],
    };
}
