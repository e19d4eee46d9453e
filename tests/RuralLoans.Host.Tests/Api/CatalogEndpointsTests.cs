using RuralLoans.Domain.CoLending;
using RuralLoans.Host.Api;
using RuralLoans.Pipeline.CoLending;

namespace RuralLoans.Host.Tests.Api;

/// <summary>What `GET /api/lenders` shows on a given day: the terms a split made that day would use, and what comes next.</summary>
public sealed class CatalogEndpointsTests
{
    private static LenderTerms Version(string version, DateOnly from, decimal rate) =>
        new("BANK-X", "Test Bank", LenderRole.Bank, InstitutionType.NationalBank, [], new LenderTermsVersion(version, from, rate, 1_000_000m));

    private static readonly LendingCatalog Catalog = new(
        new Dictionary<string, IReadOnlyList<LenderTerms>>
        {
            ["BANK-X"] = [Version("X-2025", new DateOnly(2025, 1, 1), 0.05m), Version("X-2026", new DateOnly(2026, 6, 1), 0.045m), Version("X-2027", new DateOnly(2027, 1, 1), 0.04m)],
        },
        []);

    [Fact]
    public void A_lender_is_shown_at_the_terms_in_force_that_day_with_later_versions_as_upcoming()
    {
        var view = CatalogEndpoints.LenderOn(Catalog, "BANK-X", new DateOnly(2026, 12, 6));

        Assert.NotNull(view);
        Assert.Equal("X-2026", view.TermsVersion);
        Assert.Equal(0.045m, view.AnnualRate);
        Assert.Equal(["X-2027"], view.Upcoming.Select(u => u.Version));
    }

    [Fact]
    public void On_the_day_a_version_takes_effect_it_is_the_one_shown()
    {
        var view = CatalogEndpoints.LenderOn(Catalog, "BANK-X", new DateOnly(2027, 1, 1));

        Assert.Equal("X-2027", view!.TermsVersion);
        Assert.Empty(view.Upcoming);
    }

    [Fact]
    public void A_lender_whose_first_terms_start_later_is_not_listed_yet()
    {
        Assert.Null(CatalogEndpoints.LenderOn(Catalog, "BANK-X", new DateOnly(2024, 12, 31)));
    }
}
