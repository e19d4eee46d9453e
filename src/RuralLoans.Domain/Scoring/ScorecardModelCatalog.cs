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

    /// <summary>
    /// Why shipped expert models may use age, for their model cards (a trained model records its own,
    /// <see cref="TrainingMetadata.AgeJustification"/>). Kept here because shipped model files are never edited.
    /// </summary>
    public static string? AgeJustification(string modelId, string version) => (modelId, version) switch
    {
        (RuralHouseholdId, "1.0.0") =>
            "A household farm's repayment depends on the applicant's working capacity over the loan term and on who takes "
            + "over the farm: credit officers' experience is that the young (little track record, often not yet an "
            + "independent household) and those near the end of their working life repay less reliably. Age moves the "
            + "score by about 17 points at most, never decides alone, and is never given to a borrower as the only or the "
            + "first reason. The policy's age limits (18 at application, 65 at maturity) are product eligibility rules.",
        _ => null,
    };

    /// <summary>Every shipped model's id and version.</summary>
    public static IReadOnlyList<(string ModelId, string Version)> Shipped() =>
        [.. typeof(ScorecardModelCatalog).Assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Scoring.Models.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[(n.IndexOf(".Scoring.Models.", StringComparison.Ordinal) + ".Scoring.Models.".Length)..^".json".Length])
            .Select(name => (name[..name.LastIndexOf('-')], name[(name.LastIndexOf('-') + 1)..]))
            .Order()];

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
