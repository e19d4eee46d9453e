using System.Net;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.Disbursements;

namespace RuralLoans.Storage.Ledger;

/// <summary>
/// The double-entry ledger in Cosmos DB, one document per transfer (partition key <c>/transferId</c>, which for a
/// payout is the disbursement key). Posting is a create: the same transfer posted again is a harmless retry, a
/// different one under the same id is refused. Nothing is ever updated or deleted; corrections are reversals (a return of
/// a payout is its own transfer, <c>{key}/return</c>, linked to the booking it mirrors).
/// </summary>
public sealed class LedgerStore(Container container)
{
    private sealed record TransferDocument(string Id, string TransferId, LedgerTransfer Transfer);

    public async Task PostAsync(LedgerTransfer transfer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        if (!transfer.Balances)
        {
            throw new LedgerConflictException($"Transfer {transfer.TransferId} does not balance: debits {transfer.Debits}, credits {transfer.Credits}.");
        }
        try
        {
            await container.CreateItemAsync(new TransferDocument(DocumentId(transfer.TransferId), transfer.TransferId, transfer), new PartitionKey(transfer.TransferId), cancellationToken: ct);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = await FindAsync(transfer.TransferId, ct);
            if (existing is null || !existing.SameBookingAs(transfer))
            {
                throw new LedgerConflictException($"Transfer {transfer.TransferId} is already booked with different entries.");
            }
        }
    }

    public async Task<LedgerTransfer?> FindAsync(string transferId, CancellationToken ct)
    {
        try
        {
            return (await container.ReadItemAsync<TransferDocument>(DocumentId(transferId), new PartitionKey(transferId), cancellationToken: ct)).Resource.Transfer;
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<LedgerTransfer> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var iterator = container.GetItemQueryIterator<TransferDocument>(new QueryDefinition("SELECT * FROM c"));
        while (iterator.HasMoreResults)
        {
            foreach (var document in await iterator.ReadNextAsync(ct))
            {
                yield return document.Transfer;
            }
        }
    }

    /// <summary>What is booked for a payout key: the payout, its funding and their returns, as far as they exist.</summary>
    public async Task<IReadOnlyList<LedgerTransfer>> FindPayoutAsync(string payoutKey, CancellationToken ct)
    {
        var found = new List<LedgerTransfer>();
        foreach (var id in DisbursementPostings.TransferIdsOf(payoutKey))
        {
            if (await FindAsync(id, ct) is { } transfer)
            {
                found.Add(transfer);
            }
        }
        return found;
    }

    /// <summary>Transfer ids contain '/', which Cosmos ids may not.</summary>
    private static string DocumentId(string transferId) => transferId.Replace('/', '|');
}
