using System.Net;
using Microsoft.Azure.Cosmos;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>
/// The Cosmos DB behaviours the product relies on. Each runs against the local server and, when
/// COSMOS_CONTRACT_CONNECTION is set, against real Cosmos DB too, so the two cannot silently drift apart.
/// </summary>
public sealed class CosmosContractTests(DevServicesFixture services)
{
    [Theory]
    [InlineData(CosmosTarget.Local)]
    [InlineData(CosmosTarget.Real)]
    public async Task Created_items_read_back_and_missing_or_deleted_items_are_404(CosmosTarget target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var contract = await CosmosContractContainer.CreateAsync(target, services);
        var container = contract.Container;
        var created = await container.CreateItemAsync(new LoanItem("loan-1", "village-a", 30_000.50m), new PartitionKey("village-a"), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var read = await container.ReadItemAsync<LoanItem>("loan-1", new PartitionKey("village-a"), cancellationToken: ct);
        Assert.Equal(new LoanItem("loan-1", "village-a", 30_000.50m), read.Resource);
        Assert.Equal(created.ETag, read.ETag);

        var missing = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<LoanItem>("no-such-loan", new PartitionKey("village-a"), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var wrongPartition = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<LoanItem>("loan-1", new PartitionKey("village-b"), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, wrongPartition.StatusCode);

        await container.DeleteItemAsync<LoanItem>("loan-1", new PartitionKey("village-a"), cancellationToken: ct);
        var deleted = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<LoanItem>("loan-1", new PartitionKey("village-a"), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
    }

    [Theory]
    [InlineData(CosmosTarget.Local)]
    [InlineData(CosmosTarget.Real)]
    public async Task Replace_with_a_stale_etag_is_rejected_with_412(CosmosTarget target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var contract = await CosmosContractContainer.CreateAsync(target, services);
        var container = contract.Container;
        var original = await container.CreateItemAsync(new LoanItem("loan-2", "village-a", 10_000m), new PartitionKey("village-a"), cancellationToken: ct);
        await container.ReplaceItemAsync(original.Resource with { Amount = 12_000m }, "loan-2", new PartitionKey("village-a"),
            new ItemRequestOptions { IfMatchEtag = original.ETag }, ct);

        var stale = await Assert.ThrowsAsync<CosmosException>(() => container.ReplaceItemAsync(
            original.Resource with { Amount = 99_000m }, "loan-2", new PartitionKey("village-a"),
            new ItemRequestOptions { IfMatchEtag = original.ETag }, ct));

        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(12_000m, (await container.ReadItemAsync<LoanItem>("loan-2", new PartitionKey("village-a"), cancellationToken: ct)).Resource.Amount);
    }

    [Theory]
    [InlineData(CosmosTarget.Local)]
    [InlineData(CosmosTarget.Real)]
    public async Task Cross_partition_queries_honour_order_by_top_and_aggregates(CosmosTarget target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var contract = await CosmosContractContainer.CreateAsync(target, services);
        var container = contract.Container;
        decimal[] amounts = [5_000m, 80_000m, 12_500m, 47_000m, 3_200m, 61_000m];
        for (var i = 0; i < amounts.Length; i++)
        {
            var village = $"village-{i % 3}";
            await container.CreateItemAsync(new LoanItem($"loan-{i}", village, amounts[i]), new PartitionKey(village), cancellationToken: ct);
        }

        var ordered = await QueryAsync<LoanItem>(container, new QueryDefinition("SELECT * FROM c ORDER BY c.amount DESC"), ct);
        Assert.Equal(amounts.OrderDescending(), ordered.Select(item => item.Amount));

        var top = await QueryAsync<LoanItem>(container, new QueryDefinition("SELECT TOP 2 * FROM c ORDER BY c.amount ASC"), ct);
        Assert.Equal([3_200m, 5_000m], top.Select(item => item.Amount));

        var count = await QueryAsync<int>(container, new QueryDefinition("SELECT VALUE COUNT(1) FROM c WHERE c.amount > @floor").WithParameter("@floor", 10_000m), ct);
        Assert.Equal(4, Assert.Single(count));

        var onePartition = await QueryAsync<LoanItem>(container, new QueryDefinition("SELECT * FROM c"), ct, new QueryRequestOptions { PartitionKey = new PartitionKey("village-1") });
        Assert.Equal(["loan-1", "loan-4"], onePartition.Select(item => item.Id).Order());
    }

    [Theory]
    [InlineData(CosmosTarget.Local)]
    [InlineData(CosmosTarget.Real)]
    public async Task Change_feed_pages_through_every_write_in_order_then_picks_up_later_writes(CosmosTarget target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var contract = await CosmosContractContainer.CreateAsync(target, services);
        var container = contract.Container;
        for (var i = 0; i < 10; i++)
        {
            await container.CreateItemAsync(new LoanItem($"loan-{i}", $"village-{i % 4}", i), new PartitionKey($"village-{i % 4}"), cancellationToken: ct);
        }

        await container.UpsertItemAsync(new LoanItem("loan-3", "village-3", 333m), new PartitionKey("village-3"), cancellationToken: ct);
        var feed = container.GetChangeFeedIterator<LoanItem>(ChangeFeedStartFrom.Beginning(), ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = 3 });

        var pages = await DrainAsync(feed, ct);
        Assert.True(pages.Count >= 4, $"expected at least 4 pages of at most 3, got {pages.Count}");
        Assert.All(pages, page => Assert.InRange(page.Count, 1, 3));
        var seen = pages.SelectMany(page => page).ToList();
        Assert.Equal(["loan-0", "loan-1", "loan-2", "loan-4", "loan-5", "loan-6", "loan-7", "loan-8", "loan-9", "loan-3"], seen.Select(item => item.Id));
        Assert.Equal(333m, seen[^1].Amount);

        await container.CreateItemAsync(new LoanItem("loan-10", "village-2", 10m), new PartitionKey("village-2"), cancellationToken: ct);
        await container.CreateItemAsync(new LoanItem("loan-11", "village-1", 11m), new PartitionKey("village-1"), cancellationToken: ct);
        var later = (await DrainAsync(feed, ct)).SelectMany(page => page);
        Assert.Equal(["loan-10", "loan-11"], later.Select(item => item.Id));
    }

    [Theory]
    [InlineData(CosmosTarget.Local)]
    [InlineData(CosmosTarget.Real)]
    public async Task Change_feed_from_now_or_for_one_partition_sees_only_those_changes(CosmosTarget target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var contract = await CosmosContractContainer.CreateAsync(target, services);
        var container = contract.Container;
        await container.CreateItemAsync(new LoanItem("old-a", "village-a", 1m), new PartitionKey("village-a"), cancellationToken: ct);
        await container.CreateItemAsync(new LoanItem("old-b", "village-b", 2m), new PartitionKey("village-b"), cancellationToken: ct);
        var fromNow = container.GetChangeFeedIterator<LoanItem>(ChangeFeedStartFrom.Now(), ChangeFeedMode.LatestVersion);
        Assert.Empty(await DrainAsync(fromNow, ct));

        await container.CreateItemAsync(new LoanItem("new-a", "village-a", 3m), new PartitionKey("village-a"), cancellationToken: ct);
        await container.CreateItemAsync(new LoanItem("new-b", "village-b", 4m), new PartitionKey("village-b"), cancellationToken: ct);
        var villageA = container.GetChangeFeedIterator<LoanItem>(
            ChangeFeedStartFrom.Beginning(FeedRange.FromPartitionKey(new PartitionKey("village-a"))), ChangeFeedMode.LatestVersion);

        Assert.Equal(["new-a", "new-b"], (await DrainAsync(fromNow, ct)).SelectMany(page => page).Select(item => item.Id));
        Assert.Equal(["old-a", "new-a"], (await DrainAsync(villageA, ct)).SelectMany(page => page).Select(item => item.Id));
    }

    [Theory]
    [InlineData(CosmosTarget.Local)]
    [InlineData(CosmosTarget.Real)]
    public async Task Expired_items_disappear_from_reads_and_queries(CosmosTarget target)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var contract = await CosmosContractContainer.CreateAsync(target, services, properties => properties.DefaultTimeToLive = 2);
        var container = contract.Container;
        await container.CreateItemAsync(new LoanItem("draft", "village-a", 1m), new PartitionKey("village-a"), cancellationToken: ct);
        await container.CreateItemAsync(new LoanItem("kept", "village-a", 2m, TimeToLive: -1), new PartitionKey("village-a"), cancellationToken: ct);
        await container.CreateItemAsync(new LoanItem("longer", "village-a", 3m, TimeToLive: 3600), new PartitionKey("village-a"), cancellationToken: ct);
        Assert.Equal(3, (await QueryAsync<LoanItem>(container, new QueryDefinition("SELECT * FROM c"), ct)).Count);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(target == CosmosTarget.Local ? 15 : 120);
        while (await ExistsAsync(container, "draft", ct))
        {
            Assert.True(DateTime.UtcNow < deadline, "the item with the container's 2 s TTL never expired");
            await Task.Delay(500, ct);
        }

        var remaining = await QueryAsync<LoanItem>(container, new QueryDefinition("SELECT * FROM c"), ct);
        Assert.Equal(["kept", "longer"], remaining.Select(item => item.Id).Order());
    }

    internal static async Task<List<List<T>>> DrainAsync<T>(FeedIterator<T> feed, CancellationToken ct)
    {
        var pages = new List<List<T>>();
        while (feed.HasMoreResults)
        {
            var response = await feed.ReadNextAsync(ct);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                break;
            }

            pages.Add([.. response]);
        }

        return pages;
    }

    private static async Task<List<T>> QueryAsync<T>(Container container, QueryDefinition query, CancellationToken ct, QueryRequestOptions? options = null)
    {
        using var iterator = container.GetItemQueryIterator<T>(query, requestOptions: options);
        var results = new List<T>();
        while (iterator.HasMoreResults)
        {
            results.AddRange(await iterator.ReadNextAsync(ct));
        }

        return results;
    }

    private static async Task<bool> ExistsAsync(Container container, string id, CancellationToken ct)
    {
        try
        {
            await container.ReadItemAsync<LoanItem>(id, new PartitionKey("village-a"), cancellationToken: ct);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
