using System.Globalization;

namespace RuralLoans.Domain.CoLending;

/// <summary>
/// Splits an approved loan between its co-lenders by the product's shares and checks every co-lending rule.
/// Every broken rule is reported, not only the first, so an operator can fix the product or the quotas at once.
/// </summary>
public static class FundSplitter
{
    public static FundSplitResult Split(CoLendingProduct product, IReadOnlyDictionary<string, Lender> lenders, FundSplitRequest request)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(lenders);
        ArgumentNullException.ThrowIfNull(request);
        var rules = product.Rules;
        var violations = new List<RuleViolation>();

        if (request.PrincipalYuan <= 0 || decimal.Round(request.PrincipalYuan, 2) != request.PrincipalYuan)
        {
            violations.Add(new("principal-fen", null, $"The principal must be a positive amount in whole fen, got {Yuan(request.PrincipalYuan)}."));
            return new FundSplitResult(null, violations);
        }
        var missing = product.Shares.Where(s => !lenders.ContainsKey(s.LenderId)).Select(s => s.LenderId).ToList();
        if (missing.Count > 0 || product.Shares.Count == 0)
        {
            violations.Add(new("lenders-known", null, $"The product names lenders with no record: {string.Join(", ", missing)}."));
            return new FundSplitResult(null, violations);
        }
        if (product.Shares.Sum(s => s.Share) != 1m || product.Shares.Any(s => s.Share <= 0))
        {
            violations.Add(new("shares-total", null, $"Lender shares must be positive and add up to 100%, they add up to {Percent(product.Shares.Sum(s => s.Share))}."));
        }
        if (product.Shares.Select(s => s.LenderId).Distinct(StringComparer.Ordinal).Count() != product.Shares.Count)
        {
            violations.Add(new("shares-distinct", null, "A lender appears more than once in the product's shares."));
        }
        var partnerShare = product.Shares.Where(s => s.LenderId == product.PartnerId).Sum(s => s.Share);
        if (partnerShare < rules.MinPartnerShare)
        {
            violations.Add(new("cn2021-partner-min-share", product.PartnerId,
                $"The partner funds {Percent(partnerShare)} of each loan; at least {Percent(rules.MinPartnerShare)} is required."));
        }
        foreach (var share in product.Shares.Where(s => s.Share < rules.MinLenderShare))
        {
            violations.Add(new("in2025-lender-min-share", share.LenderId,
                $"{share.LenderId} keeps {Percent(share.Share)} of each loan; every lender must keep at least {Percent(rules.MinLenderShare)}."));
        }
        if (request.HouseholdExistingDebtYuan + request.PrincipalYuan > rules.HouseholdCapYuan)
        {
            violations.Add(new("cn2020-household-cap", null,
                $"The household would owe {Yuan(request.HouseholdExistingDebtYuan + request.PrincipalYuan)}, over the {Yuan(rules.HouseholdCapYuan)} household cap."));
        }
        if (violations.Count > 0)
        {
            return new FundSplitResult(null, violations);
        }

        var fen = Money.AllocateFen(Money.ToFen(request.PrincipalYuan), product.Shares.Select(s => s.Share).ToArray());
        var allocations = product.Shares
            .Select((share, i) => (share, lender: lenders[share.LenderId], amount: Money.ToYuan(fen[i])))
            .Select(x => new LenderAllocation(x.share.LenderId, x.lender.Role, x.share.Share, x.amount, x.lender.AnnualRate))
            .ToArray();

        foreach (var allocation in allocations)
        {
            var lender = lenders[allocation.LenderId];
            if (allocation.AmountYuan > lender.AvailableQuotaYuan)
            {
                violations.Add(new("lender-quota", lender.Id,
                    $"{lender.Name} would fund {Yuan(allocation.AmountYuan)} but has {Yuan(lender.AvailableQuotaYuan)} of quota left."));
            }
            if (rules.EnforceRegions && lender.PermittedRegionPrefixes.Count > 0
                && !lender.PermittedRegionPrefixes.Any(p => request.BorrowerRegionCode.StartsWith(p, StringComparison.Ordinal)))
            {
                violations.Add(new("cn2021-region", lender.Id,
                    $"{lender.Name} may only lend in regions {string.Join(", ", lender.PermittedRegionPrefixes)}; the borrower is in {request.BorrowerRegionCode}."));
            }
            if (lender.Role != LenderRole.Bank)
            {
                continue;
            }
            var exposure = lender.PartnerExposureYuan.GetValueOrDefault(product.PartnerId) + allocation.AmountYuan;
            var exposureCap = lender.TierOneCapitalYuan * rules.MaxPartnerExposureToTierOne;
            if (exposure > exposureCap)
            {
                violations.Add(new("cn2021-partner-exposure", lender.Id,
                    $"{lender.Name}'s balance with partner {product.PartnerId} would reach {Yuan(exposure)}, over {Percent(rules.MaxPartnerExposureToTierOne)} of its net tier-1 capital ({Yuan(exposureCap)})."));
            }
            var coLent = lender.CoLentOutstandingYuan + allocation.AmountYuan;
            var coLentCap = (lender.TotalLoansYuan + allocation.AmountYuan) * rules.MaxCoLentShareOfLoans;
            if (coLent > coLentCap)
            {
                violations.Add(new("cn2021-co-lending-total", lender.Id,
                    $"{lender.Name}'s co-lent loans would reach {Yuan(coLent)}, over {Percent(rules.MaxCoLentShareOfLoans)} of its total loans ({Yuan(coLentCap)})."));
            }
        }
        if (violations.Count > 0)
        {
            return new FundSplitResult(null, violations);
        }
        var blended = decimal.Round(allocations.Sum(a => a.AmountYuan * a.AnnualRate) / request.PrincipalYuan, 6, MidpointRounding.AwayFromZero);
        return new FundSplitResult(
            new FundSplit
            {
                ApplicationId = request.ApplicationId,
                ProductId = product.ProductId,
                ProductVersion = product.Version,
                RuleSetVersion = rules.Version,
                PrincipalYuan = request.PrincipalYuan,
                Allocations = allocations,
                BlendedAnnualRate = blended,
            },
            violations);
    }

    private static string Yuan(decimal amount) => amount.ToString("¥#,##0.00", CultureInfo.InvariantCulture);

    private static string Percent(decimal share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
