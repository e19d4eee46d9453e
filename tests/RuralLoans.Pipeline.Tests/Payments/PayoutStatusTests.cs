using Microsoft.Azure.Cosmos;
using Microsoft.DurableTask.Client;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Payments;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.Payments;

/// <summary>
/// Step 5 books money only as it really moved: on the rail's settled status, never on a payout merely found; a failed
/// payout ends the application and gives the quota back; a payout in flight is waited for, past its deadline as an
/// operator task; a return after settling is found by the reconciliation sweep and booked.
/// </summary>
public sealed class PayoutStatusTests(DevServicesFixture services) : IAsyncLifetime
{
    private static readonly PayoutPolling Fast = new()
    {
        FirstRecheck = TimeSpan.FromMilliseconds(500),
        MaxRecheck = TimeSpan.FromSeconds(1),
        ConfirmationDeadline = TimeSpan.FromSeconds(4),
        AfterDeadline = TimeSpan.FromSeconds(1),
        BookingRetry = TimeSpan.FromSeconds(1),
    };

    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken, payouts: Fast);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    private async Task<(string Id, string Key)> SubmitAsync(string idFirst17, PayoutScript script, CancellationToken ct)
    {
        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(TestForms.GoodHousehold(idFirst17))), ct);
        var key = new DisbursementKey(submitted.ApplicationId, 1).Value;
        // Reading, scoring and splitting take seconds: the rail knows the script before the payout arrives.
        _pipeline.Rail.Script(key, script);
        return (submitted.ApplicationId, key);
    }

    private async Task<IReadOnlyList<LedgerTransfer>> BookedAsync(string key, CancellationToken ct) => await _pipeline.Runtime.Ledger.FindPayoutAsync(key, ct);

    /// <summary>What each lender still holds in reservations and has committed for the payout key.</summary>
    private async Task<(decimal Held, decimal Committed)> QuotaAsync(string key, CancellationToken ct)
    {
        decimal held = 0, committed = 0;
        foreach (var lender in _pipeline.Runtime.Steps.Lending.Lenders.Values)
        {
            var snapshot = await _pipeline.Runtime.Steps.Quotas.GetAsync(lender.Id, lender.QuotaYuan, ct);
            held += snapshot.Held.Where(r => r.ReservationId == key).Sum(r => r.AmountYuan);
            committed += snapshot.RecentlySettled.LastOrDefault(r => r.ReservationId == key) is { State: Domain.CoLending.ReservationState.Committed } c ? c.AmountYuan : 0;
        }
        return (held, committed);
    }

    /// <summary>An operator stops the application once the rail has its payout, which is left in flight.</summary>
    private async Task TerminateWithPayoutInFlightAsync(string id, string key, CancellationToken ct)
    {
        await _pipeline.WaitForStageAsync(id, ApplicationStage.Disbursing, ct);
        while (_pipeline.Rail.StatusOf(key) is null)
        {
            await Task.Delay(100, ct);
        }
        await _pipeline.Client.TerminateInstanceAsync(id, "operator stopped it", ct);
        await _pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(30), ct);
    }

    private async Task<ReconciliationReport> ReconcileAsync(CancellationToken ct) =>
        await RailFacts.ReconcileAsync(_pipeline.Runtime.Steps.PaymentRail, _pipeline.Runtime.Ledger, ct);

    [Fact]
    public async Task A_payout_the_rail_fails_ends_the_application_saying_why_with_nothing_booked_and_the_quota_released()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, key) = await SubmitAsync("43062619800101101", PayoutScript.Fail("AC04", "ClosedAccountNumber"), ct);

        var outcome = await _pipeline.FinishAsync(id, ct);

        Assert.Equal(ApplicationStage.PayoutFailed, outcome.Stage);
        Assert.Contains("AC04", outcome.Summary, StringComparison.Ordinal);
        Assert.Empty(await BookedAsync(key, ct));
        Assert.Equal((0m, 0m), await QuotaAsync(key, ct));
        Assert.Equal(nameof(ApplicationStage.PayoutFailed), (await _pipeline.Runtime.Applications.GetAsync(id, ct))!.Stage);
        Assert.True((await ReconcileAsync(ct)).Reconciled);
    }

    [Fact]
    public async Task A_pending_payout_is_asked_about_again_and_booked_only_once_it_settles()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, key) = await SubmitAsync("43062619800101102", PayoutScript.SettleAfter(TimeSpan.FromSeconds(3)), ct);

        var waiting = await _pipeline.WaitForStageAsync(id, ApplicationStage.Disbursing, ct);
        while (_pipeline.Rail.StatusOf(key) is null)
        {
            await Task.Delay(100, ct);
        }
        Assert.True(_pipeline.Rail.StatusOf(key) is PayoutStatus.Pending or PayoutStatus.Processing);
        Assert.Empty(await BookedAsync(key, ct));

        var outcome = await _pipeline.FinishAsync(id, ct);

        Assert.NotNull(waiting);
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal(PayoutStatus.Settled, _pipeline.Rail.StatusOf(key));
        Assert.Equal(30_000m, DisbursementPostings.NetPaidOut(await BookedAsync(key, ct)));
        Assert.Equal((0m, 30_000m), await QuotaAsync(key, ct));
        Assert.True((await ReconcileAsync(ct)).Reconciled);
    }

    [Fact]
    public async Task A_payout_still_pending_after_its_deadline_opens_an_operator_task_and_the_application_waits_for_the_rail()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, key) = await SubmitAsync("43062619800101103", PayoutScript.StayPending, ct);

        var overdue = await _pipeline.WaitForStageAsync(id, ApplicationStage.PayoutUnconfirmed, ct);

        Assert.Equal(OrchestrationRuntimeStatus.Running, overdue.RuntimeStatus);
        Assert.Contains("operator task", overdue.ReadCustomStatusAs<ApplicationProgress>()!.Detail, StringComparison.Ordinal);
        Assert.Empty(await BookedAsync(key, ct));
        Assert.Equal((30_000m, 0m), await QuotaAsync(key, ct));

        _pipeline.Rail.Resolve(key, PayoutStatus.Settled);
        var outcome = await _pipeline.FinishAsync(id, ct);

        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal(30_000m, DisbursementPostings.NetPaidOut(await BookedAsync(key, ct)));
    }

    [Fact]
    public async Task A_return_after_the_application_finished_is_found_by_the_sweep_booked_as_a_return_and_shown_on_the_application()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, key) = await SubmitAsync("43062619800101104", PayoutScript.Settle, ct);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(id, ct)).Stage);
        var borrowerKey = (await _pipeline.Runtime.Applications.GetAsync(id, ct))!.ApplicantIdHash!;
        Assert.Contains(id, (await _pipeline.Runtime.Steps.Borrowers.GetAsync(borrowerKey, ct)).Holds.Keys);

        _pipeline.Rail.Return(key, "AC04", "ClosedAccountNumber");
        var before = await ReconcileAsync(ct);
        var sweep = await _pipeline.Runtime.PayoutReconciliation.RunAsync(new PayoutSweepPolicy(), ct);
        var again = await _pipeline.Runtime.PayoutReconciliation.RunAsync(new PayoutSweepPolicy(), ct);

        Assert.Contains(before.Differences, d => d.Key == key && d.Kind == ReconciliationDifferenceKind.ReturnedNotBooked);
        Assert.Equal(1, sweep.Returned);
        Assert.Equal(0, again.Returned + again.Booked);
        var booked = await BookedAsync(key, ct);
        Assert.Equal(4, booked.Count);
        Assert.Equal(0m, DisbursementPostings.NetPaidOut(booked));
        Assert.Contains(booked, t => t.ReversesTransferId == key && t.Description.Contains("AC04", StringComparison.Ordinal));
        Assert.Equal((0m, 0m), await QuotaAsync(key, ct));
        var record = await _pipeline.Runtime.Applications.GetAsync(id, ct);
        Assert.Equal(nameof(ApplicationStage.PayoutReturned), record!.Stage);
        Assert.Equal(0m, record.DisbursedAmountYuan);
        // The money never reached the household: it owes nothing on this loan and may apply for the product again.
        Assert.DoesNotContain(id, (await _pipeline.Runtime.Steps.Borrowers.GetAsync(borrowerKey, ct)).Holds.Keys);
        Assert.True((await ReconcileAsync(ct)).Reconciled);
    }

    [Fact]
    public async Task A_payout_that_settles_after_its_application_was_terminated_is_booked_by_the_sweep()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, key) = await SubmitAsync("43062619800101105", PayoutScript.StayPending, ct);
        await TerminateWithPayoutInFlightAsync(id, key, ct);

        _pipeline.Rail.Resolve(key, PayoutStatus.Settled);
        var unbooked = await ReconcileAsync(ct);
        var sweep = await _pipeline.Runtime.PayoutReconciliation.RunAsync(new PayoutSweepPolicy(), ct);

        Assert.Contains(unbooked.Differences, d => d.Key == key && d.Kind == ReconciliationDifferenceKind.SettledNotBooked);
        Assert.Equal(1, sweep.Booked);
        Assert.Empty(sweep.Flagged);
        Assert.Equal(30_000m, DisbursementPostings.NetPaidOut(await BookedAsync(key, ct)));
        Assert.Equal((0m, 30_000m), await QuotaAsync(key, ct));
        Assert.True((await ReconcileAsync(ct)).Reconciled);
    }

    [Fact]
    public async Task A_terminated_application_keeps_its_quota_while_the_payout_is_in_flight_and_gets_it_back_when_the_rail_fails_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (id, key) = await SubmitAsync("43062619800101107", PayoutScript.StayPending, ct);
        await TerminateWithPayoutInFlightAsync(id, key, ct);
        var immediately = new RuralLoans.Pipeline.CoLending.ReservationSweepPolicy { Grace = TimeSpan.Zero };

        await _pipeline.Runtime.ReservationSweep.RunAsync(immediately, ct);
        var inFlight = await QuotaAsync(key, ct);
        _pipeline.Rail.Resolve(key, PayoutStatus.Failed, "AC04", "ClosedAccountNumber");
        await _pipeline.Runtime.ReservationSweep.RunAsync(immediately, ct);
        var sweep = await _pipeline.Runtime.PayoutReconciliation.RunAsync(new PayoutSweepPolicy(), ct);

        Assert.Equal((30_000m, 0m), inFlight);
        Assert.Equal((0m, 0m), await QuotaAsync(key, ct));
        Assert.Equal(0, sweep.Booked);
        Assert.Empty(sweep.Flagged);
        Assert.Empty(await BookedAsync(key, ct));
        Assert.True((await ReconcileAsync(ct)).Reconciled);
    }
}

