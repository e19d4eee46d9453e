using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.CoLending;
using RuralLoans.Storage.Quotas;
using RuralLoans.Testing;

namespace RuralLoans.Storage.Tests.Quotas;

/// <summary>A borrower's open applications as stored on the Cosmos emulator: concurrent applications are judged one after the other.</summary>
public sealed class BorrowerExposureStoreTests(DevServicesFixture services) : IAsyncLifetime
{
    private ScratchCosmosDatabase _cosmos = null!;
    private Container _container = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _cosmos = await ScratchCosmosDatabase.CreateAsync(CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString), "borrowers", ct);
        _container = await _cosmos.ContainerAsync("/lenderId", ct);
    }

    public ValueTask DisposeAsync() => _cosmos.DisposeAsync();

    [Fact]
    public async Task Of_many_concurrent_applications_of_one_borrower_for_one_product_exactly_one_holds()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new BorrowerExposureStore(_container);
        var borrower = ResidentIdHasher.Development.Hash("430626198203151234");
        var applications = Enumerable.Range(0, 12).Select(i => $"MFI001-upload-{i:D2}").ToList();

        // A barrier so every application has read the empty document before any writes: only the ETag can tell them apart.
        using var start = new Barrier(applications.Count);
        var results = await Task.WhenAll(applications.Select(id => Task.Run(async () =>
        {
            start.SignalAndWait(ct);
            return await store.ChangeAsync(borrower, e => BorrowerExposures.Reserve(e, id, "farm-310", 30_000m, 200_000m), ct);
        }, ct)));

        Assert.Single(results, r => r.Status == BorrowerChangeStatus.Applied);
        Assert.All(results.Where(r => r.Status != BorrowerChangeStatus.Applied), r => Assert.Equal(BorrowerExposures.OneOpenPerProductRule, r.Violation!.RuleId));
        var stored = await store.GetAsync(borrower, ct);
        Assert.Equal(30_000m, Assert.Single(stored.Holds.Values).AmountYuan);
    }

    [Fact]
    public async Task Concurrent_applications_for_different_products_cannot_pass_the_household_cap_together()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new BorrowerExposureStore(_container);
        var borrower = ResidentIdHasher.Development.Hash("430626197805022312");
        var products = Enumerable.Range(0, 6).Select(i => $"product-{i}").ToList();

        // Each alone fits the ¥200,000 cap; any three together do not.
        using var start = new Barrier(products.Count);
        var results = await Task.WhenAll(products.Select(product => Task.Run(async () =>
        {
            start.SignalAndWait(ct);
            return await store.ChangeAsync(borrower, e => BorrowerExposures.Reserve(e, "app-" + product, product, 90_000m, 200_000m), ct);
        }, ct)));

        Assert.Equal(2, results.Count(r => r.Status == BorrowerChangeStatus.Applied));
        Assert.All(results.Where(r => r.Status != BorrowerChangeStatus.Applied), r => Assert.Equal(BorrowerExposures.HouseholdCapRule, r.Violation!.RuleId));
        Assert.Equal(180_000m, (await store.GetAsync(borrower, ct)).OpenYuan);
    }

    [Fact]
    public async Task Only_borrowers_with_holds_not_yet_paid_out_are_listed_for_the_sweep_and_the_document_names_no_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new BorrowerExposureStore(_container);
        const string ResidentId = "430626196809232046";
        var pending = ResidentIdHasher.Development.Hash(ResidentId);
        var paid = ResidentIdHasher.Development.Hash("430626197508184025");
        await store.ChangeAsync(pending, e => BorrowerExposures.Reserve(e, "app-p", "farm-310", 10_000m, 200_000m), ct);
        await store.ChangeAsync(paid, e => BorrowerExposures.Reserve(e, "app-q", "farm-310", 10_000m, 200_000m), ct);
        await store.ChangeAsync(paid, e => BorrowerExposures.MarkDisbursed(e, "app-q"), ct);

        var listed = new List<string>();
        await foreach (var exposure in store.WithPendingHoldsAsync(ct))
        {
            listed.Add(exposure.BorrowerKey);
        }

        Assert.Equal([pending], listed);
        using var raw = await _container.ReadItemStreamAsync(BorrowerExposureStore.DocumentId(pending), new PartitionKey(BorrowerExposureStore.DocumentId(pending)), cancellationToken: ct);
        using var reader = new StreamReader(raw.Content);
        Assert.DoesNotContain(ResidentId, await reader.ReadToEndAsync(ct), StringComparison.Ordinal);
    }
}
