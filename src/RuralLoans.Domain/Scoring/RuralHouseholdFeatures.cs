using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.Scoring;

/// <summary>Turns a validated application and its village pre-check into the rural household scorecard's inputs.</summary>
public static class RuralHouseholdFeatures
{
    public const string Age = "age";
    public const string HouseholdSize = "householdSize";
    public const string LandAreaMu = "landAreaMu";
    public const string FarmingProject = "farmingProject";
    public const string RequestedAmountYuan = "requestedAmountYuan";
    public const string TermMonths = "termMonths";
    public const string PurposeCategory = "purposeCategory";
    public const string RepaymentMethod = "repaymentMethod";
    public const string PreCheckItemsFailed = "preCheckItemsFailed";

    public static Dictionary<string, FeatureValue> From(LoanApplication application, VillagePreCheckResult preCheck)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(preCheck);
        return new Dictionary<string, FeatureValue>(StringComparer.Ordinal)
        {
            [Age] = FeatureValue.Of(application.ApplicantAge),
            [HouseholdSize] = FeatureValue.Of(application.HouseholdSize),
            [LandAreaMu] = FeatureValue.Of((double)application.LandAreaMu),
            [FarmingProject] = FeatureValue.Of(application.FarmingProject.ToString()),
            [RequestedAmountYuan] = FeatureValue.Of((double)application.RequestedAmountYuan),
            [TermMonths] = FeatureValue.Of(application.TermMonths),
            [PurposeCategory] = FeatureValue.Of(LoanPurposeCategory.Classify(application.Purpose)),
            [RepaymentMethod] = FeatureValue.Of(application.RepaymentMethod.ToString()),
            [PreCheckItemsFailed] = FeatureValue.Of(preCheck.ItemsFailed),
        };
    }

    /// <summary>The applicant's age on the last repayment date, for the age-at-maturity policy rule.</summary>
    public static int AgeAtMaturity(LoanApplication application)
    {
        ArgumentNullException.ThrowIfNull(application);
        return application.IdNumber.AgeOn(application.ApplicationDate.AddMonths(application.TermMonths));
    }
}
