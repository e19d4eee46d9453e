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

    public static CreditPolicy RuralDefault { get; } = new() { Version = "rural-policy-2024.1" };
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
                findings.Add(new("pre-check", RuleSeverity.Refer, new("P07", "村级合作伙伴预审有待核实事项", "The village partner's pre-check raised points to verify")));
                break;
        }
        return findings;
    }
}
