using RuralLoans.Host.Auth;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Products;

namespace RuralLoans.Host.Api;

/// <summary>A lender at the terms in force today (what a split run now uses), with any versions that take effect later.</summary>
public sealed record LenderView(string Id, string Name, string Role, string TermsVersion, DateOnly EffectiveFrom, decimal AnnualRate, decimal QuotaYuan,
    IReadOnlyList<string> PermittedRegionPrefixes, IReadOnlyList<LenderTermsView> Upcoming);

public sealed record LenderTermsView(string Version, DateOnly EffectiveFrom, decimal AnnualRate, decimal QuotaYuan);

public sealed record LenderShareView(string LenderId, decimal Share);

public sealed record CoLendingView(string PartnerId, string Version, string RuleSetVersion, IReadOnlyList<LenderShareView> Shares);

public sealed record ProductView(
    string Code, string NameZh, string NameEn, bool RequiresPreCheck, decimal MaxAmountYuan,
    double PreCheckDeadlineHours, double CorrectionDeadlineHours, double HumanReviewDeadlineHours, double DeclineReviewWindowHours,
    IReadOnlyList<CoLendingView> CoLending);

/// <summary>Read-only lenders and products, from the same configuration files the pipeline runs on.</summary>
internal static class CatalogEndpoints
{
    public static void Map(RouteGroupBuilder api, string configDirectory, TimeProvider clock)
    {
        var catalog = LendingCatalog.Load(Path.Combine(configDirectory, "lenders.json"), Path.Combine(configDirectory, "co-lending-products.json"));

        api.MapGet("/lenders", () => Results.Ok(catalog.Lenders.Keys.Select(id => LenderOn(catalog, id, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))).OfType<LenderView>().ToList()))
            .WithName("ListLenders").WithTags("Catalog").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("The co-lenders at the terms in force today (UTC), and any versions that take effect later.")
            .Produces<List<LenderView>>();

        api.MapGet("/products", () => Results.Ok(ProductCatalog.Default.All.Select(p => new ProductView(
                p.Code, p.NameZh, p.NameEn, p.RequiresPreCheck, p.MaxAmountYuan,
                p.PreCheckDeadline.TotalHours, p.CorrectionDeadline.TotalHours, p.HumanReviewDeadline.TotalHours,
                p.OffersDeclineReview ? p.DeclineReviewWindow!.Value.TotalHours : 0,
                catalog.Products.Where(c => c.ProductId == p.Code)
                    .Select(c => new CoLendingView(c.PartnerId, c.Version, c.Rules.Version, c.Shares.Select(s => new LenderShareView(s.LenderId, s.Share)).ToList())).ToList()))
                .OrderBy(p => p.Code, StringComparer.Ordinal).ToList()))
            .WithName("ListProducts").WithTags("Catalog").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("The loan products, their limits and deadlines, and each partner's co-lending arrangement.")
            .Produces<List<ProductView>>();
    }

    /// <summary>A lender whose first terms take effect later is listed only from that day.</summary>
    internal static LenderView? LenderOn(LendingCatalog catalog, string lenderId, DateOnly today)
    {
        if (catalog.TermsOn(lenderId, today) is not { } l)
        {
            return null;
        }
        var upcoming = catalog.VersionsOf(lenderId).Where(v => v.Terms.EffectiveFrom > today)
            .Select(v => new LenderTermsView(v.Terms.Version, v.Terms.EffectiveFrom, v.AnnualRate, v.QuotaYuan)).ToList();
        return new LenderView(l.Id, l.Name, l.Role.ToString(), l.Terms.Version, l.Terms.EffectiveFrom, l.AnnualRate, l.QuotaYuan, l.PermittedRegionPrefixes, upcoming);
    }
}
