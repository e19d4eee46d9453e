namespace RuralLoans.Domain.Disbursements;

public enum DisbursementState
{
    Approved,
    Disbursing,
    /// <summary>The rail settled the payout: the money has left.</summary>
    Disbursed,
    Failed,

    /// <summary>Settled, then sent back by the payee's bank (退汇). Final.</summary>
    Returned,
}

public sealed class InvalidDisbursementTransitionException(DisbursementKey key, DisbursementState from, DisbursementState to)
    : InvalidOperationException($"Disbursement {key} cannot go from {from} to {to}.")
{
    public DisbursementKey Key { get; } = key;
    public DisbursementState From { get; } = from;
    public DisbursementState To { get; } = to;
}

public sealed record DisbursementTransition(DisbursementState From, DisbursementState To, DateTimeOffset At, string? Note);

/// <summary>
/// One tranche's payout and where it stands. Allowed moves: Approved → Disbursing (claimed, with one
/// conditional write, by whoever pays out; it stays there while the rail says pending or processing),
/// Disbursing → Disbursed (the rail settled) or Failed (the rail failed it or refused the request),
/// Failed → Disbursing (a retry under the same key, which the rail de-duplicates), and Disbursed → Returned
/// (the payee's bank sent the money back). Nothing leaves Returned.
/// </summary>
public sealed record Disbursement
{
    public required DisbursementKey Key { get; init; }
    public required decimal AmountYuan { get; init; }
    public DisbursementState State { get; init; } = DisbursementState.Approved;
    public int Attempts { get; init; }
    public string? RailReference { get; init; }
    public string? FailureReason { get; init; }

    /// <summary>Why the payee's bank sent the money back (ISO 20022 return reason), once returned.</summary>
    public string? ReturnReason { get; init; }

    /// <summary>The lenders' shares the payout is booked against, so a sweep can book it without the orchestration.</summary>
    public IReadOnlyList<PayoutShare> Shares { get; init; } = [];

    public IReadOnlyList<DisbursementTransition> History { get; init; } = [];

    public static bool CanMove(DisbursementState from, DisbursementState to) => (from, to) switch
    {
        (DisbursementState.Disbursed, DisbursementState.Returned) => true,
        (DisbursementState.Approved, DisbursementState.Disbursing) => true,
        (DisbursementState.Disbursing, DisbursementState.Disbursed) => true,
        (DisbursementState.Disbursing, DisbursementState.Failed) => true,
        (DisbursementState.Failed, DisbursementState.Disbursing) => true,
        _ => false,
    };

    public static Disbursement Approve(DisbursementKey key, decimal amountYuan, IReadOnlyList<PayoutShare>? shares = null)
    {
        if (amountYuan <= 0 || decimal.Round(amountYuan, 2) != amountYuan)
        {
            throw new ArgumentOutOfRangeException(nameof(amountYuan), amountYuan, "A payout must be a positive amount in whole fen.");
        }
        if (shares is { Count: > 0 } && shares.Sum(s => s.AmountYuan) != amountYuan)
        {
            throw new ArgumentException($"The lenders' shares add up to {shares.Sum(s => s.AmountYuan)}, not {amountYuan}.", nameof(shares));
        }
        return new Disbursement { Key = key, AmountYuan = amountYuan, Shares = shares ?? [] };
    }

    /// <summary>Claims the payout (first attempt or retry after a failure).</summary>
    public Disbursement StartPayout(DateTimeOffset at) =>
        Move(DisbursementState.Disbursing, at, State == DisbursementState.Failed ? "retry" : null) with { Attempts = Attempts + 1, FailureReason = null };

    /// <summary>The rail confirmed the payment. Hearing the same confirmation again changes nothing.</summary>
    public Disbursement MarkDisbursed(string railReference, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(railReference);
        if (State == DisbursementState.Disbursed && RailReference == railReference)
        {
            return this;
        }
        return Move(DisbursementState.Disbursed, at, railReference) with { RailReference = railReference };
    }

    public Disbursement MarkFailed(string reason, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return Move(DisbursementState.Failed, at, reason) with { FailureReason = reason };
    }

    /// <summary>The payee's bank sent the settled money back. Hearing it again changes nothing.</summary>
    public Disbursement MarkReturned(string reason, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return State == DisbursementState.Returned ? this : Move(DisbursementState.Returned, at, reason) with { ReturnReason = reason };
    }

    private Disbursement Move(DisbursementState to, DateTimeOffset at, string? note) =>
        CanMove(State, to)
            ? this with { State = to, History = [.. History, new DisbursementTransition(State, to, at, note)] }
            : throw new InvalidDisbursementTransitionException(Key, State, to);
}
