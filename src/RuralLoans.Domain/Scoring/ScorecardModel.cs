using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.Domain.Scoring;

/// <summary>
/// A versioned scorecard artifact: WOE bins and logistic-regression coefficients per feature, the points
/// scaling, and how the model came about. Everything a decision needs to be re-computed later is in here.
/// </summary>
/// <remarks>
/// Conventions: WOE = ln(share of goods in the bin / share of bads in the bin), so a positive WOE is a
/// lower risk. The logistic regression predicts <em>bad</em>:
/// logit P(bad) = Intercept + Σ (coefficient × WOE + adjustment) over the bins the input falls in, where the
/// optional per-bin adjustment is a ridge-shrunk correction fitted alongside the WOE coefficient.
/// A bin is worth −Factor × (coefficient × WOE + adjustment) points, and the intercept gives the base points
/// Offset − Factor × Intercept, so the score is Offset + Factor × ln(odds good).
/// </remarks>
public sealed record ScorecardModel
{
    public required string ModelId { get; init; }
    public required string Version { get; init; }

    /// <summary><c>expert-calibrated</c> (bins and weights set by credit officers) or <c>trained</c> (fitted on outcomes).</summary>
    public required string Calibration { get; init; }

    public string Description { get; init; } = "";
    public required ScoreScaling Scaling { get; init; }
    public required double Intercept { get; init; }
    public required IReadOnlyList<ScorecardFeature> Features { get; init; }
    public TrainingMetadata? Training { get; init; }
    public ModelMetrics? Metrics { get; init; }

    /// <summary>Serializer settings used for every model artifact, so saving and loading round-trip exactly.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ScorecardModel FromJson(string json) =>
        JsonSerializer.Deserialize<ScorecardModel>(json, JsonOptions)
        ?? throw new InvalidDataException("The scorecard model file is empty.");
}

/// <summary>Points scaling: <see cref="BaseScore"/> points at <see cref="BaseOdds"/>:1 good:bad odds, odds double every <see cref="PointsToDoubleOdds"/> points.</summary>
public sealed record ScoreScaling(double BaseScore, double BaseOdds, double PointsToDoubleOdds)
{
    public static ScoreScaling Standard { get; } = new(600, 50, 20);

    /// <summary>PDO / ln 2 (28.8539 for PDO 20).</summary>
    public double Factor => PointsToDoubleOdds / Math.Log(2);

    /// <summary>Base score − Factor × ln(base odds) (487.123 for 600 at 50:1, PDO 20).</summary>
    public double Offset => BaseScore - Factor * Math.Log(BaseOdds);

    public double ScoreForLogOddsGood(double logOddsGood) => Offset + Factor * logOddsGood;

    public double ProbabilityOfDefaultForScore(double score) => 1 / (1 + Math.Exp((score - Offset) / Factor));
}

public enum FeatureKind
{
    Numeric,
    Categorical,
}

/// <summary>One scorecard characteristic, its bins and its coefficient.</summary>
public sealed record ScorecardFeature
{
    public required string Name { get; init; }
    public required FeatureKind Kind { get; init; }
    public required double Coefficient { get; init; }
    public required IReadOnlyList<ScorecardBin> Bins { get; init; }

    /// <summary>Information value of the feature on the data its bins came from (0 for expert bins).</summary>
    public double InformationValue { get; init; }

    /// <summary>Reason given to the applicant when this feature cost points, in Chinese and English.</summary>
    public ReasonText? Reason { get; init; }

    /// <summary>How the bins were formed, e.g. "monotone increasing", "single-peaked", "coded categories".</summary>
    public string? Shape { get; init; }
}

/// <summary>
/// A bin. Numeric interval bins cover [previous interval's upper bound, <see cref="UpperBound"/>), the last
/// interval has no upper bound. A numeric bin may also claim exact coded values (<see cref="Values"/>, e.g. a
/// repayment status of −2 meaning "no use of the card") and missing values (<see cref="IsMissing"/>); such
/// claims win over the intervals. A <see cref="IsSpecial"/> bin is only reached through those claims and is no
/// part of the interval chain. Categorical bins list their categories; the bin marked <see cref="IsFallback"/>
/// takes unseen categories (for numeric features: values no interval or code covers).
/// </summary>
public sealed record ScorecardBin
{
    public required string Label { get; init; }
    public double? UpperBound { get; init; }
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>Numeric features: exact values (codes) that fall in this bin whatever the intervals say.</summary>
    public IReadOnlyList<double>? Values { get; init; }

    /// <summary>Numeric features: a missing value falls in this bin.</summary>
    public bool IsMissing { get; init; }

    /// <summary>Numeric features: the bin holds only its <see cref="Values"/> or missing values, no interval.</summary>
    public bool IsSpecial { get; init; }

    public bool IsFallback { get; init; }
    public required double Woe { get; init; }

    /// <summary>Correction to this bin's log-odds beyond coefficient × WOE (0 for plain WOE scorecards).</summary>
    public double Adjustment { get; init; }

    public int Goods { get; init; }
    public int Bads { get; init; }
}

public sealed record ReasonText(string Code, string Zh, string En);

public sealed record TrainingMetadata
{
    public required string Dataset { get; init; }
    public required int Rows { get; init; }
    public required int Bads { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required string Method { get; init; }
    public required double L2Penalty { get; init; }
    public required double BinAdjustmentPenalty { get; init; }
    public required int MaxBins { get; init; }
    public required double MinBinFraction { get; init; }

    /// <summary>Chi-merge significance: adjacent bins whose bad rates do not differ at this level are merged.</summary>
    public double MergeSignificance { get; init; }

    /// <summary>The regularisation strengths the inner cross-validation chose from, and the one it chose.</summary>
    public IReadOnlyList<double>? PenaltyGrid { get; init; }

    /// <summary>Columns the trainer was told to leave out (ids, protected attributes).</summary>
    public IReadOnlyList<string>? ExcludedColumns { get; init; }

    /// <summary>The excluded columns that carry protected attributes (sex, marital status, ethnicity, nationality, unjustified age), and why.</summary>
    public IReadOnlyList<Training.ProtectedExclusion>? ProtectedExclusions { get; init; }

    /// <summary>The stated reason age may be used; null when no age column was offered to the model.</summary>
    public string? AgeJustification { get; init; }
    public required int Folds { get; init; }
    public int Repeats { get; init; } = 1;
    public int Seed { get; init; }
}

public sealed record ModelMetrics
{
    public required double Auc { get; init; }
    public required double Gini { get; init; }
    public required double Ks { get; init; }
    public IReadOnlyList<double>? FoldAucs { get; init; }
    public required string Basis { get; init; }
}
