using System.Text.Json;
using System.Text.Json.Serialization;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Pipeline.CoLending;

/// <summary>What kind of institution a lender is: local banks are held to their registered region (China 2021).</summary>
public enum InstitutionType
{
    Microcredit,
    NationalBank,
    CityCommercialBank,
    RuralCommercialBank,
    VillageBank,
    RuralCreditCooperative,
}

/// <summary>
/// One version of a lender's terms, in force from <see cref="EffectiveFrom"/> until the next version: rate, quota seed,
/// capital and the balances the lender reports from outside this platform. Balances of loans made here are not in the
/// file: they come from the quota store's running totals.
/// </summary>
/// <param name="OtherLoansYuan">The bank's loan book outside this platform (co-lent or not), as last reported.</param>
/// <param name="OtherCoLentYuan">Its co-lent balance outside this platform.</param>
/// <param name="OtherPartnerExposureYuan">Its balance with each partner outside this platform.</param>
public sealed record LenderTermsVersion(
    string Version, DateOnly EffectiveFrom, decimal AnnualRate, decimal QuotaYuan,
    decimal TierOneCapitalYuan = 0, decimal OtherLoansYuan = 0, decimal OtherCoLentYuan = 0,
    IReadOnlyDictionary<string, decimal>? OtherPartnerExposureYuan = null);

