using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

/// <summary>The share floors hold on the money actually lent, and local banks lend only where the borrower lives.</summary>
public class AllocatedFloorAndRegionTests
{
    private static Dictionary<string, Lender> Lenders(bool villageBankRegion = true) => new[]
    {
        new Lender { Id = "coop", Name = "洪雅农村合作平台", Role = LenderRole.Partner, AnnualRate = 0.060m, AvailableQuotaYuan = 5_000_000m },
        new Lender
        {
            Id = "rcb", Name = "眉山农商银行", Role = LenderRole.Bank, AnnualRate = 0.042m, AvailableQuotaYuan = 10_000_000m, IsLocalBank = true,
            TierOneCapitalYuan = 800_000_000m, TotalLoansYuan = 6_000_000_000m, PermittedRegionPrefixes = ["5114"],
        },
        new Lender
        {
            Id = "village", Name = "洪雅村镇银行", Role = LenderRole.Bank, AnnualRate = 0.045m, AvailableQuotaYuan = 10_000_000m, IsLocalBank = true,
            TierOneCapitalYuan = 200_000_000m, TotalLoansYuan = 2_000_000_000m, PermittedRegionPrefixes = villageBankRegion ? ["511423"] : [],
        },
    }.ToDictionary(l => l.Id);

    private static CoLendingProduct Product(params (string Lender, decimal Share)[] shares) => new()
    {
        ProductId = "rural-operating",
        Version = "2024.1",
        PartnerId = "coop",
        Shares = shares.Select(s => new LenderShare(s.Lender, s.Share)).ToArray(),
        Rules = CoLendingRuleSet.China2021WithIndia2025MinimumShare,
    };

    private static FundSplitRequest Request(decimal principal, string region = "511423") => new()
    {
        ApplicationId = "app-1",
        PrincipalYuan = principal,
        TermMonths = 12,
        RepaymentMethod = RepaymentMethod.EqualInstalment,
        BorrowerRegionCode = region,
    };

    [Fact]
    public void The_partner_funds_at_least_thirty_percent_of_the_principal_after_rounding_to_the_fen()
    {
        // 10,001 fen × (0.3, 0.5, 0.2) = 3,000.3 / 5,000.5 / 2,000.2: largest remainder alone gives the spare fen to the
        // bank (0.5) and leaves the partner at ¥30.00, under 30% of ¥100.01 (¥30.003).
        var split = FundSplitter.Split(Product(("coop", 0.30m), ("rcb", 0.50m), ("village", 0.20m)), Lenders(), Request(100.01m)).Split!;

        var amounts = split.Allocations.ToDictionary(a => a.LenderId, a => a.AmountYuan);
        Assert.True(amounts["coop"] >= 100.01m * 0.30m, $"the partner funds {amounts["coop"]} of 100.01");
        Assert.Equal([30.01m, 50.00m, 20.00m], split.Allocations.Select(a => a.AmountYuan));
        Assert.Equal(100.01m, split.Allocations.Sum(a => a.AmountYuan));
    }

    [Theory]
    [InlineData("0.30", "0.60", "0.10")]
    [InlineData("0.30", "0.40", "0.30")]
    [InlineData("0.35", "0.55", "0.10")]
    public void Every_floor_holds_on_the_allocated_amounts_for_every_principal_up_to_a_thousand_fen(string partner, string bank, string village)
    {
        var product = Product(("coop", Share(partner)), ("rcb", Share(bank)), ("village", Share(village)));
        for (var fen = 1; fen <= 1_000; fen++)
        {
            var principal = fen / 100m;
            var result = FundSplitter.Split(product, Lenders(), Request(principal));
            if (result.Split is not { } split)
            {
                // Only when no lender can give up a fen (a few fen in all) may the floors make a split impossible; it is then refused, never lent under the floor.
                Assert.Contains(result.Violations, v => v.RuleId is "cn2021-partner-min-share" or "in2025-lender-min-share");
                continue;
            }
            Assert.Equal(principal, split.Allocations.Sum(a => a.AmountYuan));
            Assert.True(split.Allocations.Single(a => a.LenderId == "coop").AmountYuan >= principal * 0.30m, $"partner under 30% of {principal}");
            Assert.All(split.Allocations, a => Assert.True(a.AmountYuan >= principal * 0.10m, $"{a.LenderId} under 10% of {principal}"));
        }
    }

    private static decimal Share(string text) => decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_local_bank_without_a_registered_region_is_not_taken_as_nationwide()
    {
        var result = FundSplitter.Split(Product(("coop", 0.30m), ("rcb", 0.50m), ("village", 0.20m)), Lenders(villageBankRegion: false), Request(10_000m));

        var violation = Assert.Single(result.Violations);
        Assert.Equal(("cn2021-region", "village"), (violation.RuleId, violation.LenderId));
    }

    [Fact]
    public void A_borrower_whose_home_county_is_unknown_is_refused_by_every_regional_lender()
    {
        var result = FundSplitter.Split(Product(("coop", 0.30m), ("rcb", 0.50m), ("village", 0.20m)), Lenders(), Request(10_000m, region: ""));

        Assert.Equal(["rcb", "village"], result.Violations.Where(v => v.RuleId == "cn2021-region").Select(v => v.LenderId));
    }

    [Fact]
    public void A_village_bank_lends_only_in_its_county()
    {
        var elsewhereInTheCity = FundSplitter.Split(Product(("coop", 0.30m), ("rcb", 0.50m), ("village", 0.20m)), Lenders(), Request(10_000m, region: "511402"));

        Assert.Equal([("cn2021-region", "village")], elsewhereInTheCity.Violations.Select(v => (v.RuleId, v.LenderId)));
    }
}
