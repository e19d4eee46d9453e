namespace RuralLoans.Domain.Scoring;

/// <summary>
/// Versioned decision policy: score cut-offs and the hard and soft rules applied around the scorecard.
/// A decision records the version it ran under so it can be replayed.
/// </summary>
public sealed record CreditPolicy
{
    public required string Version { get; init; }

    /// <summary>Scores at or above this are approved when no rule objects.</summary>
    public double ApproveAtOrAbove { get; init; } = 600;

    /// <summary>Scores below this are declined; between the two cut-offs a person decides.</summary>
    public double DeclineBelow { get; init; } = 540;

    public int MinApplicantAge { get; init; } = 18;
    public int MaxAgeAtMaturity { get; init; } = 65;

    /// <summary>All of a household's outstanding credit plus this loan (China 2020 measures: ¥200,000).</summary>
    public decimal HouseholdCapYuan { get; init; } = 200_000m;

    /// <summary>Existing debt above this share of the household cap sends the application to a person.</summary>
    public decimal ReferExistingDebtShareOfCap { get; init; } = 0.5m;

    /// <summary>
    /// Whether an application no village partner could vouch for is referred under its own reason (P08). Policies
    /// before 2026.1 had no such reason and treated it as a pre-check with concerns (P07).
    /// </summary>
    public bool NoLocalPartnerHasOwnReason { get; init; }

    /// <summary>The first rural policy: a village without a partner counted as a pre-check with concerns.</summary>
    public static CreditPolicy Rural2024 { get; } = new() { Version = "rural-policy-2024.1" };

    /// <summary>Adds P08: no local partner is its own reason for a loan officer's review, never a pre-check finding.</summary>
    public static CreditPolicy Rural2026 { get; } = new() { Version = "rural-policy-2026.1", NoLocalPartnerHasOwnReason = true };

    /// <summary>The policy new decisions are made under.</summary>
    public static CreditPolicy RuralDefault => Rural2026;

    /// <summary>Every policy version ever used for a decision, so each recorded decision can be replayed under its own.</summary>
    public static IReadOnlyList<CreditPolicy> Shipped { get; } = [Rural2024, Rural2026];

    public static CreditPolicy? Find(string version) => Shipped.FirstOrDefault(policy => policy.Version == version);
}

/// <summary>The facts the policy rules look at, recorded with every decision.</summary>
public sealed record PolicyFacts
{
    public required int ApplicantAge { get; init; }
    public required int AgeAtMaturity { get; init; }
    public required decimal RequestedAmountYuan { get; init; }
    public required decimal ProductCapYuan { get; init; }
    public required decimal ExistingDebtYuan { get; init; }
    public required bool OnBlacklist { get; init; }
    public required PreCheckOutcome PreCheck { get; init; }
}

public enum RuleSeverity
{
    /// <summary>The application cannot be approved.</summary>
    Decline,

    /// <summary>A person must look before anything is decided.</summary>
    Refer,
}

/// <summary>A policy rule that objected, with the reason as the borrower reads it.</summary>
public sealed record PolicyFinding(string RuleId, RuleSeverity Severity, ReasonText Reason);

public static class PolicyRules
{
    /// <summary>Refers a household no village partner could vouch for; it explains a referral, never a decline.</summary>
    public const string NoLocalPartnerRule = "no-local-partner";

