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

        var totalFen = Money.ToFen(request.PrincipalYuan);
        var floors = product.Shares.Select(s => FloorOf(s.LenderId, product, rules)).ToArray();
        var fen = AllocateWithFloors(totalFen, product.Shares.Select(s => s.Share).ToArray(), floors);
        var allocations = product.Shares
            .Select((share, i) => (share, lender: lenders[share.LenderId], amount: Money.ToYuan(fen[i])))
            .Select(x => new LenderAllocation(x.share.LenderId, x.lender.Role, x.share.Share, x.amount, x.lender.AnnualRate, x.lender.TermsVersion))
            .ToArray();

        // The floors bind the money actually lent, not only the configured shares: rounding to the fen must not take a
        // lender under its floor (checked again here in case no other lender could give up a fen).
        foreach (var allocation in allocations)
        {
            var isPartner = allocation.LenderId == product.PartnerId;
            if (isPartner && allocation.AmountYuan < request.PrincipalYuan * rules.MinPartnerShare)
            {
                violations.Add(new("cn2021-partner-min-share", allocation.LenderId,
                    $"After rounding the partner would fund {Yuan(allocation.AmountYuan)}, under {Percent(rules.MinPartnerShare)} of {Yuan(request.PrincipalYuan)}."));
            }
            if (allocation.AmountYuan < request.PrincipalYuan * rules.MinLenderShare)
            {
                violations.Add(new("in2025-lender-min-share", allocation.LenderId,
                    $"After rounding {allocation.LenderId} would fund {Yuan(allocation.AmountYuan)}, under {Percent(rules.MinLenderShare)} of {Yuan(request.PrincipalYuan)}."));
            }
        }

        foreach (var allocation in allocations)
        {
            var lender = lenders[allocation.LenderId];
            if (allocation.AmountYuan > lender.AvailableQuotaYuan)
            {
                violations.Add(new("lender-quota", lender.Id,
                    $"{lender.Name} would fund {Yuan(allocation.AmountYuan)} but has {Yuan(lender.AvailableQuotaYuan)} of quota left."));
            }
            if (RegionViolation(lender, request.BorrowerRegionCode, rules) is { } outside)
            {
                violations.Add(outside);
            }
            violations.AddRange(BalanceLimitViolations(lender, product.PartnerId, allocation.AmountYuan, rules));
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

    /// <summary>
    /// China 2021: a local bank lends only where the borrower lives and farms. A local bank with no registered region is
    /// refused (never taken as nationwide); an unknown borrower region fails every lender that has a region.
    /// </summary>
    public static RuleViolation? RegionViolation(Lender lender, string borrowerRegionCode, CoLendingRuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(lender);
        ArgumentNullException.ThrowIfNull(rules);
        if (!rules.EnforceRegions || (lender.PermittedRegionPrefixes.Count == 0 && !lender.IsLocalBank))
        {
            return null;
        }
        if (lender.PermittedRegionPrefixes.Count == 0)
        {
            return new("cn2021-region", lender.Id, $"{lender.Name} is a local bank with no registered region, so it may not lend anywhere until one is configured.");
        }
        if (string.IsNullOrEmpty(borrowerRegionCode))
        {
            return new("cn2021-region", lender.Id, $"{lender.Name} may only lend in regions {string.Join(", ", lender.PermittedRegionPrefixes)}; where the borrower lives is not known.");
        }
        return lender.PermittedRegionPrefixes.Any(p => borrowerRegionCode.StartsWith(p, StringComparison.Ordinal))
            ? null
            : new("cn2021-region", lender.Id, $"{lender.Name} may only lend in regions {string.Join(", ", lender.PermittedRegionPrefixes)}; the borrower lives in {borrowerRegionCode}.");
    }

    /// <summary>
    /// China 2021 balance limits of a bank after adding this amount: its balance with the partner within 25% of net tier-1
    /// capital, its co-lent loans within 50% of all its loans. The lender's balances must be live (the quota store's
    /// committed and reserved totals plus reported figures); the store calls this again inside its conditional write so
    /// that two loans decided at once cannot pass a limit together.
    /// </summary>
    public static IReadOnlyList<RuleViolation> BalanceLimitViolations(Lender lender, string partnerId, decimal amountYuan, CoLendingRuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(lender);
        ArgumentNullException.ThrowIfNull(rules);
        if (lender.Role != LenderRole.Bank)
        {
            return [];
        }
        var violations = new List<RuleViolation>();
        var exposure = lender.PartnerExposureYuan.GetValueOrDefault(partnerId) + amountYuan;
        var exposureCap = lender.TierOneCapitalYuan * rules.MaxPartnerExposureToTierOne;
        if (exposure > exposureCap)
        {
            violations.Add(new("cn2021-partner-exposure", lender.Id,
                $"{lender.Name}'s balance with partner {partnerId} would reach {Yuan(exposure)}, over {Percent(rules.MaxPartnerExposureToTierOne)} of its net tier-1 capital ({Yuan(exposureCap)})."));
        }
        var coLent = lender.CoLentOutstandingYuan + amountYuan;
        var coLentCap = (lender.TotalLoansYuan + amountYuan) * rules.MaxCoLentShareOfLoans;
        if (coLent > coLentCap)
        {
            violations.Add(new("cn2021-co-lending-total", lender.Id,
                $"{lender.Name}'s co-lent loans would reach {Yuan(coLent)}, over {Percent(rules.MaxCoLentShareOfLoans)} of its total loans ({Yuan(coLentCap)})."));
        }
        return violations;
    }

    /// <summary>The smallest share of each loan a lender must fund: the partner's floor for the partner, the lender floor for all.</summary>
    private static decimal FloorOf(string lenderId, CoLendingProduct product, CoLendingRuleSet rules) =>
        lenderId == product.PartnerId ? Math.Max(rules.MinPartnerShare, rules.MinLenderShare) : rules.MinLenderShare;

    /// <summary>
    /// Largest remainder on fen, then any lender the rounding left under its floor (at most one fen short, since its
    /// share is at least its floor) takes a fen from the lender furthest above its exact share that can spare one.
    /// </summary>
    private static long[] AllocateWithFloors(long totalFen, decimal[] shares, decimal[] floors)
    {
        var parts = Money.AllocateFen(totalFen, shares);
        var shareTotal = shares.Sum();
        var exact = shares.Select(s => totalFen * (s / shareTotal)).ToArray();
        var minimum = floors.Select(f => (long)decimal.Ceiling(totalFen * f)).ToArray();
        for (var i = 0; i < parts.Length; i++)
        {
            while (parts[i] < minimum[i])
            {
                var donor = -1;
                for (var j = 0; j < parts.Length; j++)
                {
                    if (j != i && parts[j] > minimum[j] && (donor < 0 || parts[j] - exact[j] > parts[donor] - exact[donor]))
                    {
                        donor = j;
                    }
                }
                if (donor < 0)
                {
                    return parts;
                }
                parts[donor]--;
                parts[i]++;
            }
        }
        return parts;
    }

    private static string Yuan(decimal amount) => amount.ToString("¥#,##0.00", CultureInfo.InvariantCulture);

    private static string Percent(decimal share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
