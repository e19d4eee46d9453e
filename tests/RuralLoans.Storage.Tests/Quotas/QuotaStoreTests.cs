using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.CoLending;
using RuralLoans.Storage.Quotas;
using RuralLoans.Testing;

namespace RuralLoans.Storage.Tests.Quotas;

/// <summary>Folding and idempotency of quota reservations as stored on the Cosmos emulator.</summary>
public sealed class QuotaStoreTests(DevServicesFixture services) : IAsyncLifetime
{
    private ScratchCosmosDatabase _cosmos = null!;
    private Container _container = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _cosmos = await ScratchCosmosDatabase.CreateAsync(CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString), "quotas", ct);
        _container = await _cosmos.ContainerAsync("/lenderId", ct);
    }

    public ValueTask DisposeAsync() => _cosmos.DisposeAsync();

    [Fact]
    public async Task Concurrent_payouts_fold_into_the_committed_total_and_retried_commits_count_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var quotas = new QuotaStore(_container);
        const decimal Quota = 10_000_000m, Loan = 12_345.67m;
        var ids = Enumerable.Range(0, 120).Select(i => $"MFI001-{i:D4}/tranche-1").ToList();

        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (id, token) =>
        {
            Assert.Equal(QuotaChangeStatus.Applied, (await quotas.ChangeAsync("BANK-RCB", Quota, s => QuotaReservations.Reserve(s, id, Loan), token)).Status);
            Assert.Equal(QuotaChangeStatus.Applied, (await quotas.ChangeAsync("BANK-RCB", Quota, s => QuotaReservations.Commit(s, id), token)).Status);
        });
        var retries = await Task.WhenAll(ids.Select(id => quotas.ChangeAsync("BANK-RCB", Quota, s => QuotaReservations.Commit(s, id), ct)));

        var stored = await quotas.GetAsync("BANK-RCB", Quota, ct);
        Assert.All(retries, r => Assert.Equal(QuotaChangeStatus.AlreadyApplied, r.Status));
        Assert.Empty(stored.Reservations);
        Assert.Equal(120 * Loan, stored.CommittedYuan);
        Assert.Equal(Quota - 120 * Loan, stored.AvailableYuan);
        Assert.Equal(ids.Order(StringComparer.Ordinal), stored.RecentlySettled.Select(r => r.ReservationId).Order(StringComparer.Ordinal));
        Assert.All(stored.RecentlySettled, r => Assert.Equal(ReservationState.Committed, r.State));
    }

    [Fact]
    public async Task A_lender_with_tens_of_thousands_of_loans_keeps_a_small_document()
    {
        var ct = TestContext.Current.CancellationToken;
        var quotas = new QuotaStore(_container);
        const decimal Quota = 5_000_000_000m;
        // 30,000 loans with the longest ids an application may have, folded in memory and written as one change.
        var history = new QuotaSnapshot { LenderId = "BANK-CITY", TotalQuotaYuan = Quota };
        for (var i = 0; i < 30_000; i++)
        {
            var id = $"{i:D8}-{new string('x', 91)}/tranche-1";
            history = QuotaReservations.Commit(QuotaReservations.Reserve(history, id, 50_000m).Snapshot, id).Snapshot;
        }
        await quotas.ChangeAsync("BANK-CITY", Quota, s => new QuotaChange(QuotaChangeStatus.Applied, history with { Version = s.Version + 1 }), ct);

        await quotas.ChangeAsync("BANK-CITY", Quota, s => QuotaReservations.Reserve(s, "MFI001-next/tranche-1", 1_000m), ct);
        await quotas.ChangeAsync("BANK-CITY", Quota, s => QuotaReservations.Commit(s, "MFI001-next/tranche-1"), ct);

        using var raw = await _container.ReadItemStreamAsync("BANK-CITY", new PartitionKey("BANK-CITY"), cancellationToken: ct);
        using var body = new MemoryStream();
        await raw.Content.CopyToAsync(body, ct);
        var stored = await quotas.GetAsync("BANK-CITY", Quota, ct);
        Assert.True(body.Length < 256 * 1024, $"The quota document is {body.Length:N0} bytes after 30,001 loans; Cosmos refuses items over 2 MB.");
        Assert.Equal(30_000 * 50_000m + 1_000m, stored.CommittedYuan);
        Assert.Equal(QuotaReservations.SettledWindow, stored.RecentlySettled.Count);
    }

    [Fact]
    public async Task A_payout_racing_a_release_of_the_same_reservation_uses_the_quota_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var quotas = new QuotaStore(_container);
        var ids = Enumerable.Range(0, 20).Select(i => $"MFI002-{i:D2}/tranche-1").ToList();
        foreach (var id in ids)
        {
            await quotas.ChangeAsync("BANK-A", 1_000_000m, s => QuotaReservations.Reserve(s, id, 1_000m), ct);
        }

        await Task.WhenAll(ids.SelectMany(id => new[]
        {
            quotas.ChangeAsync("BANK-A", 1_000_000m, s => QuotaReservations.Release(s, id), ct),
            quotas.ChangeAsync("BANK-A", 1_000_000m, s => QuotaReservations.Commit(s, id), ct),
            quotas.ChangeAsync("BANK-A", 1_000_000m, s => QuotaReservations.Commit(s, id), ct),
        }));

        // Whichever came first, the payout happened, so each loan's quota is used once.
        var stored = await quotas.GetAsync("BANK-A", 1_000_000m, ct);
        Assert.Empty(stored.Reservations);
        Assert.Equal(20 * 1_000m, stored.CommittedYuan);
        Assert.All(stored.RecentlySettled, r => Assert.Equal(ReservationState.Committed, r.State));
    }
}
