using System.Collections.Immutable;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Disbursements;

public enum EntrySide
{
    Debit,
    Credit,
}

public sealed record LedgerEntry(string Account, EntrySide Side, decimal AmountYuan);

/// <summary>A set of entries posted together; its id is the disbursement key for payouts.</summary>
public sealed record LedgerTransfer
{
    public required string TransferId { get; init; }
    public required string Description { get; init; }
    public required DateTimeOffset PostedAt { get; init; }
    public required IReadOnlyList<LedgerEntry> Entries { get; init; }

    /// <summary>The transfer this one cancels, when it is a reversal.</summary>
    public string? ReversesTransferId { get; init; }

    public decimal Debits => Entries.Where(e => e.Side == EntrySide.Debit).Sum(e => e.AmountYuan);
    public decimal Credits => Entries.Where(e => e.Side == EntrySide.Credit).Sum(e => e.AmountYuan);

    /// <summary>Same id, entries and links: a re-post of this transfer is a harmless retry.</summary>
    public bool SameBookingAs(LedgerTransfer other) =>
        other is not null && TransferId == other.TransferId && ReversesTransferId == other.ReversesTransferId && Entries.SequenceEqual(other.Entries);
}

public sealed class LedgerConflictException(string message) : InvalidOperationException(message);

/// <summary>
/// An append-only double-entry ledger. Transfers are only ever added: a mistake is corrected by posting its
/// reversal, so the history of what was booked and undone stays readable. Every transfer must balance.
/// </summary>
public sealed class Ledger
{
    public const string ReversalSuffix = "/reversal";

    private readonly ImmutableList<LedgerTransfer> _transfers;
    private readonly ImmutableDictionary<string, LedgerTransfer> _byId;

    private Ledger(ImmutableList<LedgerTransfer> transfers, ImmutableDictionary<string, LedgerTransfer> byId)
    {
        _transfers = transfers;
        _byId = byId;
    }

    public static Ledger Empty { get; } = new([], ImmutableDictionary<string, LedgerTransfer>.Empty.WithComparers(StringComparer.Ordinal));

    public IReadOnlyList<LedgerTransfer> Transfers => _transfers;

    public LedgerTransfer? Find(string transferId) => _byId.GetValueOrDefault(transferId);

    /// <summary>Adds a balanced transfer. Posting the identical transfer again is a no-op; a different one under the same id is refused.</summary>
    public Ledger Post(LedgerTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        if (_byId.TryGetValue(transfer.TransferId, out var existing))
        {
            return existing.SameBookingAs(transfer)
                ? this
                : throw new LedgerConflictException($"Transfer {transfer.TransferId} is already booked with different entries.");
        }
        if (transfer.Entries.Count < 2 || transfer.Entries.Any(e => e.AmountYuan <= 0 || Money.RoundToFen(e.AmountYuan) != e.AmountYuan))
        {
            throw new ArgumentException($"Transfer {transfer.TransferId} needs at least two entries, each a positive amount in whole fen.", nameof(transfer));
        }
        if (transfer.Debits != transfer.Credits)
        {
            throw new ArgumentException($"Transfer {transfer.TransferId} does not balance: debits {transfer.Debits}, credits {transfer.Credits}.", nameof(transfer));
        }
        if (transfer.ReversesTransferId is { } reversed && !_byId.ContainsKey(reversed))
        {
            throw new ArgumentException($"Transfer {transfer.TransferId} reverses {reversed}, which was never booked.", nameof(transfer));
        }
        return new Ledger(_transfers.Add(transfer), _byId.Add(transfer.TransferId, transfer));
    }

