using System.Collections.Concurrent;
using RuralLoans.Domain.Scoring;

namespace RuralLoans.Scoring.Challenger;

/// <summary>
/// The challengers this installation ships (embedded artifacts, <c>Models/{id}-{version}.json</c>) and the one the
/// scoring step shadow-scores. Loading never throws: a challenger whose artifact is missing or unreadable is
/// <see cref="Absent"/> with the reason, and the champion decides alone.
/// </summary>
public sealed class ChallengerCatalog : IShadowModelSource
{
    public const string RuralHouseholdId = "rural-household-challenger";
    public const string RuralHouseholdCurrentVersion = "0.1.0";

    private readonly ConcurrentDictionary<(string Id, string Version), Lazy<ChallengerModel?>> _shipped = new();

    private ChallengerCatalog(IShadowModel? current, string? absent)
    {
        Current = current;
        Absent = current is null ? absent ?? "no challenger is configured" : null;
    }

    public IShadowModel? Current { get; }
    public string? Absent { get; }

    /// <summary>The shipped rural household challenger as the current one.</summary>
    public static ChallengerCatalog Shipped() => Shipped(RuralHouseholdId, RuralHouseholdCurrentVersion);

    /// <summary>A shipped challenger as the current one; absent (with the reason) when it cannot be loaded.</summary>
    public static ChallengerCatalog Shipped(string modelId, string version) => Loading($"{modelId} {version}", () => LoadShipped(modelId, version));

    /// <summary>A challenger artifact from a file (e.g. one a lender trained with <c>model train --challenger-out</c>).</summary>
    public static ChallengerCatalog FromFile(string path) => Loading(path, () => ChallengerModel.FromJson(File.ReadAllText(path)));

    /// <summary>No challenger: the champion decides alone and each decision records why.</summary>
    public static ChallengerCatalog None(string reason) => new(null, reason);

    private static ChallengerCatalog Loading(string what, Func<IShadowModel> load)
    {
        try
        {
            return new ChallengerCatalog(load(), null);
        }
#pragma warning disable CA1031 // A challenger that cannot load must not stop the pipeline; the reason is recorded instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new ChallengerCatalog(null, $"challenger {what} could not be loaded: {e.GetType().Name}: {e.Message}");
        }
    }

    public IShadowModel? Find(string modelId, string version)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(version);
        if (Current is { } current && current.ModelId == modelId && current.ModelVersion == version)
        {
            return current;
        }
        return _shipped.GetOrAdd((modelId, version), key => new Lazy<ChallengerModel?>(() => TryLoadShipped(key.Id, key.Version))).Value;
    }

    /// <summary>Every shipped challenger's id and version.</summary>
    public static IReadOnlyList<(string ModelId, string Version)> ShippedVersions() =>
        [.. typeof(ChallengerCatalog).Assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Models.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[(n.IndexOf(".Models.", StringComparison.Ordinal) + ".Models.".Length)..^".json".Length])
            .Select(name => (name[..name.LastIndexOf('-')], name[(name.LastIndexOf('-') + 1)..]))
            .Order()];

    /// <exception cref="FileNotFoundException">No such challenger is shipped.</exception>
    public static ChallengerModel LoadShipped(string modelId, string version)
    {
        using var stream = OpenShipped(modelId, version) ?? throw new FileNotFoundException($"No challenger {modelId} {version} is shipped.");
        using var reader = new StreamReader(stream);
        return ChallengerModel.FromJson(reader.ReadToEnd());
    }

    private static ChallengerModel? TryLoadShipped(string modelId, string version) =>
        OpenShipped(modelId, version) is null ? null : LoadShipped(modelId, version);

    private static Stream? OpenShipped(string modelId, string version)
    {
        var assembly = typeof(ChallengerCatalog).Assembly;
        var suffix = $".Models.{modelId}-{version}.json";
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal));
        return name is null ? null : assembly.GetManifestResourceStream(name);
    }
}

/// <summary>
/// Model cards of every shipped model, champion scorecards and challengers, by id and version. The portal serves
/// them as static files, <c>models/{id}/{version}/card.txt</c> (written by <c>ruralloans model cards</c>; a test
/// keeps them equal to what this class produces).
/// </summary>
public static class ShippedModelCards
{
    /// <summary>Every shipped model's id and version, scorecards first.</summary>
    public static IReadOnlyList<(string ModelId, string Version)> All() => [.. ScorecardModelCatalog.Shipped(), .. ChallengerCatalog.ShippedVersions()];

    /// <summary>Where the portal serves a card, relative to its web root.</summary>
    public static string RelativePath(string modelId, string version) => $"models/{modelId}/{version}/card.txt";

    /// <summary>The card as Markdown, or null when no model with this id and version is shipped.</summary>
    public static string? Find(string modelId, string version)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(version);
        try
        {
            return Domain.Scoring.Training.ModelCard.ForShipped(ScorecardModelCatalog.Load(modelId, version), ScorecardModelCatalog.AgeJustification(modelId, version));
        }
        catch (KeyNotFoundException)
        {
            // Not a scorecard: perhaps a challenger.
        }
        try
        {
            return ForChallenger(ChallengerCatalog.LoadShipped(modelId, version));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public static string ForChallenger(ChallengerModel challenger)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        var m = challenger.Manifest;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var s = new System.Text.StringBuilder();
        s.AppendLine(c, $"# Model card: {m.ModelId} {m.Version} (challenger, shadow only)");
        s.AppendLine();
        s.AppendLine("Scored beside the champion scorecard on the same features and recorded with every decision; it never decides.");
        s.AppendLine();
        s.AppendLine(c, $"- Artifact SHA-256: `{challenger.ModelSha256}`");
        s.AppendLine(c, $"- Library: {m.Library}; {m.Options.Trees} trees, learning rate {m.Options.LearningRate}, {m.Options.Leaves} leaves, at least {m.Options.MinRowsPerLeaf} rows per leaf.");
        s.AppendLine(c, $"- Data: `{m.Dataset}`, {m.Rows} rows, {m.Bads} bad.");
        if (m.Dataset.Contains("GENERATED", StringComparison.Ordinal))
        {
            s.AppendLine("- **The outcomes are GENERATED from the expert scorecard's own PD: this challenger learns the champion back and says nothing about real repayment risk.** It exists to exercise champion–challenger scoring and its audit until a lender has outcomes to train on.");
        }
        s.AppendLine(c, $"- Calibration: {(m.Calibration is null ? "none (raw margin through the logistic function)" : "Platt scaling on held-out rows")}.");
        s.AppendLine(c, $"- Features: {string.Join(", ", m.Features.Select(f => f.Name))}");
        if (m.Options.MonotoneConstraints is { Count: > 0 } constraints)
        {
            s.AppendLine(c, $"- Monotone constraints (from the champion's trends; LightGBM monotone_constraints): {string.Join(", ", constraints.Select(k =>
                $"{k.Feature} risk {(k.Direction > 0 ? "rises" : "falls")} with the value{(k.Codes is { Count: > 0 } codes ? $" (codes {string.Join("/", codes)} apart, unconstrained)" : "")}"))}.");
        }
        var ageFeatures = m.Features.Where(f => Domain.Scoring.Training.ProtectedAttributePolicy.IsAgeName(f.Name)).Select(f => f.Name).ToArray();
        s.AppendLine(ageFeatures.Length == 0 ? "- Age is not used." : $"- Age is used ({string.Join(", ", ageFeatures)}) on the champion's justification; its reasons never cite age alone.");
        return s.ToString();
    }
}