/// <summary>A lender's standing terms at one version; the live quota and balances come from the quota store.</summary>
public sealed record LenderTerms(
    string Id, string Name, LenderRole Role, InstitutionType Institution, IReadOnlyList<string> PermittedRegionPrefixes, LenderTermsVersion Terms)
{
    public decimal AnnualRate => Terms.AnnualRate;

    /// <summary>The quota a lender's document is seeded with on first use; afterwards Cosmos holds the live figure.</summary>
    public decimal QuotaYuan => Terms.QuotaYuan;

    /// <summary>Rural commercial, city commercial and village banks and rural credit cooperatives lend only in their region.</summary>
    public bool IsLocalBank => Institution is InstitutionType.CityCommercialBank or InstitutionType.RuralCommercialBank
        or InstitutionType.VillageBank or InstitutionType.RuralCreditCooperative;

    /// <summary>The lender as a split sees it with no live balances (the audit's re-split, which gives every lender room).</summary>
    public Lender WithAvailableQuota(decimal availableYuan) => Live(new QuotaSnapshot { LenderId = Id, TotalQuotaYuan = availableYuan }, excludingReservationId: null);

    /// <summary>
    /// The lender on live figures: quota left and balances from the quota snapshot (paid out plus reserved) added to
    /// the reported outside balances. An application's own earlier reservation (a retry) is not counted against it.
    /// </summary>
    public Lender Live(QuotaSnapshot snapshot, string? excludingReservationId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var own = excludingReservationId is not null && snapshot.Reservations.TryGetValue(excludingReservationId, out var mine) && mine.State == ReservationState.Reserved ? mine : null;
        var platformBalance = snapshot.UsedYuan - (own?.AmountYuan ?? 0m);
        var exposures = new Dictionary<string, decimal>(Terms.OtherPartnerExposureYuan ?? new Dictionary<string, decimal>(), StringComparer.Ordinal);
        foreach (var partnerId in snapshot.CommittedByPartnerYuan.Keys.Concat(snapshot.Reservations.Values.Select(r => r.PartnerId)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var live = snapshot.PartnerBalanceYuan(partnerId) - (own?.PartnerId == partnerId ? own.AmountYuan : 0m);
            exposures[partnerId] = exposures.GetValueOrDefault(partnerId) + live;
        }
        return new Lender
        {
            Id = Id,
            Name = Name,
            Role = Role,
            TermsVersion = Terms.Version,
            IsLocalBank = IsLocalBank,
            AnnualRate = Terms.AnnualRate,
            AvailableQuotaYuan = snapshot.AvailableYuan + (own?.AmountYuan ?? 0m),
            TierOneCapitalYuan = Terms.TierOneCapitalYuan,
            TotalLoansYuan = Terms.OtherLoansYuan + platformBalance,
            CoLentOutstandingYuan = Terms.OtherCoLentYuan + platformBalance,
            PartnerExposureYuan = exposures,
            PermittedRegionPrefixes = PermittedRegionPrefixes,
        };
    }
}

/// <summary>Lenders (with every version of their terms) and co-lending products from config/lenders.json and config/co-lending-products.json.</summary>
public sealed class LendingCatalog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record LenderEntry(string Id, string Name, LenderRole Role, InstitutionType Institution, IReadOnlyList<string>? PermittedRegionPrefixes, IReadOnlyList<LenderTermsVersion> Terms);

    private sealed record LendersFile(IReadOnlyList<LenderEntry> Lenders);

    private sealed record ProductEntry(string ProductId, string Version, string PartnerId, string RuleSet, IReadOnlyList<LenderShare> Shares);

    private sealed record ProductsFile(IReadOnlyList<CoLendingRuleSet> RuleSets, IReadOnlyList<ProductEntry> Products);

    private readonly IReadOnlyDictionary<string, IReadOnlyList<LenderTerms>> _history;

    /// <param name="history">Every lender's terms, each list ordered by effective date.</param>
    public LendingCatalog(IReadOnlyDictionary<string, IReadOnlyList<LenderTerms>> history, IReadOnlyList<CoLendingProduct> products)
    {
        ArgumentNullException.ThrowIfNull(history);
        _history = history;
        Products = products;
        Lenders = history.ToDictionary(kv => kv.Key, kv => kv.Value[^1], StringComparer.Ordinal);
    }

    /// <summary>Each lender at its newest terms version (names, quota seeds, regions).</summary>
    public IReadOnlyDictionary<string, LenderTerms> Lenders { get; }

    public IReadOnlyList<CoLendingProduct> Products { get; }

    public static LendingCatalog Load(string lendersPath, string productsPath)
    {
        var entries = JsonSerializer.Deserialize<LendersFile>(File.ReadAllText(lendersPath), Json)?.Lenders
            ?? throw new InvalidDataException($"{lendersPath} has no lenders.");
        var history = new Dictionary<string, IReadOnlyList<LenderTerms>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Terms is not { Count: > 0 })
            {
                throw new InvalidDataException($"{lendersPath}: lender {entry.Id} has no terms.");
            }
            if (entry.Terms.Select(t => t.Version).Distinct(StringComparer.Ordinal).Count() != entry.Terms.Count
                || entry.Terms.Select(t => t.EffectiveFrom).Distinct().Count() != entry.Terms.Count)
            {
                throw new InvalidDataException($"{lendersPath}: lender {entry.Id} repeats a terms version or an effective date.");
            }
            var terms = entry.Terms.OrderBy(t => t.EffectiveFrom)
                .Select(t => new LenderTerms(entry.Id, entry.Name, entry.Role, entry.Institution, entry.PermittedRegionPrefixes ?? [], t)).ToList();
            if (terms[0].IsLocalBank && terms[0].PermittedRegionPrefixes.Count == 0)
            {
                // Fail at start rather than let a local bank lend nationwide (the split refuses it too).
                throw new InvalidDataException($"{lendersPath}: {entry.Id} is a local bank ({entry.Institution}) and needs permittedRegionPrefixes.");
            }
            history[entry.Id] = terms;
        }
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
        return new LendingCatalog(history, products);
    }

    /// <summary>The lender's terms in force on that day: the newest version effective on or before it; null before the first.</summary>
    public LenderTerms? TermsOn(string lenderId, DateOnly day) =>
        _history.TryGetValue(lenderId, out var versions) ? versions.LastOrDefault(t => t.Terms.EffectiveFrom <= day) : null;

    /// <summary>Every version of a lender's terms, oldest first; empty for an unknown lender.</summary>
    public IReadOnlyList<LenderTerms> VersionsOf(string lenderId) => _history.TryGetValue(lenderId, out var versions) ? versions : [];

    /// <summary>A named version of a lender's terms, as a split recorded it; null when the catalog no longer has it.</summary>
    public LenderTerms? TermsVersion(string lenderId, string? version) =>
        _history.TryGetValue(lenderId, out var versions) ? versions.FirstOrDefault(t => t.Terms.Version == version) : null;

    /// <summary>The co-lending arrangement for a product originated by this partner; null when there is none.</summary>
    public CoLendingProduct? Find(string productCode, string partnerId) =>
        Products.FirstOrDefault(p => p.ProductId == productCode && p.PartnerId == partnerId);
}
