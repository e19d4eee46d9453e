namespace RuralLoans.Domain.Applications;

/// <summary>
/// The loan application form exactly as a partner keyed it or OCR read it: every field is raw text,
/// so nothing is lost before validation decides what it means.
/// </summary>
public sealed record LoanApplicationForm
{
    public string? ApplicantName { get; init; }
    public string? IdNumber { get; init; }
    public string? Phone { get; init; }
    public string? Village { get; init; }
    public string? Township { get; init; }
    public string? County { get; init; }
    public string? HouseholdSize { get; init; }
    public string? LandAreaMu { get; init; }
    public string? FarmingProject { get; init; }
    public string? RequestedAmountYuan { get; init; }
    public string? TermMonths { get; init; }
    public string? Purpose { get; init; }
    public string? RepaymentMethod { get; init; }
    public string? PartnerCode { get; init; }
    public string? ApplicationDate { get; init; }
}

/// <summary>A form that passed validation, with every field in its canonical type and unit.</summary>
public sealed record LoanApplication
{
    public required string ApplicantName { get; init; }
    public required ResidentIdNumber IdNumber { get; init; }
    public required string Phone { get; init; }
    public required string Village { get; init; }
    public required string Township { get; init; }
    public required string County { get; init; }
    public required int HouseholdSize { get; init; }
    public required decimal LandAreaMu { get; init; }
    public required FarmingProject FarmingProject { get; init; }
    public required decimal RequestedAmountYuan { get; init; }
    public required int TermMonths { get; init; }
    public required string Purpose { get; init; }
    public required RepaymentMethod RepaymentMethod { get; init; }
    public required string PartnerCode { get; init; }
    public required DateOnly ApplicationDate { get; init; }

    /// <summary>Whole years of age on the application date, from the birth date in the ID number.</summary>
    public int ApplicantAge => IdNumber.AgeOn(ApplicationDate);
}
