using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

/// <summary>A lender's running balance per partner: what the concentration limit is checked on.</summary>
public class QuotaPartnerBalanceTests
{
    private static readonly QuotaSnapshot Fresh = new() { LenderId = "BANK-RCB", TotalQuotaYuan = 1_000_000m };

    [Fact]
    public void Paid_out_and_reserved_loans_count_in_the_partner_balance_and_released_ones_do_not()
    {
        var s = QuotaReservations.Reserve(Fresh, "a/tranche-1", 10_000m, "MFI001").Snapshot;
        s = QuotaReservations.Commit(s, "a/tranche-1").Snapshot;
        s = QuotaReservations.Reserve(s, "b/tranche-1", 2_000m, "MFI001").Snapshot;
        s = QuotaReservations.Reserve(s, "c/tranche-1", 3_000m, "MFI002").Snapshot;
        s = QuotaReservations.Reserve(s, "d/tranche-1", 500m, "MFI001").Snapshot;
        s = QuotaReservations.Release(s, "d/tranche-1").Snapshot;

        Assert.Equal(10_000m, s.CommittedByPartnerYuan["MFI001"]);
        Assert.Equal(12_000m, s.PartnerBalanceYuan("MFI001"));
        Assert.Equal(3_000m, s.PartnerBalanceYuan("MFI002"));
        Assert.Equal(15_000m, s.UsedYuan);
    }

    [Fact]
    public void A_limit_checked_on_the_snapshot_refuses_without_changing_it()
    {
        var s = QuotaReservations.Commit(QuotaReservations.Reserve(Fresh, "a/tranche-1", 10_000m, "MFI001").Snapshot, "a/tranche-1").Snapshot;

        var refused = QuotaReservations.Reserve(s, "b/tranche-1", 5_000m, "MFI001", current => current.PartnerBalanceYuan("MFI001") + 5_000m > 12_000m ? "over the cap" : null);
        var retried = QuotaReservations.Reserve(s, "a/tranche-1", 10_000m, "MFI001", _ => "never asked for a retry");

        Assert.Equal(QuotaChangeStatus.LimitExceeded, refused.Status);
        Assert.Equal("over the cap", refused.Problem);
        Assert.Same(s, refused.Snapshot);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, retried.Status);
    }
}
