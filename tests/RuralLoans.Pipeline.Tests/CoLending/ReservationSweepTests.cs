using System.Collections.Concurrent;
using Microsoft.Azure.Cosmos;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using Microsoft.DurableTask.Client;
using RuralLoans.Payments;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Storage.Quotas;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.CoLending;

/// <summary>An application terminated between its split and its payout gives its quota back; a running one keeps it.</summary>
public sealed class ReservationSweepTests(DevServicesFixture services) : IAsyncLifetime
{
    private static readonly string[] Lenders = ["MFI001", "BANK-RCB", "BANK-CITY"];
    private readonly HeldPayouts _rail = new();
    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync() =>
        _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken, rail => _rail.Wrapping(rail));

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task The_sweep_releases_a_terminated_applications_reservation_once_and_never_a_running_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        var sweep = _pipeline.Runtime.ReservationSweep;
        var terminated = await SubmitAsync("43062619820315123", ct);
        var running = await SubmitAsync("43062619780502231", ct);
        // Both borrowers accept their contracts, so both payouts reach the (held) rail.
        Assert.True(await _pipeline.Runtime.AcceptContractWhenOfferedAsync(terminated, TimeSpan.FromSeconds(60), ct));
        Assert.True(await _pipeline.Runtime.AcceptContractWhenOfferedAsync(running, TimeSpan.FromSeconds(60), ct));
        await _rail.ReachedAsync(Key(terminated), ct);
        await _rail.ReachedAsync(Key(running), ct);
        Assert.All(await HeldAsync(ct), held => Assert.Equal(new[] { Key(running), Key(terminated) }.Order(StringComparer.Ordinal), held));

        await _pipeline.Client.TerminateInstanceAsync(terminated, "operator stopped the loan", ct);
        await WaitForStatusAsync(terminated, OrchestrationRuntimeStatus.Terminated, ct);
        var withinGrace = await sweep.RunAsync(new ReservationSweepPolicy { Grace = TimeSpan.FromHours(1) }, ct);
        Assert.Equal(new ReservationSweepReport(Held: 6, Released: 0, Committed: 0, Waiting: 3), withinGrace);
        Assert.All(await HeldAsync(ct), held => Assert.Equal(2, held.Count));

        var first = await sweep.RunAsync(new ReservationSweepPolicy { Grace = TimeSpan.Zero }, ct);
        var second = await sweep.RunAsync(new ReservationSweepPolicy { Grace = TimeSpan.Zero }, ct);

        Assert.Equal(new ReservationSweepReport(Held: 6, Released: 3, Committed: 0, Waiting: 0, BorrowerHoldsReleased: 1), first);
        Assert.Equal(new ReservationSweepReport(Held: 3, Released: 0, Committed: 0, Waiting: 0), second);
        Assert.All(await HeldAsync(ct), held => Assert.Equal([Key(running)], held));
        var snapshots = await SnapshotsAsync(ct);
        Assert.All(snapshots, s => Assert.Equal(ReservationState.Released, Assert.Single(s.RecentlySettled, r => r.ReservationId == Key(terminated)).State));
        Assert.Equal(30_000m, snapshots.Sum(s => s.Reservations[Key(running)].AmountYuan));

        // The running application still pays out, and its quota is used once.
        _rail.Open(Key(running));
        var state = await _pipeline.WaitForCompletionAsync(running, TimeSpan.FromSeconds(60), ct);
        Assert.Equal(ApplicationStage.Disbursed, state.ReadOutputAs<ApplicationOutcome>()!.Stage);
        var after = await sweep.RunAsync(new ReservationSweepPolicy { Grace = TimeSpan.Zero }, ct);
        // Its borrower's hold is now an open loan of the product.
        Assert.Equal(new ReservationSweepReport(0, 0, 0, 0, BorrowerHoldsDisbursed: 1), after);
        Assert.Equal(30_000m, (await SnapshotsAsync(ct)).Sum(s => s.CommittedYuan));
        Assert.Equal([Key(running)], _pipeline.Rail.CommittedPayouts.Keys);
        Assert.Equal(new ReservationSweepReport(0, 0, 0, 0), await sweep.RunAsync(new ReservationSweepPolicy { Grace = TimeSpan.Zero }, ct));
    }

    [Fact]
    public async Task A_terminated_applications_borrower_may_apply_again_once_the_sweep_released_the_hold()
    {
        var ct = TestContext.Current.CancellationToken;
        var form = TestForms.TextPdf(TestForms.GoodHousehold("43062619820315123"));
        var terminated = (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct)).ApplicationId;
        Assert.True(await _pipeline.Runtime.AcceptContractWhenOfferedAsync(terminated, TimeSpan.FromSeconds(60), ct));
        await _rail.ReachedAsync(Key(terminated), ct);
        await _pipeline.Client.TerminateInstanceAsync(terminated, "operator stopped the loan", ct);
        await WaitForStatusAsync(terminated, OrchestrationRuntimeStatus.Terminated, ct);

        // Until the sweep gives the hold back, the borrower's open application blocks a new one of the product.
        var tooEarly = (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form.Concat("\n% 1\n"u8.ToArray()).ToArray()), ct)).ApplicationId;
        var refused = await _pipeline.FinishAsync(tooEarly, ct);
        Assert.Equal("C01", Assert.Single(refused.Reasons!).Code);

        var swept = await _pipeline.Runtime.ReservationSweep.RunAsync(new ReservationSweepPolicy { Grace = TimeSpan.Zero }, ct);
        Assert.Equal(1, swept.BorrowerHoldsReleased);
        var again = (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form.Concat("\n% 2\n"u8.ToArray()).ToArray()), ct)).ApplicationId;
        Assert.True(await _pipeline.Runtime.AcceptContractWhenOfferedAsync(again, TimeSpan.FromSeconds(60), ct));
        await _rail.ReachedAsync(Key(again), ct);
        _rail.Open(Key(again));
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(again, ct)).Stage);
    }

    private async Task<string> SubmitAsync(string idFirst17, CancellationToken ct) =>
        (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(TestForms.GoodHousehold(idFirst17))), ct)).ApplicationId;

    private static string Key(string applicationId) => new DisbursementKey(applicationId, 1).Value;

    private async Task<List<QuotaSnapshot>> SnapshotsAsync(CancellationToken ct)
    {
        var quotas = new QuotaStore(_pipeline.Options.Cosmos.GetContainer(_pipeline.Options.CosmosDatabase, "quotas"));
        var snapshots = new List<QuotaSnapshot>();
        foreach (var lender in Lenders)
        {
            snapshots.Add(await quotas.GetAsync(lender, 0m, ct));
        }
        return snapshots;
    }

    private async Task<List<List<string>>> HeldAsync(CancellationToken ct) =>
        [.. (await SnapshotsAsync(ct)).Select(s => s.Held.Select(r => r.ReservationId).Order(StringComparer.Ordinal).ToList())];

    private async Task WaitForStatusAsync(string instanceId, OrchestrationRuntimeStatus status, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await _pipeline.StatusAsync(instanceId, ct))?.RuntimeStatus != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{instanceId} did not become {status}.");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Holds every payout at the rail's door until the test opens it for that key: the step waits as on a hung rail.</summary>
    private sealed class HeldPayouts
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _reached = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _open = new(StringComparer.Ordinal);

        public IPaymentRail Wrapping(IPaymentRail inner) => new Rail(this, inner);

        public async Task ReachedAsync(string key, CancellationToken ct) =>
            await Gate(_reached, key).Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

        public void Open(string key) => Gate(_open, key).TrySetResult();

        private static TaskCompletionSource Gate(ConcurrentDictionary<string, TaskCompletionSource> gates, string key) =>
            gates.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        private sealed class Rail(HeldPayouts gates, IPaymentRail inner) : IPaymentRail
        {
            public async Task<PayoutReceipt> PayOnceAsync(PayoutRequest request, CancellationToken ct)
            {
                Gate(gates._reached, request.IdempotencyKey).TrySetResult();
                await Gate(gates._open, request.IdempotencyKey).Task.WaitAsync(ct);
                return await inner.PayOnceAsync(request, ct);
            }

            public Task<PayoutReceipt?> FindAsync(string idempotencyKey, CancellationToken ct) => inner.FindAsync(idempotencyKey, ct);

            public Task<PayoutPage> ListAsync(PayoutQuery query, string? cursor, CancellationToken ct) => inner.ListAsync(query, cursor, ct);
        }
    }
}
