namespace RuralLoans.Domain.CoLending;

public enum ReservationState
{
    /// <summary>Held for an approved loan that is not yet paid out.</summary>
    Reserved,

    /// <summary>The loan was paid out: the quota is used.</summary>
    Committed,

    /// <summary>Given back: the loan was not funded or not paid out.</summary>
    Released,
}

/// <param name="PartnerId">The partner whose loan this is: the bank's balance with each partner is capped (China 2021).</param>
public sealed record QuotaReservation(string ReservationId, decimal AmountYuan, ReservationState State, string? PartnerId = null);

/// <summary>
/// A lender's co-lending quota at one version. The store keeps one document per lender and writes a new
/// snapshot only if the version it read is still current (an ETag check), so these functions never race.
/// </summary>
/// <remarks>
/// The document must stay small however many loans a lender funds (Cosmos items are capped at 2 MB), so only quota
/// still held is kept per reservation. Paid-out reservations are folded into <see cref="CommittedYuan"/>, and every
/// settled reservation (committed or released) is remembered in <see cref="RecentlySettled"/>, a window of at most
/// <see cref="QuotaReservations.SettledWindow"/> ids, so a retried commit or release is recognised as done.
/// </remarks>
public sealed record QuotaSnapshot
{
    public required string LenderId { get; init; }
    public required decimal TotalQuotaYuan { get; init; }

    /// <summary>Quota used by loans paid out, no longer listed one by one.</summary>
    public decimal CommittedYuan { get; init; }

    /// <summary>
    /// The committed total by originating partner: the running balance the partner-concentration limit is checked on.
    /// Loans committed before this was kept have no partner and count only in <see cref="CommittedYuan"/>.
    /// </summary>
    public IReadOnlyDictionary<string, decimal> CommittedByPartnerYuan { get; init; } = new Dictionary<string, decimal>();

    /// <summary>Quota held for loans not yet paid out. (Documents written before folding may still list committed ones.)</summary>
    public IReadOnlyDictionary<string, QuotaReservation> Reservations { get; init; } = new Dictionary<string, QuotaReservation>();

    /// <summary>The latest settled reservations, oldest first, with what became of them.</summary>
    public IReadOnlyList<QuotaReservation> RecentlySettled { get; init; } = [];

    public long Version { get; init; }

    public decimal UsedYuan => CommittedYuan + Reservations.Values.Sum(r => r.AmountYuan);
    public decimal AvailableYuan => TotalQuotaYuan - UsedYuan;

    /// <summary>The lender's balance with one partner through this platform: paid out plus still reserved.</summary>
    public decimal PartnerBalanceYuan(string partnerId) =>
        CommittedByPartnerYuan.GetValueOrDefault(partnerId) + Reservations.Values.Where(r => r.State == ReservationState.Reserved && r.PartnerId == partnerId).Sum(r => r.AmountYuan);

    /// <summary>The reservations still holding quota (not yet paid out, not given back).</summary>
    public IEnumerable<QuotaReservation> Held => Reservations.Values.Where(r => r.State == ReservationState.Reserved);
}

public enum QuotaChangeStatus
{
    /// <summary>The snapshot changed; write it back guarded by the version read.</summary>
    Applied,

    /// <summary>The same change was made before (a retry): nothing to write.</summary>
    AlreadyApplied,

    /// <summary>Not enough quota left.</summary>
    InsufficientQuota,

    /// <summary>A balance limit (e.g. the bank's exposure to one partner) would be broken by this reservation.</summary>
    LimitExceeded,

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
/// <remarks>
/// Why a bounded window is enough: a reservation id is the disbursement key (application + tranche), unique per
/// application, and it is only ever reserved by the split step before that step's decision is recorded; commits and
/// releases come later. So once an id is settled, the only changes that can still arrive for it are retries of a
/// commit or release, and those come within minutes to hours. An id that has left the window is treated safely too:
/// a commit of an unknown id changes nothing (<see cref="QuotaChangeStatus.NotFound"/>), a release of one changes
/// nothing (<see cref="QuotaChangeStatus.AlreadyApplied"/>) — neither can count an amount twice.
/// </remarks>
public static class QuotaReservations
{
    /// <summary>Settled ids remembered per lender: about 100 KB of document, days of retries at thousands of loans a day.</summary>
    public const int SettledWindow = 1_000;

