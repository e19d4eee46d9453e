using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;

namespace RuralLoans.Payments.Tests;

public sealed class RailSimulatorJournalTests : IDisposable
{
    private readonly string _journal = Path.Combine(Path.GetTempPath(), $"rail-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_journal);

    [Fact]
    public async Task Payouts_survive_a_restart_of_the_rail_so_a_resumed_host_cannot_pay_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = new PayoutRequest("B-1/1", 8_000.50m, "6222020000000000001", "李四", "application B-1");
        PayoutReceipt first;
        await using (var rail = await RailSimulator.StartAsync(journalPath: _journal, ct: ct))
        {
            using var http = new HttpClient { BaseAddress = rail.BaseAddress };
            first = await new HttpPaymentRail(http).PayOnceAsync(request, ct);
        }

        await using var restarted = await RailSimulator.StartAsync(journalPath: _journal, ct: ct);
        using var http2 = new HttpClient { BaseAddress = restarted.BaseAddress };
        var again = await new HttpPaymentRail(http2).PayOnceAsync(request, ct);

        Assert.Equal(first.RailPayoutId, again.RailPayoutId);
        Assert.Equal(0, restarted.PostCount);
        Assert.Equal(8_000.50m, Assert.Single(restarted.CommittedPayouts).Value);
    }
}
