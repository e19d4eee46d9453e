namespace RuralLoans.Domain.CoLending;

public enum LenderRole
{
    /// <summary>A commercial or rural bank funding its share of each loan.</summary>
    Bank,

    /// <summary>The cooperating institution that originates the loans and must fund part of each one.</summary>
    Partner,
}

/// <summary>A funder of co-lent loans as seen when a loan is split: quota, regulatory headroom and rate.</summary>
public sealed record Lender
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required LenderRole Role { get; init; }

    /// <summary>Annual interest rate this lender earns on its share, e.g. 0.0435.</summary>
    public required decimal AnnualRate { get; init; }

    /// <summary>The version of the lender's terms (capital, limits, rate) this view was built from; recorded with each split.</summary>
    public string? TermsVersion { get; init; }

    /// <summary>
    /// A local bank (rural commercial, city commercial, village bank, rural credit cooperative) may lend only in its
    /// registered region: one without a region is refused everywhere rather than treated as nationwide.
    /// </summary>
    public bool IsLocalBank { get; init; }

    /// <summary>Unreserved co-lending quota left for this lender.</summary>
    public required decimal AvailableQuotaYuan { get; init; }

    /// <summary>Net tier-1 capital (banks): caps the balance co-lent with any one partner.</summary>
    public decimal TierOneCapitalYuan { get; init; }

    /// <summary>The bank's whole loan book, co-lent loans included, as live as the caller can make it.</summary>
    public decimal TotalLoansYuan { get; init; }

    /// <summary>The bank's outstanding co-lent balance across all partners (reported figures plus the loans in flight and paid out here).</summary>
    public decimal CoLentOutstandingYuan { get; init; }

    /// <summary>The bank's outstanding co-lent balance per partner id.</summary>
    public IReadOnlyDictionary<string, decimal> PartnerExposureYuan { get; init; } = new Dictionary<string, decimal>();

    /// <summary>
    /// Administrative-division code prefixes the lender may lend in (e.g. "51" Sichuan, "5114" Meishan).
    /// Empty: nationwide.
    /// </summary>
    public IReadOnlyList<string> PermittedRegionPrefixes { get; init; } = [];
}

/// <summary>
/// The regulatory and product limits a split must respect, kept as versioned parameters because the rules
/// change and differ between jurisdictions.
/// </summary>
public sealed record CoLendingRuleSet
{
    public required string Version { get; init; }

    /// <summary>China 2021 (银保监办发〔2021〕24号): the partner funds at least 30% of each loan.</summary>
    public decimal MinPartnerShare { get; init; } = 0.30m;

    /// <summary>India RBI 2025 co-lending directions: every lender keeps at least 10% of each loan.</summary>
    public decimal MinLenderShare { get; init; } = 0.10m;

    /// <summary>China 2021: a bank's balance with one partner stays within 25% of its net tier-1 capital.</summary>
    public decimal MaxPartnerExposureToTierOne { get; init; } = 0.25m;

    /// <summary>China 2021: co-lent loans stay within 50% of a bank's total loans.</summary>
    public decimal MaxCoLentShareOfLoans { get; init; } = 0.50m;

    /// <summary>China 2020 measures: a household's credit stays within ¥200,000.</summary>
    public decimal HouseholdCapYuan { get; init; } = 200_000m;

    /// <summary>China 2021: local banks may not lend outside their registered region.</summary>
    public bool EnforceRegions { get; init; } = true;

    public static CoLendingRuleSet China2021WithIndia2025MinimumShare { get; } = new() { Version = "cn2021-in2025-v1" };
}

/// <summary>One lender's agreed share of every loan of a product.</summary>
public sealed record LenderShare(string LenderId, decimal Share);

/// <summary>A co-lending product: who funds which share, under which rule set (all versioned).</summary>
public sealed record CoLendingProduct
{
    public required string ProductId { get; init; }
    public required string Version { get; init; }
    public required string PartnerId { get; init; }
    public required IReadOnlyList<LenderShare> Shares { get; init; }
    public required CoLendingRuleSet Rules { get; init; }
}

/// <summary>What is being split: the approved loan and the facts the rules need about the borrower.</summary>
public sealed record FundSplitRequest
{
    public required string ApplicationId { get; init; }
    public required decimal PrincipalYuan { get; init; }
    public required int TermMonths { get; init; }
    public required Applications.RepaymentMethod RepaymentMethod { get; init; }

    /// <summary>
    /// 6-digit administrative-division code of the county where the borrower lives and farms (from the form's county and
    /// township), not the resident ID's code, which only says where the ID was first issued.
    /// </summary>
    public required string BorrowerRegionCode { get; init; }

    /// <summary>The household's other outstanding credit, for the household cap.</summary>
    public decimal HouseholdExistingDebtYuan { get; init; }
}

/// <summary>A rule the split would break, named so the operator knows which regulation or limit it is.</summary>
public sealed record RuleViolation(string RuleId, string? LenderId, string Message);

/// <param name="TermsVersion">The lender's terms version the split was checked under, so the decision stays verifiable when terms change.</param>
public sealed record LenderAllocation(string LenderId, LenderRole Role, decimal Share, decimal AmountYuan, decimal AnnualRate, string? TermsVersion = null);

/// <summary>The agreed split of one loan between its lenders.</summary>
public sealed record FundSplit
{
    public required string ApplicationId { get; init; }
    public required string ProductId { get; init; }
    public required string ProductVersion { get; init; }
    public required string RuleSetVersion { get; init; }
    public required decimal PrincipalYuan { get; init; }
    public required IReadOnlyList<LenderAllocation> Allocations { get; init; }

    /// <summary>The borrower's rate: the lenders' rates weighted by the amounts they fund, to 6 decimals.</summary>
    public required decimal BlendedAnnualRate { get; init; }
}

public sealed record FundSplitResult(FundSplit? Split, IReadOnlyList<RuleViolation> Violations)
{
    public bool IsAllowed => Split is not null;
}
