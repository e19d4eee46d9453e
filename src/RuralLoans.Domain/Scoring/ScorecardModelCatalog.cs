namespace RuralLoans.Domain.Scoring;

/// <summary>
/// The scorecard models shipped with the product, found by id and version, so that any recorded decision can be
/// replayed with the exact model that made it. Files are <c>Scoring/Models/{modelId}-{version}.json</c>.
/// </summary>
public static class ScorecardModelCatalog
{
    public const string RuralHouseholdId = "rural-household";
    public const string RuralHouseholdCurrentVersion = "1.0.0";

    public static ScorecardModel RuralHousehold => Load(RuralHouseholdId, RuralHouseholdCurrentVersion);

    public static ScorecardModel Load(string modelId, string version)
    {
        var fileName = $"{modelId}-{version}.json";
        var assembly = typeof(ScorecardModelCatalog).Assembly;
        var resource = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith("." + fileName, StringComparison.Ordinal))
            ?? throw new KeyNotFoundException($"No shipped scorecard model {modelId} version {version}.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        var model = ScorecardModel.FromJson(reader.ReadToEnd());
        return model.ModelId == modelId && model.Version == version
            ? model
            : throw new InvalidDataException($"{fileName} says it is {model.ModelId} {model.Version}.");
    }
}
