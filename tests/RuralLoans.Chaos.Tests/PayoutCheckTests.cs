using RuralLoans.Cli.Chaos;
using RuralLoans.Domain.Disbursements;
using Xunit;

namespace RuralLoans.Chaos.Tests;

/// <summary>The chaos run's exactly-once verdict must catch what it claims to catch, not only report zeros.</summary>
public sealed class PayoutCheckTests
{
    private const string A = "MFI001-aaaaaaaaaaaaaaaaaaaa";
    private const string B = "MFI001-bbbbbbbbbbbbbbbbbbbb";

    private static LedgerTransfer Payout(string applicationId, decimal amount, decimal? borrowerSide = null) => new()
    {
        TransferId = applicationId + "/tranche-1",
        Description = "payout",
        PostedAt = DateTimeOffset.UnixEpoch,
        Entries =
        [
            new LedgerEntry(DisbursementPostings.LoanReceivable("MFI001"), EntrySide.Debit, amount),
            new LedgerEntry(DisbursementPostings.LenderFunding("MFI001"), EntrySide.Credit, amount),
            new LedgerEntry(DisbursementPostings.BorrowerLoan(applicationId), EntrySide.Debit, amount),
            new LedgerEntry(DisbursementPostings.BorrowerPayout(applicationId), EntrySide.Credit, borrowerSide ?? amount),
        ],
    };

    private static readonly Dictionary<string, decimal> BothDisbursed = new(StringComparer.Ordinal) { [A] = 30000m, [B] = 30000m };

    [Fact]
    public void One_payout_each_booked_once_is_clean()
    {
        var result = PayoutCheck.Run([A, B], [new($"RuralLoans {A}", 30000m), new($"RuralLoans {B}", 30000m)], [Payout(A, 30000m), Payout(B, 30000m)], BothDisbursed);

        Assert.Equal((0, 0), (result.Duplicates, result.Imbalances));
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void A_second_rail_payout_for_the_same_application_is_a_duplicate()
    {
        var result = PayoutCheck.Run([A, B], [new($"RuralLoans {A}", 30000m), new($"RuralLoans {A}", 30000m), new($"RuralLoans {B}", 30000m)], [Payout(A, 30000m), Payout(B, 30000m)], BothDisbursed);

        Assert.Equal(1, result.Duplicates);
        Assert.Contains(result.Problems, p => p.StartsWith(A, StringComparison.Ordinal) && p.Contains("paid 2 times", StringComparison.Ordinal));
    }

    [Fact]
    public void A_payout_the_ledger_never_booked_is_an_imbalance()
    {
        var result = PayoutCheck.Run([A, B], [new($"RuralLoans {A}", 30000m), new($"RuralLoans {B}", 30000m)], [Payout(A, 30000m)], BothDisbursed);

        Assert.Equal(0, result.Duplicates);
        Assert.Equal(1, result.Imbalances);
        Assert.Contains(result.Problems, p => p.StartsWith(B, StringComparison.Ordinal));
    }

    [Fact]
    public void A_transfer_that_does_not_balance_is_an_imbalance()
    {
        var result = PayoutCheck.Run([A], [new($"RuralLoans {A}", 30000m)], [Payout(A, 30000m, borrowerSide: 29000m)], new Dictionary<string, decimal>(StringComparer.Ordinal) { [A] = 30000m });

        Assert.True(result.Imbalances >= 1);
        Assert.Contains(result.Problems, p => p.Contains("does not balance", StringComparison.Ordinal));
    }

    [Fact]
    public void Paying_an_application_whose_outcome_is_not_disbursed_is_an_imbalance()
    {
        var result = PayoutCheck.Run([A], [new($"RuralLoans {A}", 30000m)], [Payout(A, 30000m)], new Dictionary<string, decimal>(StringComparer.Ordinal));

        Assert.Equal(1, result.Imbalances);
    }
}
