using FsCheck;
using FsCheck.Fluent;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

/// <summary>A random product that obeys the share rules, a random loan and enough headroom for every lender.</summary>
public sealed record SplitCase(CoLendingProduct Product, IReadOnlyDictionary<string, Lender> Lenders, FundSplitRequest Request)
{
    public override string ToString() =>
        $"principal {Request.PrincipalYuan}, {Request.TermMonths} months {Request.RepaymentMethod}, shares [{string.Join(", ", Product.Shares.Select(s => $"{s.LenderId} {s.Share} @ {Lenders[s.LenderId].AnnualRate}"))}]";
}

public static class CoLendingArbitraries
{
    public static Arbitrary<SplitCase> SplitCases() =>
        (from lenderCount in Gen.Choose(2, 5)
         from partnerBasisPoints in Gen.Choose(3000, 10_000 - 1000 * (lenderCount - 1))
         from spareWeights in Gen.Choose(0, 100).ArrayOf(lenderCount - 1)
         from rateBasisPoints in Gen.Choose(0, 2400).ArrayOf(lenderCount)
         from principalFen in Gen.Choose(1, 20_000_000)
         from term in Gen.Choose(1, 60)
         from method in Gen.Elements(RepaymentMethod.EqualInstalment, RepaymentMethod.InterestThenBullet, RepaymentMethod.Bullet)
         select Build(partnerBasisPoints, spareWeights, rateBasisPoints, principalFen, term, method)).ToArbitrary();

    internal static SplitCase Build(int partnerBasisPoints, int[] spareWeights, int[] rateBasisPoints, int principalFen, int term, RepaymentMethod method)
    {
        // Every bank gets the 10% minimum plus a random part of what the partner leaves over.
        var spare = 10_000 - partnerBasisPoints - 1000 * spareWeights.Length;
        var spareParts = spareWeights.All(w => w == 0)
            ? spareWeights.Select((_, i) => i == 0 ? (long)spare : 0).ToArray()
            : Money.AllocateFen(spare, spareWeights.Select(w => (decimal)w).ToArray());
        var shares = new List<LenderShare> { new("partner", partnerBasisPoints / 10_000m) };
        shares.AddRange(spareParts.Select((part, i) => new LenderShare($"bank-{i + 1}", (1000 + part) / 10_000m)));
        var lenders = shares.Select((s, i) => new Lender
        {
            Id = s.LenderId,
            Name = s.LenderId,
            Role = i == 0 ? LenderRole.Partner : LenderRole.Bank,
            AnnualRate = rateBasisPoints[i] / 10_000m,
            AvailableQuotaYuan = 1_000_000m,
            TierOneCapitalYuan = 100_000_000m,
            TotalLoansYuan = 1_000_000_000m,
        }).ToDictionary(l => l.Id);
        var product = new CoLendingProduct
        {
            ProductId = "property-test",
            Version = "1",
            PartnerId = "partner",
            Shares = shares,
            Rules = CoLendingRuleSet.China2021WithIndia2025MinimumShare,
        };
        var request = new FundSplitRequest
        {
            ApplicationId = "app",
            PrincipalYuan = Money.ToYuan(principalFen),
            TermMonths = term,
            RepaymentMethod = method,
            BorrowerRegionCode = "511423",
        };
        return new SplitCase(product, lenders, request);
    }
}