    public static IReadOnlyList<PolicyFinding> Evaluate(CreditPolicy policy, PolicyFacts facts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(facts);
        var findings = new List<PolicyFinding>();
        if (facts.OnBlacklist)
        {
            findings.Add(new("blacklist", RuleSeverity.Decline, new("P05", "未通过信用记录核查", "The credit record check was not passed")));
        }
        if (facts.ApplicantAge < policy.MinApplicantAge || facts.AgeAtMaturity > policy.MaxAgeAtMaturity)
        {
            findings.Add(new("age-limits", RuleSeverity.Decline, new("P01",
                $"年龄不符合产品要求：申请时须满{policy.MinApplicantAge}周岁，到期时不超过{policy.MaxAgeAtMaturity}周岁",
                $"Age outside the product's limits: at least {policy.MinApplicantAge} when applying and at most {policy.MaxAgeAtMaturity} at maturity")));
        }
        if (facts.RequestedAmountYuan > facts.ProductCapYuan)
        {
            findings.Add(new("product-cap", RuleSeverity.Decline, new("P02",
                $"申请金额超过本产品上限{facts.ProductCapYuan:0}元",
                $"The amount exceeds this product's limit of ¥{facts.ProductCapYuan:0}")));
        }
        if (facts.ExistingDebtYuan + facts.RequestedAmountYuan > policy.HouseholdCapYuan)
        {
            findings.Add(new("household-cap", RuleSeverity.Decline, new("P03",
                $"现有借款加本次申请超过每户{policy.HouseholdCapYuan:0}元的上限",
                $"Existing debt plus this loan exceeds the ¥{policy.HouseholdCapYuan:0} household limit")));
        }
        else if (facts.ExistingDebtYuan > policy.HouseholdCapYuan * policy.ReferExistingDebtShareOfCap)
        {
            findings.Add(new("existing-debt", RuleSeverity.Refer, new("P04", "现有借款较多，需人工复核还款能力", "Existing debt is high; a loan officer will review repayment capacity")));
        }
        switch (facts.PreCheck)
        {
            case PreCheckOutcome.Fail:
                findings.Add(new("pre-check", RuleSeverity.Decline, new("P06", "村级合作伙伴预审未通过", "The village partner's pre-check was not passed")));
                break;
            case PreCheckOutcome.Concerns:
            case PreCheckOutcome.NoLocalPartner when !policy.NoLocalPartnerHasOwnReason:
                findings.Add(new("pre-check", RuleSeverity.Refer, new("P07", "村级合作伙伴预审有待核实事项", "The village partner's pre-check raised points to verify")));
                break;
            case PreCheckOutcome.NoLocalPartner:
                findings.Add(new(NoLocalPartnerRule, RuleSeverity.Refer, new("P08",
                    "本村暂无合作伙伴可为该农户作保，由信贷员人工审核", "No local partner could vouch for the household; a loan officer reviews it")));
                break;
        }
        return findings;
    }
}

/// <summary>What the lending-law rules look at: the approved loan's terms and the rate its lenders would charge.</summary>
public sealed record LoanTermsFacts
{
    public required string Purpose { get; init; }
    public required Applications.RepaymentMethod RepaymentMethod { get; init; }
    public required int TermMonths { get; init; }

    /// <summary>The borrower's rate: the lenders' rates weighted by what each funds.</summary>
    public required decimal BlendedAnnualRate { get; init; }
    public required Contracts.RateCap RateCap { get; init; }
}

/// <summary>
/// Rules of lending law that hold for every product and policy version, checked before a contract is offered: they
/// decline with a reason code the borrower can read, and nothing about them is a matter of credit judgement.
/// </summary>
public static class LendingLawRules
{
    public const string ProhibitedPurposeRule = "prohibited-purpose";
    public const string ConsumerBulletTermRule = "consumer-bullet-term";
    public const string RateCapRule = "rate-cap";

    /// <summary>One-off repayment of principal and interest (一次性还本付息) of a consumer loan: at most one year.</summary>
    public const int MaxConsumerBulletTermMonths = 12;

    public static IReadOnlyList<PolicyFinding> Evaluate(LoanTermsFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var findings = new List<PolicyFinding>();
        if (LoanPurposeCategory.Prohibited(facts.Purpose) is { } use)
        {
            findings.Add(new(ProhibitedPurposeRule, RuleSeverity.Decline, new("L01",
                $"借款用途不合规：贷款不得用于{use.Zh}",
                $"The purpose is not allowed: loans may not be used for {use.En}")));
        }
        if (facts.RepaymentMethod == Applications.RepaymentMethod.Bullet && facts.TermMonths > MaxConsumerBulletTermMonths
            && LoanPurposeCategory.Classify(facts.Purpose) == LoanPurposeCategory.Consumption)
        {
            findings.Add(new(ConsumerBulletTermRule, RuleSeverity.Decline, new("L02",
                $"消费类贷款到期一次还本付息的期限不得超过{MaxConsumerBulletTermMonths}个月",
                $"A consumer loan repaid in one payment at maturity may run at most {MaxConsumerBulletTermMonths} months")));
        }
        if (facts.BlendedAnnualRate > facts.RateCap.MaxAnnualRate)
        {
            findings.Add(new(RateCapRule, RuleSeverity.Decline, new("L03",
                $"年化利率{Contracts.Rates.Percent(facts.BlendedAnnualRate)}超过上限{Contracts.Rates.Percent(facts.RateCap.MaxAnnualRate)}（{facts.RateCap.Basis}）",
                $"The annualized rate {Contracts.Rates.Percent(facts.BlendedAnnualRate)} exceeds the cap of {Contracts.Rates.Percent(facts.RateCap.MaxAnnualRate)} ({facts.RateCap.Basis})")));
        }
        return findings;
    }
}
