using RuralLoans.Domain.Applications;
using FsCheck.Xunit;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

[Properties(Arbitrary = [typeof(CoLendingArbitraries)], MaxTest = 300)]
public class FundSplitPropertyTests
{
    private static readonly DateOnly DisbursedOn = new(2024, 3, 20);

    [Property]
    public void Lender_amounts_are_whole_fen_sum_to_the_principal_and_stay_within_a_fen_of_their_share(SplitCase c)
    {
        var result = FundSplitter.Split(c.Product, c.Lenders, c.Request);

        Assert.True(result.IsAllowed, string.Join("; ", result.Violations));
        var split = result.Split!;
        Assert.Equal(c.Request.PrincipalYuan, split.Allocations.Sum(a => a.AmountYuan));
        // A lender whose share is exactly its floor must get the floor rounded up (the floor binds the money lent), so
        // a lender may give up one more fen for each other lender the rounding left standing on its floor.
        var onFloor = split.Allocations.Count(a => a.AmountYuan == FloorYuan(c, a) && a.AmountYuan > c.Request.PrincipalYuan * a.Share);
        Assert.All(split.Allocations, a =>
        {
            Assert.Equal(Money.RoundToFen(a.AmountYuan), a.AmountYuan);
            Assert.True(Math.Abs(a.AmountYuan - c.Request.PrincipalYuan * a.Share) < 0.01m * (1 + onFloor),
                $"{a.LenderId}: {a.AmountYuan} vs exact {c.Request.PrincipalYuan * a.Share} ({onFloor} lenders on their floor)");
        });
    }

    /// <summary>The least a lender may fund under the rules, rounded up to the fen.</summary>
    private static decimal FloorYuan(SplitCase c, LenderAllocation a)
    {
        var rules = c.Product.Rules;
        var floor = a.LenderId == c.Product.PartnerId ? Math.Max(rules.MinPartnerShare, rules.MinLenderShare) : rules.MinLenderShare;
        return decimal.Ceiling(c.Request.PrincipalYuan * floor * 100m) / 100m;
    }

    [Fact]
    public void Two_lenders_whose_shares_are_exactly_the_floor_both_reach_it_and_the_partner_gives_up_the_fen()
    {
        // 10 % of 114,258.14 is 11,425.814: both banks need 11,425.82 to fund at least their 10 %.
        var c = CoLendingArbitraries.Build(partnerBasisPoints: 8000, spareWeights: [0, 0], rateBasisPoints: [684, 1890, 477], principalFen: 11_425_814, term: 2, RepaymentMethod.Bullet);

        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;

        Assert.Equal([91_406.50m, 11_425.82m, 11_425.82m], split.Allocations.Select(a => a.AmountYuan));
    }

    [Property]
    public void Partner_keeps_thirty_percent_and_every_lender_ten_percent_up_to_the_rounding_fen(SplitCase c)
    {
        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;

        var partner = split.Allocations.Single(a => a.Role == LenderRole.Partner);
        Assert.True(partner.AmountYuan >= c.Request.PrincipalYuan * 0.30m - 0.01m);
        Assert.All(split.Allocations, a => Assert.True(a.AmountYuan >= c.Request.PrincipalYuan * 0.10m - 0.01m));
    }

    [Property]
    public void Blended_rate_lies_between_the_lowest_and_highest_lender_rate(SplitCase c)
    {
        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;

        Assert.InRange(split.BlendedAnnualRate, split.Allocations.Min(a => a.AnnualRate), split.Allocations.Max(a => a.AnnualRate));
    }

    [Property]
    public void Loan_schedule_repays_the_principal_exactly_with_non_negative_instalments(SplitCase c)
    {
        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;

        var schedule = RepaymentSchedule.Build(split.PrincipalYuan, split.BlendedAnnualRate, c.Request.TermMonths, c.Request.RepaymentMethod, DisbursedOn);

        Assert.Equal(split.PrincipalYuan, schedule.Sum(i => i.PrincipalYuan));
        Assert.Equal(0, schedule[^1].RemainingPrincipalYuan);
        Assert.All(schedule, i => Assert.True(i.PrincipalYuan >= 0 && i.InterestYuan >= 0));
        Assert.Equal(DisbursedOn.AddMonths(c.Request.TermMonths), schedule[^1].DueDate);
    }

    [Property]
    public void Lender_schedules_add_up_exactly_to_the_loan_schedule_every_period(SplitCase c)
    {
        var split = FundSplitter.Split(c.Product, c.Lenders, c.Request).Split!;
        var schedule = RepaymentSchedule.Build(split.PrincipalYuan, split.BlendedAnnualRate, c.Request.TermMonths, c.Request.RepaymentMethod, DisbursedOn);

        var perLender = LenderSchedules.Split(split, schedule);

        for (var period = 0; period < schedule.Count; period++)
        {
            Assert.Equal(schedule[period].PrincipalYuan, perLender.Sum(l => l.Instalments[period].PrincipalYuan));
            Assert.Equal(schedule[period].InterestYuan, perLender.Sum(l => l.Instalments[period].InterestYuan));
        }
        Assert.All(perLender, l =>
        {
            Assert.Equal(l.AmountYuan, l.Instalments.Sum(i => i.PrincipalYuan));
            Assert.All(l.Instalments, i => Assert.True(i.PrincipalYuan >= 0 && i.InterestYuan >= 0 && i.RemainingPrincipalYuan >= 0));
        });
    }

    [Property]
    public void Allocating_fen_by_largest_remainder_always_sums_to_the_total(int total, byte[] weights)
    {
        var totalFen = Math.Abs((long)total);
        var decimalWeights = weights.Select(w => (decimal)w).ToArray();
        if (decimalWeights.Sum() == 0)
        {
            return;
        }

        var parts = Money.AllocateFen(totalFen, decimalWeights);

        Assert.Equal(totalFen, parts.Sum());
        for (var i = 0; i < parts.Length; i++)
        {
            var exact = totalFen * decimalWeights[i] / decimalWeights.Sum();
            Assert.True(Math.Abs(parts[i] - exact) < 1, $"part {i}: {parts[i]} vs exact {exact}");
        }
    }
}
