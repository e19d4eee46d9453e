using RuralLoans.Cli.Chaos;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using Xunit;

namespace RuralLoans.Chaos.Tests;

/// <summary>The chaos run's exactly-once verdict must catch what it claims to catch, not only report zeros.</summary>
public sealed class PayoutCheckTests
{
    private const string A = "MFI001-aaaaaaaaaaaaaaaaaaaa";
    private const string B = "MFI001-bbbbbbbbbbbbbbbbbbbb";
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static Disbursement Settled(string applicationId, decimal amount) =>
        Disbursement.Approve(new DisbursementKey(applicationId, 1), amount).StartPayout(Now).MarkDisbursed("po_1", Now);

    private static LedgerTransfer Payout(string applicationId, decimal amount) =>
        DisbursementPostings.ForPayout(Settled(applicationId, amount), [new PayoutShare("MFI001", amount * 0.4m), new PayoutShare("RCB", amount * 0.6m)], Now);

    private static PayoutCheck.RailPayout Rail(string applicationId, decimal amount, RailPayoutState state = RailPayoutState.Settled) =>
        new(applicationId + "/tranche-1", $"RuralLoans {applicationId}", amount, state);

    private static readonly Dictionary<string, decimal> BothDisbursed = new(StringComparer.Ordinal) { [A] = 30000m, [B] = 30000m };

    [Fact]
    public void One_payout_each_booked_once_is_clean()
    {
        var result = PayoutCheck.Run([A, B], [Rail(A, 30000m), Rail(B, 30000m)], [Payout(A, 30000m), Payout(B, 30000m)], BothDisbursed);

        Assert.Equal((0, 0, 0, 0), (result.Duplicates, result.Imbalances, result.BookedWithoutSettledMoney, result.SettledUnbooked));
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void A_second_rail_payout_for_the_same_application_is_a_duplicate()
    {
        var result = PayoutCheck.Run([A, B], [Rail(A, 30000m), Rail(A, 30000m), Rail(B, 30000m)], [Payout(A, 30000m), Payout(B, 30000m)], BothDisbursed);

        Assert.Equal(1, result.Duplicates);
        Assert.Contains(result.Problems, p => p.StartsWith(A, StringComparison.Ordinal) && p.Contains("2 payouts at the rail", StringComparison.Ordinal));
    }

    [Fact]
    public void A_settled_payout_the_ledger_never_booked_is_counted_unbooked()
    {
        var result = PayoutCheck.Run([A, B], [Rail(A, 30000m), Rail(B, 30000m)], [Payout(A, 30000m)], BothDisbursed);

        Assert.Equal(0, result.Duplicates);
        Assert.Equal(1, result.SettledUnbooked);
        Assert.Contains(result.Problems, p => p.StartsWith(B, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(RailPayoutState.Failed)]
    [InlineData(RailPayoutState.InFlight)]
    [InlineData(RailPayoutState.Returned)]
    public void A_booking_of_money_the_rail_did_not_settle_and_keep_out_is_caught(RailPayoutState state)
    {
        var result = PayoutCheck.Run([A], [Rail(A, 30000m, state)], [Payout(A, 30000m)], new Dictionary<string, decimal>(StringComparer.Ordinal));

        Assert.Equal(1, result.BookedWithoutSettledMoney);
    }

    [Fact]
    public void A_returned_payout_booked_and_returned_is_clean()
    {
        var settlement = Payout(A, 30000m);
        var result = PayoutCheck.Run([A], [Rail(A, 30000m, RailPayoutState.Returned)], [settlement, DisbursementPostings.ForReturn(settlement, "AC04", Now)],
            new Dictionary<string, decimal>(StringComparer.Ordinal));

        Assert.Equal((0, 0, 0, 0), (result.Duplicates, result.Imbalances, result.BookedWithoutSettledMoney, result.SettledUnbooked));
    }

    [Fact]
    public void A_transfer_that_does_not_balance_is_an_imbalance()
    {
        var lopsided = Payout(A, 30000m) with { Entries = [.. Payout(A, 30000m).Entries.Take(3)] };
        var result = PayoutCheck.Run([A], [Rail(A, 30000m)], [lopsided], new Dictionary<string, decimal>(StringComparer.Ordinal) { [A] = 30000m });

        Assert.True(result.Imbalances >= 1);
        Assert.Contains(result.Problems, p => p.Contains("does not balance", StringComparison.Ordinal));
    }

    [Fact]
    public void Paying_an_application_whose_outcome_is_not_disbursed_is_an_imbalance()
    {
        var result = PayoutCheck.Run([A], [Rail(A, 30000m)], [Payout(A, 30000m)], new Dictionary<string, decimal>(StringComparer.Ordinal));

        Assert.Equal(1, result.Imbalances);
    }
}
