namespace RuralLoans.Domain.Scoring.Training;

/// <summary>
/// GENERATED rural household applications whose outcomes are drawn from a scorecard's own probability of default.
/// There are no repayment outcomes for the rural form yet; this data exists so a shadow challenger can be trained
/// on the rural features and exercised end to end in the pipeline. A model trained on it learns the expert
/// scorecard back, so its figures say nothing about real repayment risk.
/// </summary>
public static class RuralHouseholdSimulation
{
    public const string TargetColumn = "defaulted";

    /// <summary>
    /// <paramref name="rows"/> applicants with the rural household features; categories come from the model's own
    /// categorical bins, numbers from plausible ranges for smallholder lending. Same seed, same data.
    /// </summary>
    public static TrainingDataset Generate(ScorecardModel model, int rows, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        var scorecard = new Scorecard(model);
        var random = new Random(seed);
        var categories = model.Features.Where(f => f.Kind == FeatureKind.Categorical)
            .ToDictionary(f => f.Name, f => f.Bins.SelectMany(b => b.Categories ?? []).ToArray(), StringComparer.Ordinal);
        var columns = model.Features.Select(f => new DatasetColumn(f.Name, f.Kind)).ToArray();
        var data = new List<FeatureValue[]>(rows);
        var targets = new List<int>(rows);
        for (var i = 0; i < rows; i++)
        {
            var input = new Dictionary<string, FeatureValue>(StringComparer.Ordinal);
            foreach (var feature in model.Features)
            {
                input[feature.Name] = feature.Kind == FeatureKind.Categorical
                    ? FeatureValue.Of(categories[feature.Name][random.Next(categories[feature.Name].Length)])
                    : FeatureValue.Of(Number(feature.Name, random));
            }
            var pd = scorecard.Score(input).ProbabilityOfDefault;
            data.Add([.. model.Features.Select(f => input[f.Name])]);
            targets.Add(random.NextDouble() < pd ? 1 : 0);
        }
        return new TrainingDataset($"rural-household-simulated-{rows}-seed{seed} (GENERATED from {model.ModelId} {model.Version})", columns, data, targets);
    }

    private static double Number(string feature, Random random) => feature switch
    {
        RuralHouseholdFeatures.Age => 20 + random.Next(48),
        RuralHouseholdFeatures.HouseholdSize => 1 + random.Next(8),
        RuralHouseholdFeatures.LandAreaMu => Math.Round(Math.Exp(0.5 + 2.2 * random.NextDouble()), 1),
        RuralHouseholdFeatures.RequestedAmountYuan => Math.Round(Math.Exp(Math.Log(5_000) + (Math.Log(200_000) - Math.Log(5_000)) * random.NextDouble()) / 1000) * 1000,
        RuralHouseholdFeatures.TermMonths => new[] { 6, 12, 12, 18, 24, 24, 36, 48 }[random.Next(8)],
        RuralHouseholdFeatures.PreCheckItemsFailed => random.NextDouble() switch { < 0.75 => 0, < 0.93 => 1, _ => 2 },
        // A feature this simulation does not know is drawn over a wide range rather than refused, so a new model
        // version with one more feature can still get a shadow to exercise.
        _ => Math.Round(100 * random.NextDouble()),
    };
}