    /// <param name="partnerId">The loan's originating partner, kept so the partner balance counts it once paid out.</param>
    /// <param name="limits">
    /// Checked on the snapshot being changed, so concurrent reservations are judged on each other's amounts: returns the
    /// broken limit's message, or null. Not asked for a retry of a reservation already made.
    /// </param>
    public static QuotaChange Reserve(QuotaSnapshot snapshot, string reservationId, decimal amountYuan, string? partnerId = null, Func<QuotaSnapshot, string?>? limits = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrWhiteSpace(reservationId);
        if (amountYuan <= 0 || Money.RoundToFen(amountYuan) != amountYuan)
        {
            throw new ArgumentOutOfRangeException(nameof(amountYuan), amountYuan, "A reservation must be a positive amount in whole fen.");
        }
        // A paid-out id is still taken; a released one may be reserved again (a split that gave its quota back, retried).
        var existing = snapshot.Reservations.GetValueOrDefault(reservationId)
            ?? (Settled(snapshot, reservationId) is { State: ReservationState.Committed } paid ? paid : null);
        if (existing is not null)
        {
            return existing.AmountYuan == amountYuan
                ? new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot)
                : new QuotaChange(QuotaChangeStatus.Conflict, snapshot, $"Reservation {reservationId} already holds {existing.AmountYuan}, not {amountYuan}.");
        }
        if (amountYuan > snapshot.AvailableYuan)
        {
            return new QuotaChange(QuotaChangeStatus.InsufficientQuota, snapshot, $"Lender {snapshot.LenderId} has {snapshot.AvailableYuan} left, {amountYuan} was asked for.");
        }
        if (limits?.Invoke(snapshot) is { } broken)
        {
            return new QuotaChange(QuotaChangeStatus.LimitExceeded, snapshot, broken);
        }
        var reservations = new Dictionary<string, QuotaReservation>(snapshot.Reservations, StringComparer.Ordinal)
        {
            [reservationId] = new QuotaReservation(reservationId, amountYuan, ReservationState.Reserved, partnerId),
        };
        var settled = snapshot.RecentlySettled.Where(r => !IsId(r, reservationId)).ToList();
        return Applied(snapshot, reservations, snapshot.CommittedYuan, settled);
    }

