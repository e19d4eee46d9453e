using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

public class QuotaReservationTests
{
    private static QuotaSnapshot Quota(decimal total = 100_000m) => new() { LenderId = "rcb", TotalQuotaYuan = total, Version = 7 };

    [Fact]
    public void Reserving_takes_quota_and_moves_the_version_on()
    {
        var change = QuotaReservations.Reserve(Quota(), "app-1:1", 30_000m);

        Assert.Equal(QuotaChangeStatus.Applied, change.Status);
        Assert.Equal(70_000m, change.Snapshot.AvailableYuan);
        Assert.Equal(8, change.Snapshot.Version);
    }

    [Fact]
    public void Retrying_the_same_reservation_changes_nothing()
    {
        var reserved = QuotaReservations.Reserve(Quota(), "app-1:1", 30_000m).Snapshot;

        var retry = QuotaReservations.Reserve(reserved, "app-1:1", 30_000m);

        Assert.Equal(QuotaChangeStatus.AlreadyApplied, retry.Status);
        Assert.Same(reserved, retry.Snapshot);
        Assert.Equal(QuotaChangeStatus.Conflict, QuotaReservations.Reserve(reserved, "app-1:1", 31_000m).Status);
    }

    [Fact]
    public void A_reservation_beyond_the_quota_left_is_refused_without_change()
    {
        var reserved = QuotaReservations.Reserve(Quota(), "app-1:1", 80_000m).Snapshot;

        var change = QuotaReservations.Reserve(reserved, "app-2:1", 20_000.01m);

        Assert.Equal(QuotaChangeStatus.InsufficientQuota, change.Status);
        Assert.Same(reserved, change.Snapshot);
    }

    [Fact]
    public void Release_gives_reserved_quota_back_but_never_committed_quota()
    {
        var reserved = QuotaReservations.Reserve(Quota(), "app-1:1", 30_000m).Snapshot;

        var released = QuotaReservations.Release(reserved, "app-1:1");
        var committed = QuotaReservations.Commit(reserved, "app-1:1").Snapshot;

        Assert.Equal(100_000m, released.Snapshot.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Release(released.Snapshot, "app-1:1").Status);
        Assert.Equal(QuotaChangeStatus.Conflict, QuotaReservations.Release(committed, "app-1:1").Status);
        Assert.Equal(70_000m, committed.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Commit(committed, "app-1:1").Status);
    }

    [Fact]
    public void Reserving_for_a_split_is_all_or_nothing()
    {
        var split = new FundSplit
        {
            ApplicationId = "app-1",
            ProductId = "p",
            ProductVersion = "1",
            RuleSetVersion = "r",
            PrincipalYuan = 50_000m,
            BlendedAnnualRate = 0.05m,
            Allocations = [new("coop", LenderRole.Partner, 0.4m, 20_000m, 0.06m), new("rcb", LenderRole.Bank, 0.6m, 30_000m, 0.045m)],
        };
        var snapshots = new Dictionary<string, QuotaSnapshot>
        {
            ["coop"] = new() { LenderId = "coop", TotalQuotaYuan = 1_000_000m },
            ["rcb"] = new() { LenderId = "rcb", TotalQuotaYuan = 29_999.99m },
        };

        var (changes, problems) = QuotaReservations.ReserveAll(snapshots, split, "app-1:1");

        Assert.Empty(changes);
        Assert.Contains("rcb", Assert.Single(problems), StringComparison.Ordinal);
        snapshots["rcb"] = snapshots["rcb"] with { TotalQuotaYuan = 30_000m };
        Assert.Equal(2, QuotaReservations.ReserveAll(snapshots, split, "app-1:1").Changes.Count);
    }
}
