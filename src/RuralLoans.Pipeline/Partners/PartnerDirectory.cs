using System.Text.Json;

namespace RuralLoans.Pipeline.Partners;

public sealed record MicrofinancePartner(string Id, string Name);

/// <summary>A local partner who knows the households of a few villages and vouches for them.</summary>
public sealed record VillagePartner(string Id, string Name, string County, string Township, IReadOnlyList<string> Villages);

/// <summary>Who the partners are and which villages each village partner covers (config/partners.json).</summary>
public sealed class PartnerDirectory(IReadOnlyList<string> lendingRegionCounties, IReadOnlyList<MicrofinancePartner> microfinancePartners, IReadOnlyList<VillagePartner> villagePartners)
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private sealed record Document(IReadOnlyList<string> LendingRegionCounties, IReadOnlyList<MicrofinancePartner> MicrofinancePartners, IReadOnlyList<VillagePartner> VillagePartners);

    /// <summary>Counties the lenders may lend in; OCR repairs near-miss readings of these names.</summary>
    public IReadOnlyList<string> LendingRegionCounties { get; } = lendingRegionCounties;

    public IReadOnlyList<MicrofinancePartner> MicrofinancePartners { get; } = microfinancePartners;

    public IReadOnlyList<VillagePartner> VillagePartners { get; } = villagePartners;

    public static PartnerDirectory Load(string path)
    {
        var document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), WebJson)
            ?? throw new InvalidDataException($"{path} is empty.");
        return new PartnerDirectory(document.LendingRegionCounties, document.MicrofinancePartners, document.VillagePartners);
    }

    /// <summary>The village partner registered for this village, matched with its township and county so that same-named villages elsewhere do not collide.</summary>
    public VillagePartner? ForVillage(string county, string township, string village) =>
        VillagePartners.FirstOrDefault(p => p.County == county && p.Township == township && p.Villages.Contains(village));

    public VillagePartner? FindVillagePartner(string id) => VillagePartners.FirstOrDefault(p => p.Id == id);

    public bool IsMicrofinancePartner(string id) => MicrofinancePartners.Any(p => p.Id == id);
}
