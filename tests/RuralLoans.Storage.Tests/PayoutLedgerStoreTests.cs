using System.Text.Json;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Storage.Disbursements;
using RuralLoans.Storage.Ledger;
using RuralLoans.Testing;

namespace RuralLoans.Storage.Tests;

/// <summary>The payout's bookings and state as Cosmos keeps them: currencies, funding, returns and shares survive the round trip.</summary>
public sealed class PayoutLedgerStoreTests(DevServicesFixture services) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private ScratchCosmosDatabase _cosmos = null!;

    public async ValueTask InitializeAsync() =>
        _cosmos = await ScratchCosmosDatabase.CreateAsync(CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString), "payouts", TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _cosmos.DisposeAsync();

    private Task<Container> ContainerAsync(string partitionKey) => _cosmos.ContainerAsync(partitionKey, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_settled_payout_its_funding_and_its_return_are_stored_in_CNY_and_read_back_per_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new LedgerStore(await ContainerAsync("/transferId"));
        var key = new DisbursementKey("MFI001-s1", 1);
        var paid = Disbursement.Approve(key, 10_000m).StartPayout(Now).MarkDisbursed("po_1", Now);
        PayoutShare[] shares = [new("MFI001", 3_000m), new("BANK-RCB", 7_000m)];
        var payout = DisbursementPostings.ForPayout(paid, shares, Now);
        var funding = DisbursementPostings.ForFunding(paid, shares, Now);

        await ledger.PostAsync(funding, ct);
        await ledger.PostAsync(payout, ct);
        await ledger.PostAsync(payout, ct);
        await ledger.PostAsync(DisbursementPostings.ForReturn(funding, "AC04", Now.AddDays(1)), ct);
        await ledger.PostAsync(DisbursementPostings.ForReturn(payout, "AC04", Now.AddDays(1)), ct);

        var booked = await ledger.FindPayoutAsync(key.Value, ct);
        Assert.Equal([key.Value, key.Value + "/funding", key.Value + "/return", key.Value + "/funding/return"], booked.Select(t => t.TransferId));
        Assert.All(booked.SelectMany(t => t.Entries), e => Assert.Equal("CNY", e.Currency));
        Assert.Equal(10_000m, booked[0].Debits);
        Assert.Equal(0m, DisbursementPostings.NetPaidOut(booked));
        await Assert.ThrowsAsync<LedgerConflictException>(() => ledger.PostAsync(payout with { Entries = [.. payout.Entries.Select(e => e with { Currency = "USD" })] }, ct));
    }

    [Fact]
    public async Task A_transfer_stored_before_entries_had_a_currency_reads_as_CNY()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await ContainerAsync("/transferId");
        using var old = JsonDocument.Parse("""
            {"id":"old-1","transferId":"old-1","transfer":{"transferId":"old-1","description":"old","postedAt":"2024-01-01T00:00:00+00:00",
             "entries":[{"account":"loan-receivable:X","side":0,"amountYuan":5.00},{"account":"rail-clearing","side":1,"amountYuan":5.00}]}}
            """);
        await container.CreateItemAsync(old.RootElement, new PartitionKey("old-1"), cancellationToken: ct);

        var read = await new LedgerStore(container).FindAsync("old-1", ct);

        Assert.All(read!.Entries, e => Assert.Equal("CNY", e.Currency));
        Assert.True(read.Balances);
    }

    [Fact]
    public async Task A_payout_keeps_its_lenders_shares_and_its_return()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new DisbursementStore(await ContainerAsync("/applicationId"));
        var key = new DisbursementKey("MFI001-s2", 1);
        PayoutShare[] shares = [new("MFI001", 3_000m), new("BANK-RCB", 7_000m)];

        var approved = await store.GetOrApproveAsync(key, 10_000m, shares, ct);
        var claimed = await store.TryTransitionAsync(approved, approved.Disbursement.StartPayout(Now), ct);
        var settled = await store.TryTransitionAsync(claimed!, claimed!.Disbursement.MarkDisbursed("po_2", Now), ct);
        await store.TryTransitionAsync(settled!, settled!.Disbursement.MarkReturned("AC04 ClosedAccountNumber", Now.AddDays(1)), ct);

        var read = (await store.FindAsync(key, ct))!.Disbursement;
        Assert.Equal(shares, read.Shares);
        Assert.Equal(DisbursementState.Returned, read.State);
        Assert.Equal("AC04 ClosedAccountNumber", read.ReturnReason);
        Assert.Equal(shares, (await store.GetOrApproveAsync(key, 10_000m, [], ct)).Disbursement.Shares);
    }
}
