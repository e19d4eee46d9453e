namespace RuralLoans.Domain.Applications;

/// <summary>The plausibility bounds a form must stay inside before any credit decision is attempted.</summary>
public sealed record ApplicationLimits
{
    /// <summary>Household consumer/operating credit cap (China 2020 measures: ¥200,000 per household).</summary>
    public decimal MaxAmountYuan { get; init; } = 200_000m;
    public decimal MinAmountYuan { get; init; } = 1_000m;
    public int MinTermMonths { get; init; } = 1;
    public int MaxTermMonths { get; init; } = 60;
    public int MaxHouseholdSize { get; init; } = 20;
    public decimal MaxLandAreaMu { get; init; } = 10_000m;
    public int MinApplicantAge { get; init; } = 16;
    public int MaxApplicantAge { get; init; } = 100;
    public int MaxNameLength { get; init; } = 40;
    public int MaxPlaceLength { get; init; } = 60;
    public int MaxPurposeLength { get; init; } = 300;

    /// <summary>How far in the past an application date may be (forms are sometimes scanned late).</summary>
    public int MaxApplicationAgeDays { get; init; } = 366;

    public static ApplicationLimits Default { get; } = new();
}
