using System.Text.Json;
using System.Text.Json.Serialization;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Pipeline.CoLending;

/// <summary>A lender's standing terms; the live quota comes from the quota store.</summary>
public sealed record LenderTerms(
    string Id, string Name, LenderRole Role, decimal AnnualRate, decimal QuotaYuan,
    decimal TierOneCapitalYuan, decimal TotalLoansYuan, decimal CoLentOutstandingYuan,
    IReadOnlyDictionary<string, decimal>? PartnerExposureYuan, IReadOnlyList<string> PermittedRegionPrefixes)
{
    public Lender WithAvailableQuota(decimal availableYuan) => new()
    {
        Id = Id,
        Name = Name,
        Role = Role,
        AnnualRate = AnnualRate,
        AvailableQuotaYuan = availableYuan,
        TierOneCapitalYuan = TierOneCapitalYuan,
        TotalLoansYuan = TotalLoansYuan,
        CoLentOutstandingYuan = CoLentOutstandingYuan,
        PartnerExposureYuan = PartnerExposureYuan ?? new Dictionary<string, decimal>(),
        PermittedRegionPrefixes = PermittedRegionPrefixes,
    };
}

/// <summary>Lenders and co-lending products from config/lenders.json and config/co-lending-products.json.</summary>
public sealed class LendingCatalog(IReadOnlyDictionary<string, LenderTerms> lenders, IReadOnlyList<CoLendingProduct> products)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record LendersFile(IReadOnlyList<LenderTerms> Lenders);

    private sealed record ProductEntry(string ProductId, string Version, string PartnerId, string RuleSet, IReadOnlyList<LenderShare> Shares);

    private sealed record ProductsFile(IReadOnlyList<CoLendingRuleSet> RuleSets, IReadOnlyList<ProductEntry> Products);

    public IReadOnlyDictionary<string, LenderTerms> Lenders { get; } = lenders;

    public IReadOnlyList<CoLendingProduct> Products { get; } = products;

    public static LendingCatalog Load(string lendersPath, string productsPath)
    {
        var lenders = JsonSerializer.Deserialize<LendersFile>(File.ReadAllText(lendersPath), Json)?.Lenders
            ?? throw new InvalidDataException($"{lendersPath} has no lenders.");
        var file = JsonSerializer.Deserialize<ProductsFile>(File.ReadAllText(productsPath), Json)
            ?? throw new InvalidDataException($"{productsPath} is empty.");
        var ruleSets = file.RuleSets.ToDictionary(r => r.Version, StringComparer.Ordinal);
        var products = file.Products.Select(p => new CoLendingProduct
        {
            ProductId = p.ProductId,
            Version = p.Version,
            PartnerId = p.PartnerId,
            Shares = p.Shares,
            Rules = ruleSets.TryGetValue(p.RuleSet, out var rules) ? rules : throw new InvalidDataException($"Product {p.ProductId} for {p.PartnerId} names unknown rule set {p.RuleSet}."),
        }).ToList();
        return new LendingCatalog(lenders.ToDictionary(l => l.Id, StringComparer.Ordinal), products);
    }

    /// <summary>The co-lending arrangement for a product originated by this partner; null when there is none.</summary>
    public CoLendingProduct? Find(string productCode, string partnerId) =>
        Products.FirstOrDefault(p => p.ProductId == productCode && p.PartnerId == partnerId);
}
