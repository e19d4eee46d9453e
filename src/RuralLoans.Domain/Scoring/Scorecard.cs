using System.Globalization;

namespace RuralLoans.Domain.Scoring;

/// <summary>Points one feature contributed, with the bin it fell in; what a score breakdown chart shows.</summary>
public sealed record FeaturePoints(string Feature, string Bin, double Points, double MaxPoints, FeatureValue Value);

/// <summary>The scorecard's verdict on one input, before any policy rule.</summary>
public sealed record ScoreResult(double Score, double ProbabilityOfDefault, double BasePoints, IReadOnlyList<FeaturePoints> Features);

/// <summary>
/// A <see cref="ScorecardModel"/> ready to score: bins resolved to lookups and points pre-computed, so scoring
/// one application is a handful of comparisons and additions.
/// </summary>
public sealed class Scorecard
{
    private readonly CompiledFeature[] _features;

    public Scorecard(ScorecardModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        var factor = model.Scaling.Factor;
        BasePoints = model.Scaling.Offset - factor * model.Intercept;
        _features = model.Features.Select(f => new CompiledFeature(f, factor)).ToArray();
    }

    public ScorecardModel Model { get; }

    /// <summary>Points every applicant starts with (the intercept's share).</summary>
    public double BasePoints { get; }

    /// <summary>Points each bin is worth, as a scorecard table shows them.</summary>
    public IEnumerable<(string Feature, string Bin, double Points)> PointsTable() =>
        _features.SelectMany(f => f.Feature.Bins.Select((bin, i) => (f.Feature.Name, bin.Label, f.Points[i])));

    public ScoreResult Score(IReadOnlyDictionary<string, FeatureValue> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var breakdown = new FeaturePoints[_features.Length];
        var total = BasePoints;
        for (var i = 0; i < _features.Length; i++)
        {
            var feature = _features[i];
            if (!input.TryGetValue(feature.Feature.Name, out var value))
            {
                throw new ArgumentException($"The input has no value for scorecard feature '{feature.Feature.Name}'.", nameof(input));
            }
            var bin = feature.BinIndexOf(value);
            var points = feature.Points[bin];
            total += points;
            breakdown[i] = new FeaturePoints(feature.Feature.Name, feature.Feature.Bins[bin].Label, points, feature.MaxPoints, value);
        }
        return new ScoreResult(total, Model.Scaling.ProbabilityOfDefaultForScore(total), BasePoints, breakdown);
    }
}

/// <summary>A feature's bins as a lookup from an input value to its bin and points.</summary>
internal sealed class CompiledFeature
{
    private readonly double[] _upperBounds;
    private readonly int[] _intervalBins;
    private readonly Dictionary<double, int> _valueBins;
    private readonly Dictionary<string, int> _categoryBins;
    private readonly int _fallbackBin;
    private readonly int _missingBin;

    public CompiledFeature(ScorecardFeature feature, double factor)
    {
        Feature = feature;
        if (feature.Bins.Count == 0)
        {
            throw new InvalidDataException($"Feature '{feature.Name}' has no bins.");
        }
        Points = feature.Bins.Select(b => -factor * (feature.Coefficient * b.Woe + b.Adjustment)).ToArray();
        MaxPoints = Points.Max();
        var numeric = feature.Kind == FeatureKind.Numeric;
        _intervalBins = numeric ? Enumerable.Range(0, feature.Bins.Count).Where(i => !feature.Bins[i].IsSpecial).ToArray() : [];
        _upperBounds = _intervalBins.Select(i => feature.Bins[i].UpperBound ?? double.PositiveInfinity).ToArray();
        if (_upperBounds.Zip(_upperBounds.Skip(1)).Any(p => p.First >= p.Second))
        {
            throw new InvalidDataException($"Numeric feature '{feature.Name}' must have strictly increasing bin upper bounds, the last one open.");
        }
        _valueBins = [];
        _categoryBins = new Dictionary<string, int>(StringComparer.Ordinal);
        _fallbackBin = -1;
        _missingBin = -1;
        for (var i = 0; i < feature.Bins.Count; i++)
        {
            var bin = feature.Bins[i];
            foreach (var value in numeric ? bin.Values ?? [] : [])
            {
                _valueBins.Add(value, i);
            }
            foreach (var category in numeric ? [] : bin.Categories ?? [])
            {
                _categoryBins.Add(category, i);
            }
            if (bin.IsFallback)
            {
                _fallbackBin = i;
            }
            if (bin.IsMissing && _missingBin < 0)
            {
                _missingBin = i;
            }
        }
    }

    public ScorecardFeature Feature { get; }

    public double[] Points { get; }

    public double MaxPoints { get; }

    public int BinIndexOf(FeatureValue value)
    {
        if (Feature.Kind == FeatureKind.Numeric)
        {
            if (value.IsMissing)
            {
                return _missingBin >= 0
                    ? _missingBin
                    : throw new ArgumentException($"Feature '{Feature.Name}' has no value and the model has no bin for missing values.");
            }
            var number = value.Number ?? (double.TryParse(value.Category, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new ArgumentException($"Feature '{Feature.Name}' needs a number, got '{value}'."));
            if (double.IsNaN(number))
            {
                throw new ArgumentException($"Feature '{Feature.Name}' got NaN.");
            }
            if (_valueBins.TryGetValue(number, out var coded))
            {
                return coded;
            }
            for (var i = 0; i < _upperBounds.Length; i++)
            {
                if (number < _upperBounds[i])
                {
                    return _intervalBins[i];
                }
            }
            return _intervalBins.Length > 0
                ? _intervalBins[^1]
                : _fallbackBin >= 0 ? _fallbackBin : throw new ArgumentException($"Feature '{Feature.Name}' has no bin for the value {number.ToString(CultureInfo.InvariantCulture)}.");
        }
        var category = value.Category ?? value.Number?.ToString(CultureInfo.InvariantCulture) ?? "";
        if (_categoryBins.TryGetValue(category, out var bin))
        {
            return bin;
        }
        return _fallbackBin >= 0
            ? _fallbackBin
            : throw new ArgumentException($"Feature '{Feature.Name}' has no bin for category '{category}' and no fallback bin.");
    }
}
