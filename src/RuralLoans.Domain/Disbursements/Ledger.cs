using System.Collections.Immutable;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Disbursements;

public enum EntrySide
{
    Debit,
    Credit,
}

/// <summary>
/// One line of a transfer. Every entry carries its ISO 4217 currency: amounts in different currencies never add up,
/// and a transfer must balance in each of them. Entries read back from before currencies were recorded are CNY.
/// </summary>
public sealed record LedgerEntry(string Account, EntrySide Side, decimal AmountYuan, string Currency = LedgerEntry.Cny)
{
    public const string Cny = "CNY";
}

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

    /// <summary>Debits equal credits in every currency the transfer touches.</summary>
    public bool Balances => Entries.GroupBy(e => e.Currency, StringComparer.Ordinal)
        .All(g => g.Where(e => e.Side == EntrySide.Debit).Sum(e => e.AmountYuan) == g.Where(e => e.Side == EntrySide.Credit).Sum(e => e.AmountYuan));

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
        if (transfer.Entries.Any(e => e.Currency is not { Length: 3 } || !e.Currency.All(char.IsAsciiLetterUpper)))
        {
            throw new ArgumentException($"Transfer {transfer.TransferId} has an entry without an ISO 4217 currency code.", nameof(transfer));
        }
        if (!transfer.Balances)
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

    /// <summary>Net balance per account, debits positive (single-currency ledgers; see <see cref="LedgerBalances"/> for more).</summary>
    public IReadOnlyDictionary<string, decimal> Balances() =>
        _transfers.SelectMany(t => t.Entries)
            .GroupBy(e => e.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan), StringComparer.Ordinal);
}

/// <summary>Balances per account and currency, debits positive.</summary>
public static class LedgerBalances
{
    public static IReadOnlyList<(string Account, string Currency, decimal Balance)> Of(IEnumerable<LedgerTransfer> transfers)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        return transfers.SelectMany(t => t.Entries)
            .GroupBy(e => (e.Account, e.Currency))
            .Select(g => (g.Key.Account, g.Key.Currency, g.Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan)))
            .OrderBy(b => b.Account, StringComparer.Ordinal).ThenBy(b => b.Currency, StringComparer.Ordinal)
            .ToList();
    }
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
            if (!transfer.Balances)
            {
                unbalanced.Add(transfer.TransferId);
            }
        }
        return new BalanceReport(debits, credits, unbalanced);
    }
}

/// <summary>
/// The chart of accounts of the co-lending book (see docs/ledger.md): the book the platform keeps for the lenders of
/// every loan it arranges, in yuan (CNY). Asset accounts have debit balances, the funding accounts credit balances.
/// </summary>
public static class ChartOfAccounts
{
    /// <summary>Asset: the principal a borrower owes this lender (lender's 1301 贷款; the platform's 1321 代理业务资产).</summary>
    public static string LoanReceivable(string lenderId) => $"loan-receivable:{lenderId}";

    /// <summary>Liability: the lender's money the platform has put into loans for it (2314 代理业务负债).</summary>
    public static string LenderFunding(string lenderId) => $"lender-funding:{lenderId}";

    /// <summary>
    /// Clearing: the settlement account with the payout rail (3001 清算资金往来). Credited by every payout the rail
    /// settles, debited by the lenders' funding of it; zero once every payout is funded.
    /// </summary>
    public const string RailClearing = "rail-clearing";

    public static bool IsLoanReceivable(string account) => account.StartsWith("loan-receivable:", StringComparison.Ordinal);

    public static bool IsLenderFunding(string account) => account.StartsWith("lender-funding:", StringComparison.Ordinal);

    /// <summary>The accounts a payout may touch; anything else in a payout transfer is a booking error.</summary>
    public static bool IsKnown(string account) => account == RailClearing || IsLoanReceivable(account) || IsLenderFunding(account);
}

/// <summary>A lender's part of one payout.</summary>
public sealed record PayoutShare(string LenderId, decimal AmountYuan);

/// <summary>
/// The ledger bookings of a payout: the payout itself, its funding by the lenders, and, when the money comes back,
/// the return of each. Every booking is a transfer whose id derives from the disbursement key, so a retry books nothing twice.
/// </summary>
public static class DisbursementPostings
{
    public const string ReturnSuffix = "/return";
    public const string FundingSuffix = "/funding";

    public static string LoanReceivable(string lenderId) => ChartOfAccounts.LoanReceivable(lenderId);

    public static string LenderFunding(string lenderId) => ChartOfAccounts.LenderFunding(lenderId);

    public static string FundingTransferId(DisbursementKey key) => key.Value + FundingSuffix;

    public static string ReturnTransferId(string transferId) => transferId + ReturnSuffix;

    /// <summary>Books a payout the rail settled, from the split the lenders funded.</summary>
    public static LedgerTransfer ForPayout(Disbursement disbursement, FundSplit split, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(split);
        return ForPayout(disbursement, Shares(split), at);
    }

    public static IReadOnlyList<PayoutShare> Shares(FundSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return split.Allocations.Select(a => new PayoutShare(a.LenderId, a.AmountYuan)).ToList();
    }

