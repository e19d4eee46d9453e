using RuralLoans.Host.Auth;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Products;

namespace RuralLoans.Host.Api;

public sealed record LenderView(string Id, string Name, string Role, decimal AnnualRate, decimal QuotaYuan, IReadOnlyList<string> PermittedRegionPrefixes);

public sealed record LenderShareView(string LenderId, decimal Share);

public sealed record CoLendingView(string PartnerId, string Version, string RuleSetVersion, IReadOnlyList<LenderShareView> Shares);

public sealed record ProductView(
    string Code, string NameZh, string NameEn, bool RequiresPreCheck, decimal MaxAmountYuan,
    double PreCheckDeadlineHours, double CorrectionDeadlineHours, double HumanReviewDeadlineHours, double DeclineReviewWindowHours,
    IReadOnlyList<CoLendingView> CoLending);

/// <summary>Read-only lenders and products, from the same configuration files the pipeline runs on.</summary>
internal static class CatalogEndpoints
{
    public static void Map(RouteGroupBuilder api, string configDirectory)
    {
        var catalog = LendingCatalog.Load(Path.Combine(configDirectory, "lenders.json"), Path.Combine(configDirectory, "co-lending-products.json"));

        api.MapGet("/lenders", () => Results.Ok(catalog.Lenders.Values
                .Select(l => new LenderView(l.Id, l.Name, l.Role.ToString(), l.AnnualRate, l.QuotaYuan, l.PermittedRegionPrefixes)).ToList()))
            .WithName("ListLenders").WithTags("Catalog").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("The co-lenders and their standing terms.")
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
}
