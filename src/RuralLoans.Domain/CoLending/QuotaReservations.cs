namespace RuralLoans.Domain.CoLending;

public enum ReservationState
{
    /// <summary>Held for an approved loan that is not yet paid out.</summary>
    Reserved,

    /// <summary>The loan was paid out: the quota is used.</summary>
    Committed,
}

public sealed record QuotaReservation(string ReservationId, decimal AmountYuan, ReservationState State);

/// <summary>
/// A lender's co-lending quota at one version. The store keeps one document per lender and writes a new
/// snapshot only if the version it read is still current (an ETag check), so these functions never race.
/// </summary>
public sealed record QuotaSnapshot
{
    public required string LenderId { get; init; }
    public required decimal TotalQuotaYuan { get; init; }
    public IReadOnlyDictionary<string, QuotaReservation> Reservations { get; init; } = new Dictionary<string, QuotaReservation>();
    public long Version { get; init; }

    public decimal UsedYuan => Reservations.Values.Sum(r => r.AmountYuan);
    public decimal AvailableYuan => TotalQuotaYuan - UsedYuan;
}

public enum QuotaChangeStatus
{
    /// <summary>The snapshot changed; write it back guarded by the version read.</summary>
    Applied,

    /// <summary>The same change was made before (a retry): nothing to write.</summary>
    AlreadyApplied,

    /// <summary>Not enough quota left.</summary>
    InsufficientQuota,

    /// <summary>The reservation id is taken by a different amount, or the change does not fit its state.</summary>
    Conflict,

    NotFound,
}

public sealed record QuotaChange(QuotaChangeStatus Status, QuotaSnapshot Snapshot, string? Problem = null)
{
    public bool Succeeded => Status is QuotaChangeStatus.Applied or QuotaChangeStatus.AlreadyApplied;
}

/// <summary>
/// Pure quota bookkeeping: reserve on approval, commit on payout, release on failure or decline. Every
/// operation is idempotent by reservation id (use the disbursement key) so a retried step changes nothing twice.
/// </summary>
public static class QuotaReservations
{
    public static QuotaChange Reserve(QuotaSnapshot snapshot, string reservationId, decimal amountYuan)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (amountYuan <= 0 || Money.RoundToFen(amountYuan) != amountYuan)
        {
            throw new ArgumentOutOfRangeException(nameof(amountYuan), amountYuan, "A reservation must be a positive amount in whole fen.");
        }
        if (snapshot.Reservations.TryGetValue(reservationId, out var existing))
        {
            return existing.AmountYuan == amountYuan
                ? new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot)
                : new QuotaChange(QuotaChangeStatus.Conflict, snapshot, $"Reservation {reservationId} already holds {existing.AmountYuan}, not {amountYuan}.");
        }
        if (amountYuan > snapshot.AvailableYuan)
        {
            return new QuotaChange(QuotaChangeStatus.InsufficientQuota, snapshot, $"Lender {snapshot.LenderId} has {snapshot.AvailableYuan} left, {amountYuan} was asked for.");
        }
        return new QuotaChange(QuotaChangeStatus.Applied, With(snapshot, reservationId, new QuotaReservation(reservationId, amountYuan, ReservationState.Reserved)));
    }

    public static QuotaChange Commit(QuotaSnapshot snapshot, string reservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!snapshot.Reservations.TryGetValue(reservationId, out var existing))
        {
            return new QuotaChange(QuotaChangeStatus.NotFound, snapshot, $"No reservation {reservationId} for lender {snapshot.LenderId}.");
        }
        return existing.State == ReservationState.Committed
            ? new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot)
            : new QuotaChange(QuotaChangeStatus.Applied, With(snapshot, reservationId, existing with { State = ReservationState.Committed }));
    }

    /// <summary>Gives a reserved amount back. Releasing twice is harmless; committed quota is never released here.</summary>
    public static QuotaChange Release(QuotaSnapshot snapshot, string reservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!snapshot.Reservations.TryGetValue(reservationId, out var existing))
        {
            return new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot);
        }
        if (existing.State == ReservationState.Committed)
        {
            return new QuotaChange(QuotaChangeStatus.Conflict, snapshot, $"Reservation {reservationId} was paid out; repayments restore quota, not a release.");
        }
        var reservations = snapshot.Reservations.Where(kv => kv.Key != reservationId).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return new QuotaChange(QuotaChangeStatus.Applied, snapshot with { Reservations = reservations, Version = snapshot.Version + 1 });
    }

    /// <summary>
    /// Plans reservations for every lender of a split, all or nothing: either every lender's new snapshot,
    /// or the lenders that lack quota and no change at all.
    /// </summary>
    public static (IReadOnlyList<QuotaChange> Changes, IReadOnlyList<string> Problems) ReserveAll(
        IReadOnlyDictionary<string, QuotaSnapshot> snapshots, FundSplit split, string reservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(split);
        var changes = new List<QuotaChange>();
        var problems = new List<string>();
        foreach (var allocation in split.Allocations)
        {
            if (!snapshots.TryGetValue(allocation.LenderId, out var snapshot))
            {
                problems.Add($"No quota record for lender {allocation.LenderId}.");
                continue;
            }
            var change = Reserve(snapshot, reservationId, allocation.AmountYuan);
            if (change.Succeeded)
            {
                changes.Add(change);
            }
            else
            {
                problems.Add(change.Problem!);
            }
        }
        return problems.Count == 0 ? (changes, problems) : ([], problems);
    }

    private static QuotaSnapshot With(QuotaSnapshot snapshot, string reservationId, QuotaReservation reservation)
    {
        var reservations = new Dictionary<string, QuotaReservation>(snapshot.Reservations, StringComparer.Ordinal) { [reservationId] = reservation };
        return snapshot with { Reservations = reservations, Version = snapshot.Version + 1 };
    }
}
