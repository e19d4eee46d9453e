using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Disbursements;
using RuralLoans.Storage.Ledger;
using RuralLoans.Storage.Quotas;
using RuralLoans.Testing;

namespace RuralLoans.Storage.Tests;

/// <summary>The stores' concurrency guarantees, on the Cosmos emulator and Azurite.</summary>
public sealed class CosmosStoreTests(DevServicesFixture services) : IAsyncLifetime
{
    private ScratchCosmosDatabase _cosmos = null!;

    public async ValueTask InitializeAsync() =>
        _cosmos = await ScratchCosmosDatabase.CreateAsync(CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString), "stores", TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _cosmos.DisposeAsync();

    private Task<Container> ContainerAsync(string partitionKey) => _cosmos.ContainerAsync(partitionKey, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Fifty_concurrent_approvals_never_reserve_more_quota_than_the_lender_has()
    {
        var ct = TestContext.Current.CancellationToken;
        var quotas = new QuotaStore(await ContainerAsync("/lenderId"));
        const decimal Quota = 100_000m, Loan = 7_000m;

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            quotas.ChangeAsync("BANK-SMALL", Quota, s => QuotaReservations.Reserve(s, $"APP-{i}/tranche-1", Loan), ct)));

        var snapshot = await quotas.GetAsync("BANK-SMALL", Quota, ct);
        Assert.Equal(14, results.Count(r => r.Status == QuotaChangeStatus.Applied));
        Assert.Equal(36, results.Count(r => r.Status == QuotaChangeStatus.InsufficientQuota));
        Assert.Equal(14 * Loan, snapshot.UsedYuan);
        Assert.True(snapshot.UsedYuan <= Quota);
    }

    [Fact]
    public async Task A_retried_reservation_takes_quota_once_and_a_release_gives_it_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var quotas = new QuotaStore(await ContainerAsync("/lenderId"));

        await quotas.ChangeAsync("BANK-A", 50_000m, s => QuotaReservations.Reserve(s, "APP-1/tranche-1", 20_000m), ct);
        var retry = await quotas.ChangeAsync("BANK-A", 50_000m, s => QuotaReservations.Reserve(s, "APP-1/tranche-1", 20_000m), ct);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, retry.Status);
        Assert.Equal(30_000m, (await quotas.GetAsync("BANK-A", 50_000m, ct)).AvailableYuan);

        await quotas.ChangeAsync("BANK-A", 50_000m, s => QuotaReservations.Release(s, "APP-1/tranche-1"), ct);
        Assert.Equal(50_000m, (await quotas.GetAsync("BANK-A", 50_000m, ct)).AvailableYuan);
    }

    [Fact]
    public async Task Of_two_hosts_claiming_one_payout_only_one_write_wins()
    {
        var ct = TestContext.Current.CancellationToken;
        var payouts = new DisbursementStore(await ContainerAsync("/applicationId"));
        var key = new DisbursementKey("MFI001-abc", 1);
        var approved = await payouts.GetOrApproveAsync(key, 30_000m, ct);

        var claims = await Task.WhenAll(
            payouts.TryTransitionAsync(approved, approved.Disbursement.StartPayout(DateTimeOffset.UtcNow), ct),
            payouts.TryTransitionAsync(approved, approved.Disbursement.StartPayout(DateTimeOffset.UtcNow), ct));

        Assert.Single(claims, c => c is not null);
        var stored = await payouts.FindAsync(key, ct);
        Assert.Equal(DisbursementState.Disbursing, stored!.Disbursement.State);
        Assert.Equal(1, stored.Disbursement.Attempts);
    }

    [Fact]
    public async Task The_ledger_accepts_a_repost_refuses_a_different_booking_under_the_same_id_and_keeps_reversals()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new LedgerStore(await ContainerAsync("/transferId"));
        var transfer = new LedgerTransfer
        {
            TransferId = "MFI001-abc/tranche-1",
            Description = "payout",
            PostedAt = DateTimeOffset.UtcNow,
            Entries = [new("loan-receivable:BANK-RCB", EntrySide.Debit, 100m), new("lender-funding:BANK-RCB", EntrySide.Credit, 100m)],
        };

        await ledger.PostAsync(transfer, ct);
        await ledger.PostAsync(transfer, ct);
        await Assert.ThrowsAsync<LedgerConflictException>(() => ledger.PostAsync(transfer with { Entries = [new("a", EntrySide.Debit, 5m), new("b", EntrySide.Credit, 5m)] }, ct));
        var reversal = Domain.Disbursements.Ledger.Empty.Post(transfer).Reverse(transfer.TransferId, "wrong account", DateTimeOffset.UtcNow).Transfers[^1];
        await ledger.PostAsync(reversal, ct);

        var all = new List<LedgerTransfer>();
        await foreach (var t in ledger.ReadAllAsync(ct))
        {
            all.Add(t);
        }
        Assert.Equal(2, all.Count);
        Assert.True(BalanceChecker.Check(all).IsBalanced);
        Assert.Equal(0m, all.SelectMany(t => t.Entries).Where(e => e.Account == "loan-receivable:BANK-RCB").Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan));
    }

    [Fact]
    public async Task A_step_decision_is_recorded_once_even_when_the_step_runs_twice_at_the_same_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var decisions = new DecisionLog(await ContainerAsync("/applicationId"), TimeProvider.System);
        var runs = 0;

        var outputs = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            decisions.RecordOnceAsync("MFI001-x", "DataScoring", new { i }, () => { Interlocked.Increment(ref runs); return $"decision-{i}"; }, ct)));

        Assert.Single(outputs.Distinct());
        var recorded = await decisions.FindAsync("MFI001-x", "DataScoring", ct);
        Assert.Equal(outputs[0], recorded!.Output.GetString());
    }

    [Fact]
    public async Task An_original_is_never_overwritten_and_identical_bytes_share_one_blob()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = new BlobContainerClient(services.StorageConnectionString, UniqueNames.BlobContainer("docs"));
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var store = new ContentAddressedBlobStore(container);
        var bytes = "%PDF-1.7 form"u8.ToArray();

        var first = await store.StoreAsync("MFI001", bytes, "application/pdf", ct);
        var again = await store.StoreAsync("MFI001", bytes, "application/pdf", ct);

        Assert.False(first.AlreadyStored);
        Assert.True(again.AlreadyStored);
        Assert.Equal(first.Name, again.Name);
        Assert.Equal(bytes, (await store.ReadAsync(first.Name, ct)).ToArray());
    }
}