    /// <summary>
    /// Marks a reservation paid out: its amount moves into the committed total and the id into the settled window.
    /// A payout of a reservation that was released (e.g. by the sweep, then the application was retried and paid) takes
    /// the amount again: the money has left, so the quota is used even if that overdraws it.
    /// </summary>
    public static QuotaChange Commit(QuotaSnapshot snapshot, string reservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Reservations.TryGetValue(reservationId, out var held))
        {
            if (held.State == ReservationState.Committed)
            {
                return new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot);
            }
            var reservations = Without(snapshot.Reservations, reservationId);
            return Applied(snapshot, reservations, snapshot.CommittedYuan + held.AmountYuan, Settle(snapshot.RecentlySettled, held with { State = ReservationState.Committed }), held);
        }
        return Settled(snapshot, reservationId) switch
        {
            { State: ReservationState.Committed } => new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot),
            { State: ReservationState.Released } released => Applied(snapshot, snapshot.Reservations, snapshot.CommittedYuan + released.AmountYuan,
                Settle(snapshot.RecentlySettled, released with { State = ReservationState.Committed }), released),
            _ => new QuotaChange(QuotaChangeStatus.NotFound, snapshot, $"No reservation {reservationId} for lender {snapshot.LenderId}."),
        };
    }

    /// <summary>Gives a reserved amount back. Releasing twice is harmless; committed quota is never released here.</summary>
    public static QuotaChange Release(QuotaSnapshot snapshot, string reservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var committed = snapshot.Reservations.TryGetValue(reservationId, out var held)
            ? held.State == ReservationState.Committed
            : Settled(snapshot, reservationId)?.State == ReservationState.Committed;
        if (committed)
        {
            return new QuotaChange(QuotaChangeStatus.Conflict, snapshot, $"Reservation {reservationId} was paid out; repayments restore quota, not a release.");
        }
        if (held is null)
        {
            return new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot);
        }
        return Applied(snapshot, Without(snapshot.Reservations, reservationId), snapshot.CommittedYuan,
            Settle(snapshot.RecentlySettled, held with { State = ReservationState.Released }));
    }

    /// <summary>
    /// Gives back the quota of a paid-out loan whose money the payee's bank sent back (退汇): the loan never came to be.
    /// Idempotent: a second return of the same id changes nothing; a reservation still held is simply released.
    /// </summary>
    public static QuotaChange ReturnPaidOut(QuotaSnapshot snapshot, string reservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Reservations.TryGetValue(reservationId, out var held))
        {
            return held.State == ReservationState.Committed
                ? Applied(snapshot, Without(snapshot.Reservations, reservationId), snapshot.CommittedYuan,
                    Settle(snapshot.RecentlySettled, held with { State = ReservationState.Released }))
                : Release(snapshot, reservationId);
        }
        return Settled(snapshot, reservationId) switch
        {
            { State: ReservationState.Released } => new QuotaChange(QuotaChangeStatus.AlreadyApplied, snapshot),
            { State: ReservationState.Committed } paid => Applied(snapshot, snapshot.Reservations, snapshot.CommittedYuan - paid.AmountYuan,
                Settle(snapshot.RecentlySettled, paid with { State = ReservationState.Released })),
            _ => new QuotaChange(QuotaChangeStatus.NotFound, snapshot, $"No paid-out reservation {reservationId} for lender {snapshot.LenderId}."),
        };
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

    private static bool IsId(QuotaReservation reservation, string reservationId) => string.Equals(reservation.ReservationId, reservationId, StringComparison.Ordinal);

    /// <summary>The newest settled entry for the id (an id settles again only after being reserved again).</summary>
    private static QuotaReservation? Settled(QuotaSnapshot snapshot, string reservationId) => snapshot.RecentlySettled.LastOrDefault(r => IsId(r, reservationId));

    private static Dictionary<string, QuotaReservation> Without(IReadOnlyDictionary<string, QuotaReservation> reservations, string reservationId) =>
        reservations.Where(kv => kv.Key != reservationId).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static List<QuotaReservation> Settle(IReadOnlyList<QuotaReservation> settled, QuotaReservation outcome) =>
        [.. settled.Where(r => !IsId(r, outcome.ReservationId)), outcome];

    /// <summary>
    /// Every write also folds what documents from before folding still list as committed, and trims the window, so an
    /// old document shrinks on its first change.
    /// </summary>
    private static QuotaChange Applied(QuotaSnapshot snapshot, IReadOnlyDictionary<string, QuotaReservation> reservations, decimal committedYuan, List<QuotaReservation> settled,
        QuotaReservation? committing = null)
    {
        var byPartner = new Dictionary<string, decimal>(snapshot.CommittedByPartnerYuan, StringComparer.Ordinal);
        if (committing?.PartnerId is { } partnerId)
        {
            byPartner[partnerId] = byPartner.GetValueOrDefault(partnerId) + committing.AmountYuan;
        }
        var held = new Dictionary<string, QuotaReservation>(StringComparer.Ordinal);
        foreach (var (id, reservation) in reservations)
        {
            if (reservation.State == ReservationState.Committed)
            {
                committedYuan += reservation.AmountYuan;
                if (reservation.PartnerId is { } oldPartner)
                {
                    byPartner[oldPartner] = byPartner.GetValueOrDefault(oldPartner) + reservation.AmountYuan;
                }
                settled.Insert(0, reservation);
            }
            else
            {
                held[id] = reservation;
            }
        }
        var window = settled.Count > SettledWindow ? settled.GetRange(settled.Count - SettledWindow, SettledWindow) : settled;
        return new QuotaChange(QuotaChangeStatus.Applied, snapshot with
        {
            Reservations = held,
            CommittedYuan = committedYuan,
            CommittedByPartnerYuan = byPartner,
            RecentlySettled = window,
            Version = snapshot.Version + 1,
        });
    }
}
