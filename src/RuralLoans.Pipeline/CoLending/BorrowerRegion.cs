using RuralLoans.Domain.Applications;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Pipeline.CoLending;

/// <summary>
/// Where a borrower lives and farms, as the region rule needs it: the 6-digit code of the county the form names, told
/// apart from same-named counties elsewhere by the township under it. The resident ID's first six digits are not used:
/// they only say where the ID was first issued, which may be a county the borrower left decades ago.
/// </summary>
public static class BorrowerRegion
{
    /// <summary>The county code, or empty when the form's county and township name no single county (the rule then refuses local banks).</summary>
    public static string CodeOf(LoanApplication application, AdministrativeDivisions? divisions = null)
    {
        ArgumentNullException.ThrowIfNull(application);
        divisions ??= AdministrativeDivisions.Default;
        var counties = divisions.CountiesNamed(application.County.Trim());
        if (counties.Count == 1)
        {
            return counties[0].Code;
        }
        var township = application.Township.Trim();
        var matching = counties.Where(c => divisions.TownshipsOf(c.Code).Any(t => t.Name == township)).ToList();
        return matching.Count == 1 ? matching[0].Code : "";
    }
}
