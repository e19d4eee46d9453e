using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Contracts;
using RuralLoans.Domain.Scoring;

namespace RuralLoans.Domain.Tests.Contracts;

public class LendingLawRulesTests
{
    private static readonly LoanPrimeRate Lpr202410 = new(0.031m, new DateOnly(2024, 10, 21));

    private static LoanTermsFacts Facts(string purpose = "购买化肥和种子", RepaymentMethod method = RepaymentMethod.EqualInstalment, int months = 12, decimal rate = 0.0561m) => new()
    {
        Purpose = purpose,
        RepaymentMethod = method,
        TermMonths = months,
        BlendedAnnualRate = rate,
        RateCap = RateCap.JudicialCeiling(Lpr202410),
    };

    [Fact]
    public void The_default_cap_is_four_times_the_one_year_LPR()
    {
        Assert.Equal(0.124m, RateCap.JudicialCeiling(Lpr202410).MaxAnnualRate);
        Assert.Equal(0.124m, RateCap.For(null, Lpr202410).MaxAnnualRate);
        Assert.Equal(0.10m, RateCap.For(0.10m, Lpr202410).MaxAnnualRate);
        // A product cannot raise its cap above the ceiling.
        Assert.Equal(0.124m, RateCap.For(0.15m, Lpr202410).MaxAnnualRate);
    }

    [Fact]
    public void A_farm_loan_within_the_cap_passes()
    {
        Assert.Empty(LendingLawRules.Evaluate(Facts()));
        Assert.Empty(LendingLawRules.Evaluate(Facts(rate: 0.124m)));
    }

    [Fact]
    public void A_blended_rate_above_the_cap_is_declined_with_L03_and_both_rates_in_the_reason()
    {
        var finding = Assert.Single(LendingLawRules.Evaluate(Facts(rate: 0.1241m)));

        Assert.Equal((LendingLawRules.RateCapRule, RuleSeverity.Decline, "L03"), (finding.RuleId, finding.Severity, finding.Reason.Code));
        Assert.Contains("12.41%", finding.Reason.Zh, StringComparison.Ordinal);
        Assert.Contains("12.40%", finding.Reason.Zh, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("炒股", "securities")]
    [InlineData("购买股票和基金投资", "securities")]
    [InlineData("付商品房首付", "real-estate")]
    [InlineData("在县城买房", "real-estate")]
    [InlineData("买比特币", "speculation")]
    [InlineData("buy stocks", "securities")]
    public void Prohibited_purposes_are_declined_with_L01_naming_the_kind_of_use(string purpose, string kind)
    {
        Assert.Equal(kind, LoanPurposeCategory.Prohibited(purpose)?.Code);
        var finding = Assert.Single(LendingLawRules.Evaluate(Facts(purpose)));
        Assert.Equal("L01", finding.Reason.Code);
    }

    [Theory]
    [InlineData("购买仔猪和饲料")]
    [InlineData("新建蔬菜大棚")]
    [InlineData("房屋装修")]
    [InlineData("购买拖拉机")]
    public void Lawful_farm_and_household_purposes_are_not_flagged(string purpose) =>
        Assert.Null(LoanPurposeCategory.Prohibited(purpose));

    [Fact]
    public void A_consumer_loan_repaid_in_one_payment_may_run_twelve_months_but_not_thirteen()
    {
        Assert.Empty(LendingLawRules.Evaluate(Facts("房屋装修", RepaymentMethod.Bullet, 12)));
        var finding = Assert.Single(LendingLawRules.Evaluate(Facts("房屋装修", RepaymentMethod.Bullet, 13)));
        Assert.Equal("L02", finding.Reason.Code);
        // A production loan may be repaid in one payment after a longer season, and a consumer loan may amortise.
        Assert.Empty(LendingLawRules.Evaluate(Facts("购买仔猪和饲料", RepaymentMethod.Bullet, 18)));
        Assert.Empty(LendingLawRules.Evaluate(Facts("房屋装修", RepaymentMethod.EqualInstalment, 24)));
    }
}

public class LoanContractTermsTests
{
    [Fact]
    public void The_terms_disclose_the_blended_rate_schedule_totals_and_each_lenders_share()
    {
        var split = new FundSplit
        {
            ApplicationId = "app-1",
            ProductId = "farm-310",
            ProductVersion = "2026.1",
            RuleSetVersion = "v1",
            PrincipalYuan = 30_000m,
            BlendedAnnualRate = 0.05m,
            Allocations = [new("MFI001", LenderRole.Partner, 0.3m, 9_000m, 0.072m), new("BANK-RCB", LenderRole.Bank, 0.7m, 21_000m, 0.04057m)],
        };
        var names = new Dictionary<string, string> { ["MFI001"] = "兴农小额贷款公司", ["BANK-RCB"] = "湖南农村商业银行" };

        var terms = LoanContractTerms.Build("app-1", "农户310信用贷", split, names, 6, RepaymentMethod.EqualPrincipal,
            RateCap.JudicialCeiling(new(0.031m, new DateOnly(2024, 10, 21))), new DateOnly(2026, 1, 10), new DateTimeOffset(2026, 1, 17, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(6, terms.Schedule.Count);
        Assert.Equal(terms.Schedule.Sum(i => i.InterestYuan), terms.TotalInterestYuan);
        Assert.Equal(30_000m + terms.TotalInterestYuan, terms.TotalRepaymentYuan);
        // 30,000 at 5%/12 on 30,000, 25,000, … 5,000: 125 + 104.17 + 83.33 + 62.5 + 41.67 + 20.83.
        Assert.Equal(437.50m, terms.TotalInterestYuan);
        Assert.Equal(0.05m, terms.AnnualizedRate);
        Assert.Equal([("兴农小额贷款公司", 0.3m), ("湖南农村商业银行", 0.7m)], terms.Lenders.Select(l => (l.Name, l.Share)));
    }
}