    /// <summary>
    /// The payout the rail settled, under the disbursement key: for each lender's share, the borrower now owes that
    /// lender the principal and the money went out of the settlement account (DR loan-receivable:{lender},
    /// CR rail-clearing). Debits equal the principal once: one loan, one receivable per lender. Only a settled payout is
    /// booked: money that did not leave is not recorded.
    /// </summary>
    public static LedgerTransfer ForPayout(Disbursement disbursement, IReadOnlyList<PayoutShare> shares, DateTimeOffset at)
    {
        Require(disbursement, shares);
        return new LedgerTransfer
        {
            TransferId = disbursement.Key.Value,
            Description = $"放款 payout {disbursement.Key} settled by the rail ({disbursement.RailReference})",
            PostedAt = at,
            Entries = shares.Where(a => a.AmountYuan > 0).SelectMany(share => new[]
            {
                new LedgerEntry(ChartOfAccounts.LoanReceivable(share.LenderId), EntrySide.Debit, share.AmountYuan),
                new LedgerEntry(ChartOfAccounts.RailClearing, EntrySide.Credit, share.AmountYuan),
            }).ToArray(),
        };
    }

    /// <summary>
    /// The lenders' funding of a settled payout, under <c>{key}/funding</c>: each lender's share comes into the
    /// settlement account on the payout's value date (DR rail-clearing, CR lender-funding:{lender}), so the clearing
    /// account nets to zero once a payout and its funding are both booked.
    /// </summary>
    public static LedgerTransfer ForFunding(Disbursement disbursement, IReadOnlyList<PayoutShare> shares, DateTimeOffset at)
    {
        Require(disbursement, shares);
        return new LedgerTransfer
        {
            TransferId = FundingTransferId(disbursement.Key),
            Description = $"出资 lenders fund payout {disbursement.Key}",
            PostedAt = at,
            Entries = shares.Where(a => a.AmountYuan > 0).SelectMany(share => new[]
            {
                new LedgerEntry(ChartOfAccounts.RailClearing, EntrySide.Debit, share.AmountYuan),
                new LedgerEntry(ChartOfAccounts.LenderFunding(share.LenderId), EntrySide.Credit, share.AmountYuan),
            }).ToArray(),
        };
    }

    private static void Require(Disbursement disbursement, IReadOnlyList<PayoutShare> shares)
    {
        ArgumentNullException.ThrowIfNull(disbursement);
        ArgumentNullException.ThrowIfNull(shares);
        if (disbursement.State is not (DisbursementState.Disbursed or DisbursementState.Returned))
        {
            throw new InvalidOperationException($"Only a payout the rail settled is booked; {disbursement.Key} is {disbursement.State}.");
        }
        if (shares.Sum(a => a.AmountYuan) != disbursement.AmountYuan)
        {
            throw new ArgumentException($"The lenders fund {shares.Sum(a => a.AmountYuan)}, the payout is {disbursement.AmountYuan}.", nameof(shares));
        }
    }

    /// <summary>
    /// Books the return (退汇) of a settled payout or of its funding: the mirror image, under <c>{id}/return</c> and
    /// linked to it. The payout's return ends the loan receivable with the money back in the settlement account; the
    /// funding's return gives each lender its money back. The original stays as it was: nothing is edited.
    /// </summary>
    public static LedgerTransfer ForReturn(LedgerTransfer original, string reason, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (original.ReversesTransferId is not null)
        {
            throw new LedgerConflictException($"{original.TransferId} is itself a reversal; only a booking is returned.");
        }
        return new LedgerTransfer
        {
            TransferId = ReturnTransferId(original.TransferId),
            Description = $"退汇 return of {original.TransferId}: {reason}",
            PostedAt = at,
            ReversesTransferId = original.TransferId,
            Entries = original.Entries.Select(e => e with { Side = e.Side == EntrySide.Debit ? EntrySide.Credit : EntrySide.Debit }).ToArray(),
        };
    }

    /// <summary>
    /// The money the ledger says went out through the rail under one payout key and stayed out: the payout legs of its
    /// settlement less those of its return (each payout leg debits a loan receivable for what the rail paid).
    /// </summary>
    public static decimal NetPaidOut(IEnumerable<LedgerTransfer> transfersOfKey)
    {
        ArgumentNullException.ThrowIfNull(transfersOfKey);
        return transfersOfKey.SelectMany(t => t.Entries)
            .Where(e => ChartOfAccounts.IsLoanReceivable(e.Account))
            .Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan);
    }

    /// <summary>The payout key a transfer belongs to (the payout, its funding, or the return of either).</summary>
    public static string PayoutKeyOf(LedgerTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        var id = transfer.ReversesTransferId ?? transfer.TransferId;
        foreach (var suffix in new[] { ReturnSuffix, FundingSuffix, Ledger.ReversalSuffix })
        {
            if (id.EndsWith(suffix, StringComparison.Ordinal))
            {
                id = id[..^suffix.Length];
            }
        }
        return id;
    }

    /// <summary>The transfers booked for a payout key: payout, funding and their returns.</summary>
    public static IReadOnlyList<string> TransferIdsOf(string payoutKey) =>
        [payoutKey, payoutKey + FundingSuffix, payoutKey + ReturnSuffix, payoutKey + FundingSuffix + ReturnSuffix];
}