    /// <summary>Cancels a booked transfer by posting its mirror image (debits become credits) under <c>{id}/reversal</c>.</summary>
    public Ledger Reverse(string transferId, string reason, DateTimeOffset at)
    {
        var original = Find(transferId) ?? throw new ArgumentException($"No transfer {transferId} to reverse.", nameof(transferId));
        if (original.ReversesTransferId is not null)
        {
            throw new LedgerConflictException($"{transferId} is itself a reversal; post a new transfer instead.");
        }
        return Post(new LedgerTransfer
        {
            TransferId = transferId + ReversalSuffix,
            Description = $"Reversal of {transferId}: {reason}",
            PostedAt = at,
            ReversesTransferId = transferId,
            Entries = original.Entries.Select(e => e with { Side = e.Side == EntrySide.Debit ? EntrySide.Credit : EntrySide.Debit }).ToArray(),
        });
    }

    /// <summary>Net balance per account, debits positive.</summary>
    public IReadOnlyDictionary<string, decimal> Balances() =>
        _transfers.SelectMany(t => t.Entries)
            .GroupBy(e => e.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan), StringComparer.Ordinal);
}

public sealed record BalanceReport(decimal TotalDebits, decimal TotalCredits, IReadOnlyList<string> UnbalancedTransfers)
{
    public bool IsBalanced => TotalDebits == TotalCredits && UnbalancedTransfers.Count == 0;
}

/// <summary>Proves a set of transfers balances overall and one by one (for ledgers read back from storage).</summary>
public static class BalanceChecker
{
    public static BalanceReport Check(IEnumerable<LedgerTransfer> transfers)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        decimal debits = 0, credits = 0;
        var unbalanced = new List<string>();
        foreach (var transfer in transfers)
        {
            debits += transfer.Debits;
            credits += transfer.Credits;
            if (transfer.Debits != transfer.Credits)
            {
                unbalanced.Add(transfer.TransferId);
            }
        }
        return new BalanceReport(debits, credits, unbalanced);
    }
}

/// <summary>The ledger bookings of a payout.</summary>
public static class DisbursementPostings
{
    public static string LoanReceivable(string lenderId) => $"loan-receivable:{lenderId}";

    public static string LenderFunding(string lenderId) => $"lender-funding:{lenderId}";

    public static string BorrowerLoan(string applicationId) => $"borrower-loan:{applicationId}";

    public static string BorrowerPayout(string applicationId) => $"borrower-payout:{applicationId}";

    /// <summary>
    /// Books a confirmed payout under the disbursement key: each lender swaps funding cash for a loan
    /// receivable (DR loan-receivable, CR lender-funding, for its share), and the borrower's side records the
    /// loan owed and the money paid out (DR borrower-loan, CR borrower-payout, for the whole amount).
    /// </summary>
    public static LedgerTransfer ForPayout(Disbursement disbursement, FundSplit split, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(disbursement);
        ArgumentNullException.ThrowIfNull(split);
        if (disbursement.State != DisbursementState.Disbursed)
        {
            throw new InvalidOperationException($"Only a confirmed payout is booked; {disbursement.Key} is {disbursement.State}.");
        }
        if (split.Allocations.Sum(a => a.AmountYuan) != disbursement.AmountYuan)
        {
            throw new ArgumentException($"The lenders fund {split.Allocations.Sum(a => a.AmountYuan)}, the payout is {disbursement.AmountYuan}.", nameof(split));
        }
        var applicationId = disbursement.Key.ApplicationId;
        var entries = new List<LedgerEntry>();
        foreach (var allocation in split.Allocations.Where(a => a.AmountYuan > 0))
        {
            entries.Add(new LedgerEntry(LoanReceivable(allocation.LenderId), EntrySide.Debit, allocation.AmountYuan));
            entries.Add(new LedgerEntry(LenderFunding(allocation.LenderId), EntrySide.Credit, allocation.AmountYuan));
        }
        entries.Add(new LedgerEntry(BorrowerLoan(applicationId), EntrySide.Debit, disbursement.AmountYuan));
        entries.Add(new LedgerEntry(BorrowerPayout(applicationId), EntrySide.Credit, disbursement.AmountYuan));
        return new LedgerTransfer
        {
            TransferId = disbursement.Key.Value,
            Description = $"Payout {disbursement.Key} (rail {disbursement.RailReference})",
            PostedAt = at,
            Entries = entries,
        };
    }
}
