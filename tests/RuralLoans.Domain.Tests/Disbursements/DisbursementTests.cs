using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;

namespace RuralLoans.Domain.Tests.Disbursements;

public class DisbursementTests
{
    private static readonly DateTimeOffset Now = new(2024, 3, 20, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly DisbursementKey Key = new("app-1", 1);

    [Fact]
    public void The_key_is_application_plus_tranche_and_parses_back()
    {
        Assert.Equal("app-1/tranche-1", Key.Value);
        Assert.Equal(Key, DisbursementKey.Parse("app-1/tranche-1"));
        Assert.Equal(new DisbursementKey("app-1", 2), DisbursementKey.Parse(new DisbursementKey("app-1", 2).Value));
        Assert.Throws<ArgumentException>(() => new DisbursementKey("a/b", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DisbursementKey("app-1", 0));
        Assert.Throws<FormatException>(() => DisbursementKey.Parse("app-1"));
    }

    [Fact]
    public void A_payout_goes_approved_disbursing_disbursed_and_keeps_its_history()
    {
        var paid = Disbursement.Approve(Key, 30_000m).StartPayout(Now).MarkDisbursed("RAIL-778", Now.AddSeconds(3));

        Assert.Equal(DisbursementState.Disbursed, paid.State);
        Assert.Equal("RAIL-778", paid.RailReference);
        Assert.Equal(1, paid.Attempts);
        Assert.Equal(
            [(DisbursementState.Approved, DisbursementState.Disbursing), (DisbursementState.Disbursing, DisbursementState.Disbursed)],
            paid.History.Select(h => (h.From, h.To)));
    }

    [Fact]
    public void A_failed_payout_can_be_retried_under_the_same_key()
    {
        var retried = Disbursement.Approve(Key, 30_000m).StartPayout(Now).MarkFailed("rail timeout, not found by key", Now).StartPayout(Now);

        Assert.Equal((DisbursementState.Disbursing, 2, Key), (retried.State, retried.Attempts, retried.Key));
        Assert.Null(retried.FailureReason);
    }

    [Fact]
    public void Repeating_the_same_confirmation_is_harmless()
    {
        var paid = Disbursement.Approve(Key, 30_000m).StartPayout(Now).MarkDisbursed("RAIL-778", Now);

        Assert.Same(paid, paid.MarkDisbursed("RAIL-778", Now));
    }

    [Theory]
    [InlineData(DisbursementState.Approved, DisbursementState.Disbursed)]
    [InlineData(DisbursementState.Approved, DisbursementState.Failed)]
    [InlineData(DisbursementState.Disbursed, DisbursementState.Disbursing)]
    [InlineData(DisbursementState.Disbursed, DisbursementState.Failed)]
    [InlineData(DisbursementState.Failed, DisbursementState.Disbursed)]
    [InlineData(DisbursementState.Disbursing, DisbursementState.Approved)]
    public void Skipping_or_undoing_a_step_is_refused(DisbursementState from, DisbursementState to)
    {
        Assert.False(Disbursement.CanMove(from, to));
    }

    [Fact]
    public void Paying_out_twice_is_refused()
    {
        var paid = Disbursement.Approve(Key, 30_000m).StartPayout(Now).MarkDisbursed("RAIL-778", Now);

        var error = Assert.Throws<InvalidDisbursementTransitionException>(() => paid.StartPayout(Now));
        Assert.Equal((DisbursementState.Disbursed, DisbursementState.Disbursing), (error.From, error.To));
        Assert.Throws<InvalidDisbursementTransitionException>(() => paid.MarkDisbursed("RAIL-999", Now));
    }

    [Fact]
    public void A_disbursement_survives_a_json_round_trip()
    {
        var paid = Disbursement.Approve(Key, 30_000m).StartPayout(Now).MarkDisbursed("RAIL-778", Now);

        var reloaded = System.Text.Json.JsonSerializer.Deserialize<Disbursement>(System.Text.Json.JsonSerializer.Serialize(paid))!;

        Assert.Equal((paid.Key, paid.State, paid.RailReference, paid.Attempts), (reloaded.Key, reloaded.State, reloaded.RailReference, reloaded.Attempts));
        Assert.Equal(paid.History, reloaded.History);
    }
}

public class PayoutReturnTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Only_a_settled_payout_can_be_returned_and_a_return_is_final()
    {
        var claimed = Disbursement.Approve(new DisbursementKey("app-9", 1), 1_000m).StartPayout(Now);
        var returned = claimed.MarkDisbursed("po_1", Now).MarkReturned("AC04 ClosedAccountNumber", Now.AddDays(1));

        Assert.Throws<InvalidDisbursementTransitionException>(() => claimed.MarkReturned("AC04", Now));
        Assert.Equal(DisbursementState.Returned, returned.State);
        Assert.Equal("AC04 ClosedAccountNumber", returned.ReturnReason);
        Assert.Same(returned, returned.MarkReturned("AC04 ClosedAccountNumber", Now.AddDays(2)));
        Assert.Throws<InvalidDisbursementTransitionException>(() => returned.StartPayout(Now));
    }

    [Fact]
    public void A_returned_loan_gives_its_committed_quota_back_once()
    {
        var snapshot = new QuotaSnapshot { LenderId = "rcb", TotalQuotaYuan = 10_000m };
        snapshot = QuotaReservations.Reserve(snapshot, "app-9/tranche-1", 4_000m).Snapshot;
        snapshot = QuotaReservations.Commit(snapshot, "app-9/tranche-1").Snapshot;
        Assert.Equal(6_000m, snapshot.AvailableYuan);

        var back = QuotaReservations.ReturnPaidOut(snapshot, "app-9/tranche-1");
        var again = QuotaReservations.ReturnPaidOut(back.Snapshot, "app-9/tranche-1");

        Assert.Equal(QuotaChangeStatus.Applied, back.Status);
        Assert.Equal(10_000m, back.Snapshot.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, again.Status);
        Assert.Equal(QuotaChangeStatus.NotFound, QuotaReservations.ReturnPaidOut(snapshot, "never-paid").Status);
    }
}
