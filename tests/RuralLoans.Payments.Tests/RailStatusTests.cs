using Microsoft.Extensions.Time.Testing;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;

namespace RuralLoans.Payments.Tests;

/// <summary>
/// The rail says where a payout stands, and the client passes that on: a payout the rail has under the key is not a
/// paid one until it says settled.
/// </summary>
public sealed class RailStatusTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private RailSimulator _rail = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _rail = await RailSimulator.StartAsync(clock: _clock, ct: TestContext.Current.CancellationToken);
        _http = new HttpClient { BaseAddress = _rail.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _rail.DisposeAsync();
    }

    private HttpPaymentRail Client() => new(_http, new PaymentRailOptions { AttemptTimeout = TimeSpan.FromSeconds(2), BaseDelay = TimeSpan.FromMilliseconds(10) });

    private static PayoutRequest Request(string key, decimal amount = 10_000m) => new(key, amount, "6222021234567890123", "张三", "RuralLoans " + key.Split('/')[0]);

    [Fact]
    public async Task A_payout_moves_from_pending_through_processing_to_settled_as_the_rail_says()
    {
        var ct = TestContext.Current.CancellationToken;
        _rail.Script("S-1/tranche-1", PayoutScript.SettleAfter(TimeSpan.FromMinutes(10)));

        var accepted = await Client().PayOnceAsync(Request("S-1/tranche-1"), ct);
        Assert.Equal(PayoutStatus.Pending, accepted.Status);
        Assert.True(accepted.IsInFlight);

        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(PayoutStatus.Processing, (await Client().FindAsync("S-1/tranche-1", ct))!.Status);

        _clock.Advance(TimeSpan.FromMinutes(5));
        var settled = await Client().FindAsync("S-1/tranche-1", ct);
        Assert.Equal(PayoutStatus.Settled, settled!.Status);
        Assert.Equal(accepted.CreatedAt + TimeSpan.FromMinutes(10), settled.SettledAt);
    }

    [Fact]
    public async Task A_failed_payout_is_reported_failed_with_its_reason_code_not_as_paid()
    {
        var ct = TestContext.Current.CancellationToken;
        _rail.Script("F-1/tranche-1", PayoutScript.Fail("AC04", "ClosedAccountNumber"));

        var receipt = await Client().PayOnceAsync(Request("F-1/tranche-1"), ct);
        var again = await Client().PayOnceAsync(Request("F-1/tranche-1"), ct);

        Assert.Equal(PayoutStatus.Failed, receipt.Status);
        Assert.Equal("AC04", receipt.ReasonCode);
        Assert.Equal(PayoutStatus.Failed, again.Status);
        Assert.Equal(1, _rail.PostCount);
        Assert.Empty(_rail.SettledPayouts);
    }

    [Fact]
    public async Task A_settled_payout_can_come_back_late_and_is_then_reported_returned()
    {
        var ct = TestContext.Current.CancellationToken;
        _rail.Script("R-1/tranche-1", PayoutScript.SettleThenReturn(TimeSpan.FromDays(3), "MD07", "EndCustomerDeceased"));

        Assert.Equal(PayoutStatus.Settled, (await Client().PayOnceAsync(Request("R-1/tranche-1"), ct)).Status);
        _clock.Advance(TimeSpan.FromDays(3));
        var returned = await Client().FindAsync("R-1/tranche-1", ct);

        Assert.Equal(PayoutStatus.Returned, returned!.Status);
        Assert.Equal("MD07", returned.ReasonCode);
        Assert.NotNull(returned.SettledAt);
        Assert.Equal(_clock.GetUtcNow(), returned.ReturnedAt);
    }

    [Fact]
    public async Task A_payout_told_to_stay_pending_stays_in_flight_until_resolved_and_a_return_can_be_ordered()
    {
        var ct = TestContext.Current.CancellationToken;
        _rail.InjectScripts(PayoutScript.StayPending);

        await Client().PayOnceAsync(Request("P-1/tranche-1"), ct);
        _clock.Advance(TimeSpan.FromDays(30));
        Assert.True((await Client().FindAsync("P-1/tranche-1", ct))!.IsInFlight);

        _rail.Resolve("P-1/tranche-1", PayoutStatus.Settled);
        Assert.Equal(PayoutStatus.Settled, (await Client().FindAsync("P-1/tranche-1", ct))!.Status);
        _rail.Return("P-1/tranche-1");
        Assert.Equal(PayoutStatus.Returned, (await Client().FindAsync("P-1/tranche-1", ct))!.Status);
    }

    [Fact]
    public async Task Listing_pages_through_every_payout_once_and_filters_by_status_and_last_change()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        for (var i = 0; i < 7; i++)
        {
            _rail.Script($"L-{i}/tranche-1", i == 3 ? PayoutScript.Fail() : PayoutScript.Settle);
            await client.PayOnceAsync(Request($"L-{i}/tranche-1", 1_000m + i), ct);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        var pages = new List<PayoutPage>();
        string? cursor = null;
        do
        {
            var page = await client.ListAsync(new PayoutQuery { PageSize = 3 }, cursor, ct);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Payouts.Count));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"L-{i}/tranche-1"), pages.SelectMany(p => p.Payouts).Select(p => p.IdempotencyKey));
        var failed = await client.ListAllAsync(new PayoutQuery { Status = PayoutStatus.Failed }, ct).ToListAsync(ct);
        Assert.Equal("L-3/tranche-1", Assert.Single(failed).IdempotencyKey);
        var recent = await client.ListAllAsync(new PayoutQuery { UpdatedFrom = _clock.GetUtcNow() - TimeSpan.FromMinutes(2) }, ct).ToListAsync(ct);
        Assert.Equal(["L-5/tranche-1", "L-6/tranche-1"], recent.Select(p => p.IdempotencyKey));
    }

    [Fact]
    public async Task Scripted_transport_faults_for_one_key_still_end_in_one_payout_with_its_status()
    {
        var ct = TestContext.Current.CancellationToken;
        _rail.HangDuration = TimeSpan.FromSeconds(3);
        _rail.Script("T-1/tranche-1", PayoutScript.Fail("AM04", "InsufficientFunds") with { Faults = [RailFault.UnavailableBeforeCommit, RailFault.CommitThenDropResponse] });

        var receipt = await Client().PayOnceAsync(Request("T-1/tranche-1"), ct);

        Assert.Equal(PayoutStatus.Failed, receipt.Status);
        Assert.Single(_rail.CommittedPayouts);
        Assert.Equal(2, _rail.PostCount);
    }
}
