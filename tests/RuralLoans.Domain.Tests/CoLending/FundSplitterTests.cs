using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

public class FundSplitterTests
{
    private static readonly DateOnly DisbursedOn = new(2024, 3, 20);

    private static Dictionary<string, Lender> Lenders() => new[]
    {
        new Lender { Id = "coop", Name = "洪雅农村合作平台", Role = LenderRole.Partner, AnnualRate = 0.060m, AvailableQuotaYuan = 5_000_000m },
        new Lender
        {
            Id = "rcb", Name = "眉山农商银行", Role = LenderRole.Bank, AnnualRate = 0.042m, AvailableQuotaYuan = 10_000_000m,
            TierOneCapitalYuan = 800_000_000m, TotalLoansYuan = 6_000_000_000m, CoLentOutstandingYuan = 1_000_000_000m,
            PartnerExposureYuan = new Dictionary<string, decimal> { ["coop"] = 150_000_000m }, PermittedRegionPrefixes = ["5114"],
        },
        new Lender
        {
            Id = "city", Name = "成都城商银行", Role = LenderRole.Bank, AnnualRate = 0.045m, AvailableQuotaYuan = 10_000_000m,
            TierOneCapitalYuan = 2_000_000_000m, TotalLoansYuan = 20_000_000_000m, CoLentOutstandingYuan = 2_000_000_000m, PermittedRegionPrefixes = ["51"],
        },
    }.ToDictionary(l => l.Id);

    private static CoLendingProduct Product(params (string Lender, decimal Share)[] shares) => new()
    {
        ProductId = "rural-operating",
        Version = "2024.1",
        PartnerId = "coop",
        Shares = shares.Length > 0 ? shares.Select(s => new LenderShare(s.Lender, s.Share)).ToArray() : [new("coop", 0.30m), new("rcb", 0.50m), new("city", 0.20m)],
        Rules = CoLendingRuleSet.China2021WithIndia2025MinimumShare,
    };

    private static FundSplitRequest Request(decimal principal = 33_333.33m, string region = "511423", decimal existingDebt = 0) => new()
    {
        ApplicationId = "app-1",
        PrincipalYuan = principal,
        TermMonths = 12,
        RepaymentMethod = RepaymentMethod.EqualInstalment,
        BorrowerRegionCode = region,
        HouseholdExistingDebtYuan = existingDebt,
    };

    [Fact]
    public void Amounts_follow_largest_remainder_on_fen()
    {
        // 3,333,333 fen × (0.3, 0.5, 0.2) = 999,999.9 / 1,666,666.5 / 666,666.6: floors leave 2 fen,
        // which go to the largest remainders, 0.9 (coop) then 0.6 (city).
        var split = FundSplitter.Split(Product(), Lenders(), Request()).Split!;

        Assert.Equal([10_000.00m, 16_666.66m, 6_666.67m], split.Allocations.Select(a => a.AmountYuan));
        // Blended = (10,000 × 6% + 16,666.66 × 4.2% + 6,666.67 × 4.5%) / 33,333.33
        Assert.Equal(0.0480m, split.BlendedAnnualRate);
    }

