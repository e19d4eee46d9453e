using System.Text.Json;
using RuralLoans.Domain.Contracts;

namespace RuralLoans.Pipeline.Products;

/// <summary>
/// The rate caps of config/co-lending-products.json: the one-year LPR with the day it was published, the multiple of
/// it the courts protect (4), and each product's own lower cap where it has one ("maxAnnualRate" on the product).
/// </summary>
public sealed class ProductRateCaps(LoanPrimeRate lpr, decimal lprMultiple, IReadOnlyDictionary<(string Product, string Partner), decimal> productCaps)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record LprEntry(decimal OneYear, DateOnly PublishedOn);

    private sealed record ProductEntry(string ProductId, string PartnerId, decimal? MaxAnnualRate);

    private sealed record CapsFile(LprEntry? LoanPrimeRate, decimal? JudicialLprMultiple, IReadOnlyList<ProductEntry>? Products);

    public LoanPrimeRate Lpr { get; } = lpr;

    public decimal LprMultiple { get; } = lprMultiple;

    public RateCap For(string productCode, string partnerId) =>
        RateCap.For(productCaps.TryGetValue((productCode, partnerId), out var own) ? own : null, Lpr, LprMultiple);

    public static ProductRateCaps Load(string productsPath)
    {
        var file = JsonSerializer.Deserialize<CapsFile>(File.ReadAllText(productsPath), Json)
            ?? throw new InvalidDataException($"{productsPath} is empty.");
        var lpr = file.LoanPrimeRate ?? throw new InvalidDataException($"{productsPath} has no loanPrimeRate: the rate cap cannot be set without it.");
        if (lpr.OneYear is <= 0 or >= 1)
        {
            throw new InvalidDataException($"{productsPath}: loanPrimeRate.oneYear {lpr.OneYear} is not a rate between 0 and 1.");
        }
        var caps = (file.Products ?? [])
            .Where(p => p.MaxAnnualRate is not null)
            .ToDictionary(p => (p.ProductId, p.PartnerId), p => p.MaxAnnualRate!.Value);
        return new ProductRateCaps(new LoanPrimeRate(lpr.OneYear, lpr.PublishedOn), file.JudicialLprMultiple ?? RateCap.JudicialLprMultiple, caps);
    }
}
