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

    [Fact]
    public void A_commit_folds_the_reservation_into_the_committed_total_and_a_retried_commit_counts_nothing()
    {
        var reserved = QuotaReservations.Reserve(Quota(), "app-1/tranche-1", 30_000m).Snapshot;

        var committed = QuotaReservations.Commit(reserved, "app-1/tranche-1").Snapshot;
        var retry = QuotaReservations.Commit(committed, "app-1/tranche-1");

        Assert.Empty(committed.Reservations);
        Assert.Equal(30_000m, committed.CommittedYuan);
        Assert.Equal(70_000m, committed.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, retry.Status);
        Assert.Same(committed, retry.Snapshot);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Reserve(committed, "app-1/tranche-1", 30_000m).Status);
        Assert.Equal(QuotaChangeStatus.Conflict, QuotaReservations.Reserve(committed, "app-1/tranche-1", 31_000m).Status);
        Assert.Equal(QuotaChangeStatus.Conflict, QuotaReservations.Release(committed, "app-1/tranche-1").Status);
    }

    [Fact]
    public void Tens_of_thousands_of_loans_leave_a_bounded_document_with_the_exact_committed_total()
    {
        var snapshot = Quota(total: 1_000_000_000m);
        for (var i = 0; i < 20_000; i++)
        {
            var id = $"app-{i}/tranche-1";
            snapshot = QuotaReservations.Reserve(snapshot, id, 1_000.01m).Snapshot;
            snapshot = i % 4 == 0 ? QuotaReservations.Release(snapshot, id).Snapshot : QuotaReservations.Commit(snapshot, id).Snapshot;
        }

        Assert.Empty(snapshot.Reservations);
        Assert.Equal(QuotaReservations.SettledWindow, snapshot.RecentlySettled.Count);
        Assert.Equal(15_000 * 1_000.01m, snapshot.CommittedYuan);
        Assert.Equal("app-19999/tranche-1", snapshot.RecentlySettled[^1].ReservationId);
        // Retries within the window are recognised as done.
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Commit(snapshot, "app-19999/tranche-1").Status);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Release(snapshot, "app-19996/tranche-1").Status);
        // Ids that left the window are never counted again.
        Assert.Equal(QuotaChangeStatus.NotFound, QuotaReservations.Commit(snapshot, "app-1/tranche-1").Status);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Release(snapshot, "app-1/tranche-1").Status);
        Assert.Equal(15_000 * 1_000.01m, snapshot.CommittedYuan);
    }

    [Fact]
    public void A_released_reservation_is_not_kept_and_a_second_release_is_harmless()
    {
        var reserved = QuotaReservations.Reserve(Quota(), "app-1/tranche-1", 30_000m).Snapshot;

        var released = QuotaReservations.Release(reserved, "app-1/tranche-1").Snapshot;
        var again = QuotaReservations.Release(released, "app-1/tranche-1");

        Assert.Empty(released.Reservations);
        Assert.Equal(ReservationState.Released, Assert.Single(released.RecentlySettled).State);
        Assert.Equal(100_000m, released.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, again.Status);
        Assert.Same(released, again.Snapshot);
    }

    [Fact]
    public void A_payout_after_its_reservation_was_released_uses_the_quota_once()
    {
        var reserved = QuotaReservations.Reserve(Quota(), "app-1/tranche-1", 30_000m).Snapshot;
        var released = QuotaReservations.Release(reserved, "app-1/tranche-1").Snapshot;

        var paid = QuotaReservations.Commit(released, "app-1/tranche-1");
        var retry = QuotaReservations.Commit(paid.Snapshot, "app-1/tranche-1");

        Assert.Equal(QuotaChangeStatus.Applied, paid.Status);
        Assert.Equal(70_000m, paid.Snapshot.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, retry.Status);
        Assert.Equal(ReservationState.Committed, Assert.Single(paid.Snapshot.RecentlySettled).State);
    }

    [Fact]
    public void A_split_that_gave_its_quota_back_may_reserve_again_under_the_same_id()
    {
        var released = QuotaReservations.Release(QuotaReservations.Reserve(Quota(), "app-1/tranche-1", 30_000m).Snapshot, "app-1/tranche-1").Snapshot;

        var again = QuotaReservations.Reserve(released, "app-1/tranche-1", 30_000m);

        Assert.Equal(QuotaChangeStatus.Applied, again.Status);
        Assert.Equal(70_000m, again.Snapshot.AvailableYuan);
        Assert.Empty(again.Snapshot.RecentlySettled);
    }

    [Fact]
    public void A_document_from_before_folding_is_folded_on_its_next_change_without_changing_the_quota_used()
    {
        var legacy = Quota() with
        {
            Reservations = new Dictionary<string, QuotaReservation>
            {
                ["old-1/tranche-1"] = new("old-1/tranche-1", 10_000m, ReservationState.Committed),
                ["old-2/tranche-1"] = new("old-2/tranche-1", 5_000m, ReservationState.Reserved),
            },
        };
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Commit(legacy, "old-1/tranche-1").Status);

        var next = QuotaReservations.Reserve(legacy, "app-1/tranche-1", 1_000m).Snapshot;

        Assert.Equal(10_000m, next.CommittedYuan);
        Assert.Equal(["app-1/tranche-1", "old-2/tranche-1"], next.Reservations.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(84_000m, next.AvailableYuan);
        Assert.Equal(QuotaChangeStatus.AlreadyApplied, QuotaReservations.Commit(next, "old-1/tranche-1").Status);
    }
}
