using RuralLoans.TaskHub;

namespace RuralLoans.Cli.Chaos;

/// <summary>
/// What a chaos run found. The four failure counts must be zero: <see cref="Lost"/> (ended without a payout:
/// missing, failed, terminated or not disbursed), <see cref="Stuck"/> (still running when the system went quiet),
/// <see cref="DuplicatePayouts"/> (an application paid more than once by the rail or booked more than once in the
/// ledger) and <see cref="LedgerImbalances"/> (a transfer that does not balance, or a ledger that disagrees with what
/// the rail paid); plus <see cref="AuditFailures"/>, applications whose audit is not verified.
/// </summary>
public sealed record ChaosReport
{
    public required int Applications { get; init; }
    public required int Kills { get; init; }
    public required int Completed { get; init; }
    public required int Lost { get; init; }
    public required int Stuck { get; init; }
    public required int DuplicatePayouts { get; init; }
    public required int LedgerImbalances { get; init; }
    public required int AuditFailures { get; init; }

    public required int Hosts { get; init; }
    public required int Restarts { get; init; }
    public required int DuplicateMessagesInjected { get; init; }

    /// <summary>Payout requests the rail received, replays and retries included; above the payouts when a step ran twice.</summary>
    public required int RailRequests { get; init; }
    public required int RailPayouts { get; init; }
    public required double Seconds { get; init; }
    public required int Seed { get; init; }
    public required TaskHubSettings Settings { get; init; }

    /// <summary>Whether the ledger's rail-clearing account matches the rail's settled payouts, as `ledger reconcile` checks.</summary>
    public required bool Reconciled { get; init; }

    public required string ReconcileSummary { get; init; }

    /// <summary>One line per problem found (application id and what is wrong), at most a few dozen.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    public bool Passed => Lost == 0 && Stuck == 0 && DuplicatePayouts == 0 && LedgerImbalances == 0 && AuditFailures == 0 && Reconciled;
}
