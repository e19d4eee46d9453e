using System.Net;
using Microsoft.Azure.Cosmos;

namespace RuralLoans.Storage;

/// <summary>
/// Queries that survive a stale partition-range lookup. Before routing a query the SDK looks up the container's
/// partition ranges; right after containers are created that lookup can answer 404 for a container that exists (the SDK
/// reports a stale cache). The query is then asked again a few times before the error is passed on; a container that
/// really is missing fails the same way every time.
/// </summary>
internal static class CosmosQueries
{
    private const int Attempts = 4;

    public static bool IsStalePartitionLookup(CosmosException e) =>
        e.StatusCode == HttpStatusCode.NotFound && e.Message.Contains("GetTargetPartitionKeyRanges", StringComparison.Ordinal);

    public static TimeSpan Pause(int attempt) => TimeSpan.FromMilliseconds(200 * attempt);

    public static bool MayRetry(CosmosException e, int attempt) => attempt < Attempts && IsStalePartitionLookup(e);

    /// <summary>Every result of the query, read again from the start when the first lookup was stale.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(Container container, QueryDefinition query, QueryRequestOptions? options, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var iterator = container.GetItemQueryIterator<T>(query, requestOptions: options);
                var results = new List<T>();
                while (iterator.HasMoreResults)
                {
                    results.AddRange(await iterator.ReadNextAsync(ct));
                }
                return results;
            }
            catch (CosmosException e) when (MayRetry(e, attempt))
            {
                await Task.Delay(Pause(attempt), ct);
            }
        }
    }
}
