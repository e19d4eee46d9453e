using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;

namespace RuralLoans.Payments.Tests;

/// <summary>Every failure mode of the rail must end in exactly one payout per idempotency key.</summary>
public sealed class HttpPaymentRailTests : IAsyncLifetime
{
    private static readonly PaymentRailOptions FastRetries = new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(400),
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxRetries = 4,
    };

    private RailSimulator _rail = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _rail = await RailSimulator.StartAsync(ct: TestContext.Current.CancellationToken);
        _rail.HangDuration = TimeSpan.FromSeconds(2);
        _http = new HttpClient { BaseAddress = _rail.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _rail.DisposeAsync();
    }

    private HttpPaymentRail Client() => new(_http, FastRetries);

    private static PayoutRequest Request(string key, decimal amount = 30_000.00m) =>
        new(key, amount, "6222021234567890123", "张三", "application A-1 tranche 1");

    [Fact]
    public async Task A_payout_is_committed_once_with_the_amount_to_the_fen()
    {
        var receipt = await Client().PayOnceAsync(Request("A-1/1", 12_345.67m), TestContext.Current.CancellationToken);

        Assert.Equal(12_345.67m, receipt.AmountYuan);
        Assert.Equal(12_345.67m, Assert.Single(_rail.CommittedPayouts).Value);
    }

    [Fact]
    public async Task A_timeout_before_commit_is_looked_up_then_retried_and_pays_once()
    {
        _rail.InjectFaults(RailFault.TimeoutBeforeCommit);

        var receipt = await Client().PayOnceAsync(Request("A-2/1"), TestContext.Current.CancellationToken);

        Assert.Equal("A-2/1", Assert.Single(_rail.CommittedPayouts).Key);
        Assert.Equal("A-2/1", receipt.IdempotencyKey);
        Assert.Equal(2, _rail.PostCount);
    }

    [Theory]
    [InlineData(RailFault.CommitThenDropResponse)]
    [InlineData(RailFault.CommitThenTimeout)]
    public async Task A_commit_whose_response_is_lost_is_found_by_key_and_not_sent_again(RailFault fault)
    {
        _rail.InjectFaults(fault);

        var receipt = await Client().PayOnceAsync(Request("A-3/1"), TestContext.Current.CancellationToken);

        Assert.Single(_rail.CommittedPayouts);
        Assert.Equal(1, _rail.PostCount);
        Assert.StartsWith("po_", receipt.RailPayoutId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_concurrent_requests_for_one_key_make_one_payout()
    {
        var client = Client();
        var receipts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.PayOnceAsync(Request("A-4/1"), TestContext.Current.CancellationToken)));

        Assert.Single(_rail.CommittedPayouts);
        Assert.Single(receipts.Select(r => r.RailPayoutId).Distinct());
    }

    [Fact]
    public async Task Reusing_a_key_for_a_different_amount_is_refused_and_the_first_payout_stands()
    {
        var ct = TestContext.Current.CancellationToken;
        await Client().PayOnceAsync(Request("A-5/1", 1_000m), ct);
        var postsBefore = _rail.PostCount;

        var refused = await Assert.ThrowsAsync<PayoutRejectedException>(() => Client().PayOnceAsync(Request("A-5/1", 2_000m), ct));

        Assert.Contains("1000.00", refused.Message, StringComparison.Ordinal);
        Assert.Equal(postsBefore, _rail.PostCount);
        Assert.Equal(1_000m, Assert.Single(_rail.CommittedPayouts).Value);
    }

    [Fact]
    public async Task A_rail_that_stays_down_leaves_the_payout_in_doubt_and_a_later_retry_pays_once()
    {
        var ct = TestContext.Current.CancellationToken;
        _rail.InjectFaults(Enumerable.Repeat(RailFault.UnavailableBeforeCommit, FastRetries.MaxRetries + 1).ToArray());

        var doubt = await Assert.ThrowsAsync<PayoutInDoubtException>(() => Client().PayOnceAsync(Request("A-6/1"), ct));
        Assert.Equal("A-6/1", doubt.IdempotencyKey);
        Assert.Empty(_rail.CommittedPayouts);

        await Client().PayOnceAsync(Request("A-6/1"), ct);
        Assert.Single(_rail.CommittedPayouts);
    }

    [Fact]
    public async Task A_payout_made_before_a_crash_is_returned_without_sending_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Client().PayOnceAsync(Request("A-7/1"), ct);
        var postsBefore = _rail.PostCount;

        var resumed = await Client().PayOnceAsync(Request("A-7/1"), ct);

        Assert.Equal(first.RailPayoutId, resumed.RailPayoutId);
        Assert.Equal(postsBefore, _rail.PostCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(10.001)]
    public async Task An_amount_that_is_not_positive_whole_fen_is_rejected_before_anything_is_sent(decimal amount)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().PayOnceAsync(Request("A-8/1", amount), TestContext.Current.CancellationToken));

        Assert.Equal(0, _rail.PostCount);
    }
}
