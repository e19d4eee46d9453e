namespace RuralLoans.Domain.Disbursements;

public enum DisbursementState
{
    Approved,
    Disbursing,
    Disbursed,
    Failed,
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
/// conditional write, by whoever pays out), Disbursing → Disbursed or Failed (the rail's answer), and
/// Failed → Disbursing (a retry under the same key, which the rail de-duplicates). Nothing leaves Disbursed.
/// </summary>
public sealed record Disbursement
{
    public required DisbursementKey Key { get; init; }
    public required decimal AmountYuan { get; init; }
    public DisbursementState State { get; init; } = DisbursementState.Approved;
    public int Attempts { get; init; }
    public string? RailReference { get; init; }
    public string? FailureReason { get; init; }
    public IReadOnlyList<DisbursementTransition> History { get; init; } = [];

    public static bool CanMove(DisbursementState from, DisbursementState to) => (from, to) switch
    {
        (DisbursementState.Approved, DisbursementState.Disbursing) => true,
        (DisbursementState.Disbursing, DisbursementState.Disbursed) => true,
        (DisbursementState.Disbursing, DisbursementState.Failed) => true,
        (DisbursementState.Failed, DisbursementState.Disbursing) => true,
        _ => false,
    };

    public static Disbursement Approve(DisbursementKey key, decimal amountYuan) =>
        amountYuan > 0 && decimal.Round(amountYuan, 2) == amountYuan
            ? new Disbursement { Key = key, AmountYuan = amountYuan }
            : throw new ArgumentOutOfRangeException(nameof(amountYuan), amountYuan, "A payout must be a positive amount in whole fen.");

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

    private Disbursement Move(DisbursementState to, DateTimeOffset at, string? note) =>
        CanMove(State, to)
            ? this with { State = to, History = [.. History, new DisbursementTransition(State, to, at, note)] }
            : throw new InvalidDisbursementTransitionException(Key, State, to);
}