/// <summary>Money that left is booked even when booking fails on every retry of the step for a while.</summary>
public sealed class PayoutBookingRetryTests(DevServicesFixture services) : IAsyncLifetime
{
    private readonly UnreachableContainer _ledgerOutage = new("ledger");
    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken,
        payouts: new PayoutPolling { FirstRecheck = TimeSpan.FromMilliseconds(500), BookingRetry = TimeSpan.FromSeconds(2) }, cosmosHandler: _ledgerOutage);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task A_settled_payout_whose_booking_keeps_failing_is_retried_until_it_is_booked_never_ending_failed()
    {
        var ct = TestContext.Current.CancellationToken;
        // The ledger is unreachable: every booking attempt fails until it is back.
        _ledgerOutage.Down = true;

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(TestForms.GoodHousehold("43062619800101106"))), ct);
        var key = new DisbursementKey(submitted.ApplicationId, 1).Value;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        OrchestrationMetadata? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await _pipeline.StatusAsync(submitted.ApplicationId, ct);
            if (state?.ReadCustomStatusAs<ApplicationProgress>()?.Detail.Contains("booking", StringComparison.Ordinal) == true || state?.IsCompleted == true)
            {
                break;
            }
            if (state?.ReadCustomStatusAs<ApplicationProgress>()?.Stage == ApplicationStage.AwaitingContract)
            {
                await _pipeline.Runtime.AcceptOfferedContractAsync(submitted.ApplicationId, ct);
            }
            await Task.Delay(200, ct);
        }
        Assert.Equal(PayoutStatus.Settled, _pipeline.Rail.StatusOf(key));
        Assert.True(state is { RuntimeStatus: OrchestrationRuntimeStatus.Running }, $"the application should wait to book, not end: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");

        Assert.True(_ledgerOutage.Refused > 0, "no booking reached the ledger while it was down");
        _ledgerOutage.Down = false;
        var outcome = await _pipeline.FinishAsync(submitted.ApplicationId, ct);

        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal(30_000m, DisbursementPostings.NetPaidOut(await _pipeline.Runtime.Ledger.FindPayoutAsync(key, ct)));
        Assert.True((await RailFacts.ReconcileAsync(_pipeline.Runtime.Steps.PaymentRail, _pipeline.Runtime.Ledger, ct)).Reconciled);
    }
}

/// <summary>Answers 503 for every request to one container while <see cref="Down"/>, as an outage of that container would.</summary>
internal sealed class UnreachableContainer(string container) : RequestHandler
{
    private int _refused;

    public volatile bool Down;

    public int Refused => Volatile.Read(ref _refused);

    public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Down && request.RequestUri.OriginalString.Contains($"/colls/{container}", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _refused);
            return Task.FromResult(new ResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable, request, $"{container} is down"));
        }
        return base.SendAsync(request, cancellationToken);
    }
}