    [Fact]
    public void A_partner_share_under_thirty_percent_names_the_china_2021_rule()
    {
        var result = FundSplitter.Split(Product(("coop", 0.25m), ("rcb", 0.55m), ("city", 0.20m)), Lenders(), Request());

        var violation = Assert.Single(result.Violations);
        Assert.Equal(("cn2021-partner-min-share", "coop"), (violation.RuleId, violation.LenderId));
        Assert.Contains("30%", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lender_under_ten_percent_names_the_india_2025_rule()
    {
        var result = FundSplitter.Split(Product(("coop", 0.40m), ("rcb", 0.55m), ("city", 0.05m)), Lenders(), Request());

        Assert.Equal(("in2025-lender-min-share", "city"), (result.Violations.Single().RuleId, result.Violations.Single().LenderId));
    }

    [Fact]
    public void Shares_that_do_not_add_up_are_refused()
    {
        var result = FundSplitter.Split(Product(("coop", 0.30m), ("rcb", 0.50m), ("city", 0.10m)), Lenders(), Request());

        Assert.Equal("shares-total", result.Violations.Single().RuleId);
    }

    [Fact]
    public void The_household_cap_counts_existing_debt()
    {
        var result = FundSplitter.Split(Product(), Lenders(), Request(principal: 50_000m, existingDebt: 150_000.01m));

        Assert.Equal("cn2020-household-cap", result.Violations.Single().RuleId);
        Assert.True(FundSplitter.Split(Product(), Lenders(), Request(principal: 50_000m, existingDebt: 150_000m)).IsAllowed);
    }

    [Fact]
    public void A_local_bank_cannot_fund_outside_its_region()
    {
        var result = FundSplitter.Split(Product(), Lenders(), Request(region: "510104"));

        Assert.Equal(("cn2021-region", "rcb"), (result.Violations.Single().RuleId, result.Violations.Single().LenderId));
    }

    [Fact]
    public void Partner_exposure_over_a_quarter_of_tier_one_capital_is_refused()
    {
        var lenders = Lenders();
        lenders["rcb"] = lenders["rcb"] with { PartnerExposureYuan = new Dictionary<string, decimal> { ["coop"] = 199_990_000m } };

        var result = FundSplitter.Split(Product(), lenders, Request());

        var violation = result.Violations.Single();
        Assert.Equal(("cn2021-partner-exposure", "rcb"), (violation.RuleId, violation.LenderId));
        Assert.Contains("¥200,000,000.00", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Co_lent_loans_over_half_the_bank_book_are_refused()
    {
        var lenders = Lenders();
        lenders["city"] = lenders["city"] with { CoLentOutstandingYuan = 10_000_000_000m };

        var result = FundSplitter.Split(Product(), lenders, Request());

        Assert.Equal(("cn2021-co-lending-total", "city"), (result.Violations.Single().RuleId, result.Violations.Single().LenderId));
    }

    [Fact]
    public void A_lender_without_quota_left_is_named()
    {
        var lenders = Lenders();
        lenders["city"] = lenders["city"] with { AvailableQuotaYuan = 5_000m };

        var result = FundSplitter.Split(Product(), lenders, Request());

        Assert.Equal(("lender-quota", "city"), (result.Violations.Single().RuleId, result.Violations.Single().LenderId));
    }

    [Fact]
    public void Rules_are_parameters_another_jurisdiction_can_change()
    {
        var product = Product(("coop", 0.20m), ("rcb", 0.60m), ("city", 0.20m)) with
        {
            Rules = CoLendingRuleSet.China2021WithIndia2025MinimumShare with { Version = "in2025-only", MinPartnerShare = 0.10m },
        };

        var result = FundSplitter.Split(product, Lenders(), Request());

        Assert.True(result.IsAllowed);
        Assert.Equal("in2025-only", result.Split!.RuleSetVersion);
    }

    [Fact]
    public void Equal_instalment_schedule_matches_the_annuity_formula()
    {
        // ¥12,000 at 12%/year over 12 months: r = 1%, payment = 12,000 × 0.01 × 1.01^12 / (1.01^12 − 1) = 1,066.19.
        var schedule = RepaymentSchedule.Build(12_000m, 0.12m, 12, RepaymentMethod.EqualInstalment, DisbursedOn);

        Assert.Equal(1_066.19m, schedule[0].TotalYuan);
        Assert.Equal(120.00m, schedule[0].InterestYuan);
        Assert.Equal(946.19m, schedule[0].PrincipalYuan);
        Assert.Equal(11_053.81m, schedule[0].RemainingPrincipalYuan);
        Assert.All(schedule.SkipLast(1), i => Assert.Equal(1_066.19m, i.TotalYuan));
        Assert.Equal(12_000m, schedule.Sum(i => i.PrincipalYuan));
        Assert.Equal(new DateOnly(2024, 4, 20), schedule[0].DueDate);
    }

    [Fact]
    public void Interest_then_bullet_pays_interest_monthly_and_principal_at_the_end()
    {
        var schedule = RepaymentSchedule.Build(30_000m, 0.06m, 6, RepaymentMethod.InterestThenBullet, DisbursedOn);

        Assert.All(schedule, i => Assert.Equal(150m, i.InterestYuan));
        Assert.Equal([0m, 0m, 0m, 0m, 0m, 30_000m], schedule.Select(i => i.PrincipalYuan));
    }

    [Fact]
    public void Bullet_pays_principal_and_simple_interest_once_at_maturity()
    {
        var instalment = Assert.Single(RepaymentSchedule.Build(30_000m, 0.05m, 10, RepaymentMethod.Bullet, DisbursedOn));

        Assert.Equal(new DateOnly(2025, 1, 20), instalment.DueDate);
        Assert.Equal(1_250m, instalment.InterestYuan);
        Assert.Equal(31_250m, instalment.TotalYuan);
    }

    [Fact]
    public void Each_lender_earns_its_own_rate_on_its_share()
    {
        var split = FundSplitter.Split(Product(), Lenders(), Request(principal: 100_000m) with { RepaymentMethod = RepaymentMethod.InterestThenBullet }).Split!;
        var schedule = RepaymentSchedule.Build(split.PrincipalYuan, split.BlendedAnnualRate, 12, RepaymentMethod.InterestThenBullet, DisbursedOn);

        var perLender = LenderSchedules.Split(split, schedule).ToDictionary(l => l.LenderId);

        // Blended (1,800 + 2,100 + 900) / 100,000 = 4.8%: 400.00 a month; coop 30,000 × 6%/12 = 150, rcb 50,000 × 4.2%/12 = 175, city 20,000 × 4.5%/12 = 75.
        Assert.Equal(0.048m, split.BlendedAnnualRate);
        Assert.Equal(400.00m, schedule[0].InterestYuan);
        Assert.Equal((150m, 175m, 75m), (perLender["coop"].Instalments[0].InterestYuan, perLender["rcb"].Instalments[0].InterestYuan, perLender["city"].Instalments[0].InterestYuan));
    }
}
