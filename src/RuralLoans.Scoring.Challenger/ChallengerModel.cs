using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Scoring.Challenger;

/// <summary>Gradient-boosting settings of the challenger. Fixed defaults, not tuned on the evaluation data.</summary>
public sealed record ChallengerOptions
{
    public int Trees { get; init; } = 300;
    public double LearningRate { get; init; } = 0.04;
    public int Leaves { get; init; } = 15;
    public int MinRowsPerLeaf { get; init; } = 40;

    /// <summary>Share of the training rows held out to fit the Platt calibration (the trees never see them).</summary>
    public double CalibrationShare { get; init; } = 0.2;

    /// <summary>Off: plain gradient boosting, trained on all rows; its PD is LightGBM's own logistic output.</summary>
    public bool HeldOutCalibration { get; init; } = true;

    /// <summary>
    /// After the calibration is fitted on the held-out rows, grow the trees again on all rows (same settings) and
    /// keep that calibration: the shipped trees then see every row, at the cost of a calibration fitted on a
    /// slightly smaller model's scores.
    /// </summary>
    public bool RefitOnAllRows { get; init; } = true;

    /// <summary>Categories under this share of the training rows share one "other" slot.</summary>
    public double MinCategoryShare { get; init; } = 0.01;

    public int Seed { get; init; } = 20_240_315;

    /// <summary>Columns never used (ids, protected attributes).</summary>
    public IReadOnlyList<string> ExcludedColumns { get; init; } = [];

    /// <summary>
    /// Numeric features whose PD may only move one way as the value rises (LightGBM <c>monotone_constraints</c>).
    /// Left out of the JSON when absent, so artifacts written before the constraints existed keep their hash.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MonotoneConstraint>? MonotoneConstraints { get; init; }

    /// <summary>
    /// The directions the champion scorecard found: every numeric feature whose binned bad rate is monotone.
    /// The special codes the champion binned apart (bins' <c>values</c>) stay outside the constraint, as their own
    /// unconstrained slots. Single-peaked trends and categories stay unconstrained.
    /// </summary>
    public static IReadOnlyList<MonotoneConstraint> MonotoneFrom(ScorecardModel champion)
    {
        ArgumentNullException.ThrowIfNull(champion);
        return champion.Features
            .Where(f => f.Kind == FeatureKind.Numeric && f.Shape is { } shape
                && (shape.StartsWith("monotone increasing", StringComparison.Ordinal) || shape.StartsWith("monotone decreasing", StringComparison.Ordinal)))
            .Select(f => new MonotoneConstraint(f.Name, f.Shape!.StartsWith("monotone increasing", StringComparison.Ordinal) ? 1 : -1,
                f.Bins.SelectMany(b => b.Values ?? []).Distinct().Order().ToArray() is { Length: > 0 } codes ? codes : null))
            .OrderBy(c => c.Feature, StringComparer.Ordinal)
            .ToArray();
    }

    public static ChallengerOptions Plain { get; } = new() { Trees = 100, LearningRate = 0.1, Leaves = 31, MinRowsPerLeaf = 20, HeldOutCalibration = false };
}

/// <summary>
/// A numeric feature whose risk only rises (+1) or only falls (−1) as its value rises. Its special codes (e.g.
/// repayment status −2 "card not used") stand outside that order: each gets its own input slot and the
/// numeric slot sees them as missing, so the constraint binds the ordered values only.
/// </summary>
public sealed record MonotoneConstraint(string Feature, int Direction, IReadOnlyList<double>? Codes = null);

/// <summary>
/// How an input column becomes model slots: a number (missing = NaN) followed by one indicator per special code
/// (<paramref name="Codes"/>, numeric slot NaN for them), or one slot per known category plus "other".
/// </summary>
public sealed record ChallengerFeature(string Name, FeatureKind Kind, IReadOnlyList<string>? Categories, int FirstSlot,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double>? Codes = null)
{
    public int Slots => Kind == FeatureKind.Numeric ? 1 + (Codes?.Count ?? 0) : Categories!.Count + 1;
}

/// <summary>Everything about a challenger artifact except the trees themselves; stored as JSON beside them.</summary>
public sealed record ChallengerManifest
{
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string Library { get; init; }
    public required IReadOnlyList<ChallengerFeature> Features { get; init; }
    public required PlattCalibration? Calibration { get; init; }
    public required string Dataset { get; init; }
    public required int Rows { get; init; }
    public required int Bads { get; init; }
    public required ChallengerOptions Options { get; init; }

    /// <summary>Reason wording per feature, copied from the champion scorecard so both speak the same codes.</summary>
    public required IReadOnlyDictionary<string, ReasonText> Reasons { get; init; }

    /// <summary>Artifacts trained through ML.NET: its model zip (trees, in-sample calibrator, contribution calculator) in base64.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TreesBase64 { get; init; }

    /// <summary>Artifacts trained through LightGBM's C API: LightGBM's own text model.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LightGbmModel { get; init; }
}

/// <summary>
/// The challenger: LightGBM gradient-boosted trees on the raw columns, Platt-calibrated on held-out rows, with
/// per-decision feature contributions turned into the champion's reason codes.
/// </summary>
/// <remarks>
/// LightGBM rather than FastTree: it is histogram-based and several times faster on 30,000 rows, it is
/// deterministic with one thread and a fixed seed (the same data gives the same trees, which the audit relies
/// on), and it treats NaN as missing natively. New challengers are trained through LightGBM's own C API
/// (<see cref="LightGbmNative"/>), because ML.NET's LightGBM options cannot pass <c>monotone_constraints</c>;
/// artifacts trained through ML.NET before that (<see cref="ChallengerManifest.TreesBase64"/>, e.g. the
/// shipped 0.1.0) are still read and scored through ML.NET.
/// </remarks>
public sealed class ChallengerModel : IShadowModel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The native library's version (the LightGBM package that Microsoft.ML.LightGbm depends on).</summary>
    public const string NativeLibrary = "LightGBM 4.6.0 (lib_lightgbm C API, the native library shipped with Microsoft.ML.LightGbm 6.0.0)";

    private readonly ITrees _trees;
    private readonly int _slots;

    private ChallengerModel(ChallengerManifest manifest, ITrees trees, string sha256)
    {
        Manifest = manifest;
        _trees = trees;
        _slots = manifest.Features.Sum(f => f.Slots);
        ModelSha256 = sha256;
    }

    public ChallengerManifest Manifest { get; }
    public string ModelId => Manifest.ModelId;
    public string ModelVersion => Manifest.Version;
    public string ModelSha256 { get; }

    /// <summary>Scores encoded rows: raw margins (higher = riskier) and, for one row, each slot's contribution to it.</summary>
    private interface ITrees
    {
        double[] Raw(IReadOnlyList<float[]> rows);

        /// <summary>One row's raw margin and each slot's contribution to it.</summary>
        (double Raw, double[] Contributions) Explain(float[] row);
    }

    public static ChallengerModel Train(TrainingDataset data, ChallengerOptions options, string modelId, string version, ScorecardModel? champion = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var excluded = new HashSet<string>(options.ExcludedColumns, StringComparer.Ordinal);
        var features = new List<ChallengerFeature>();
        var slot = 0;
        foreach (var column in data.Columns.Where(c => !excluded.Contains(c.Name)))
        {
            IReadOnlyList<string>? categories = null;
            if (column.Kind == FeatureKind.Categorical)
            {
                var c = data.ColumnIndex(column.Name);
                categories = data.Rows.GroupBy(r => r[c].Category ?? "")
                    .Where(g => g.Count() >= options.MinCategoryShare * data.Count)
                    .Select(g => g.Key).Order(StringComparer.Ordinal).ToArray();
            }
            var codes = options.MonotoneConstraints?.FirstOrDefault(m => m.Feature == column.Name)?.Codes;
            var feature = new ChallengerFeature(column.Name, column.Kind, categories, slot, column.Kind == FeatureKind.Numeric && codes is { Count: > 0 } ? codes : null);
            features.Add(feature);
            slot += feature.Slots;
        }
        var parameters = NativeParameters(options, features, slot);
        var columnIndex = features.Select(f => data.ColumnIndex(f.Name)).ToArray();
        var encoded = Enumerable.Range(0, data.Count).Select(r => Encode(features, slot, j => data.Rows[r][columnIndex[j]])).ToArray();
        string Grow(IReadOnlyList<int> rows)
        {
            var matrix = new float[rows.Count * slot];
            for (var k = 0; k < rows.Count; k++)
            {
                encoded[rows[k]].CopyTo(matrix, k * slot);
            }
            return LightGbmNative.Train(matrix, rows.Count, slot, rows.Select(r => (float)data.Targets[r]).ToArray(), parameters, options.Trees);
        }

        var all = Enumerable.Range(0, data.Count).ToArray();
        int[] treeRows = all, calibrationRows = [];
        if (options.HeldOutCalibration)
        {
            var holdout = ScorecardTrainer.StratifiedFolds(data.Targets, (int)Math.Round(1 / options.CalibrationShare), options.Seed);
            treeRows = all.Where(i => holdout[i] != 0).ToArray();
            calibrationRows = all.Where(i => holdout[i] == 0).ToArray();
        }
        var manifest = new ChallengerManifest
        {
            ModelId = modelId,
            Version = version,
            Library = NativeLibrary,
            Features = features,
            Calibration = null,
            Dataset = data.Name,
            Rows = data.Count,
            Bads = data.Bads,
            Options = options,
            Reasons = features.ToDictionary(f => f.Name, f => FeatureReasons.From(champion)(f.Name), StringComparer.Ordinal),
            LightGbmModel = Grow(treeRows),
        };
        if (calibrationRows.Length == 0)
        {
            return FromManifest(manifest);
        }
        var uncalibrated = FromManifest(manifest);
        var raw = uncalibrated._trees.Raw(calibrationRows.Select(i => encoded[i]).ToArray());
        var calibration = PlattCalibration.Fit(raw, calibrationRows.Select(i => data.Targets[i]).ToArray());
        if (options.RefitOnAllRows)
        {
            manifest = manifest with { LightGbmModel = Grow(all) };
        }
        return FromManifest(manifest with { Calibration = calibration });
    }

    /// <summary>LightGBM's parameter string: the options, one thread and a fixed seed for determinism, and the constraints.</summary>
    private static string NativeParameters(ChallengerOptions options, IReadOnlyList<ChallengerFeature> features, int slots)
    {
        var constraints = new int[slots];
        foreach (var constraint in options.MonotoneConstraints ?? [])
        {
            var feature = features.FirstOrDefault(f => f.Name == constraint.Feature)
                ?? throw new ArgumentException($"Monotone constraint on '{constraint.Feature}', which is not a model input.", nameof(options));
            if (feature.Kind != FeatureKind.Numeric || constraint.Direction is not (1 or -1))
            {
                throw new ArgumentException($"Monotone constraint on '{constraint.Feature}': only numeric features can be constrained, to +1 or -1 (got {feature.Kind}, {constraint.Direction}).", nameof(options));
            }
            constraints[feature.FirstSlot] = constraint.Direction;
        }
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["objective"] = "binary",
            ["learning_rate"] = options.LearningRate,
            ["num_leaves"] = options.Leaves,
            ["min_data_in_leaf"] = options.MinRowsPerLeaf,
            ["seed"] = options.Seed,
            ["deterministic"] = "true",
            ["force_row_wise"] = "true",
            ["num_threads"] = 1,
            ["verbosity"] = -1,
        };
        if (constraints.Any(c => c != 0))
        {
            parameters["monotone_constraints"] = string.Join(',', constraints);
        }
        return LightGbmNative.Parameters(parameters);
    }

    private static float[] Encode(IReadOnlyList<ChallengerFeature> features, int slots, Func<int, FeatureValue> valueOf)
    {
        var vector = new float[slots];
        for (var j = 0; j < features.Count; j++)
        {
            var feature = features[j];
            var value = valueOf(j);
            if (feature.Kind == FeatureKind.Numeric)
            {
                var number = value.IsMissing ? double.NaN : value.Number ?? double.Parse(value.Category!, NumberStyles.Float, CultureInfo.InvariantCulture);
                var code = feature.Codes is null || double.IsNaN(number) ? -1 : IndexOf(feature.Codes, number);
                vector[feature.FirstSlot] = code >= 0 ? float.NaN : (float)number;
                if (code >= 0)
                {
                    vector[feature.FirstSlot + 1 + code] = 1;
                }
            }
            else
            {
                var category = value.Category ?? value.Number?.ToString(CultureInfo.InvariantCulture) ?? "";
                var index = -1;
                for (var k = 0; k < feature.Categories!.Count; k++)
                {
                    if (string.Equals(feature.Categories[k], category, StringComparison.Ordinal))
                    {
                        index = k;
                        break;
                    }
                }
                vector[feature.FirstSlot + (index >= 0 ? index : feature.Categories.Count)] = 1;
            }
        }
        return vector;
    }

    private static int IndexOf(IReadOnlyList<double> codes, double value)
    {
        for (var k = 0; k < codes.Count; k++)
        {
            if (codes[k] == value)
            {
                return k;
            }
        }
        return -1;
    }

    private static ChallengerModel FromManifest(ChallengerManifest manifest)
    {
        var slots = manifest.Features.Sum(f => f.Slots);
        ITrees trees = manifest switch
        {
            { LightGbmModel: { } text, TreesBase64: null } => new NativeTrees(text, slots),
            { TreesBase64: { } zip, LightGbmModel: null } => new MlNetTrees(zip, manifest.Options.Seed, slots),
            _ => throw new InvalidDataException($"Challenger {manifest.ModelId} {manifest.Version} must carry exactly one of lightGbmModel and treesBase64."),
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
        return new ChallengerModel(manifest, trees, Convert.ToHexStringLower(SHA256.HashData(json)));
    }

    public string ToJson() => JsonSerializer.Serialize(Manifest, Json);

    public static ChallengerModel FromJson(string json) =>
        FromManifest(JsonSerializer.Deserialize<ChallengerManifest>(json, Json) ?? throw new InvalidDataException("The challenger model file is empty."));

    /// <summary>The trees' raw log-odds-like margin for rows of a dataset (higher = riskier), before calibration.</summary>
    public double[] RawScores(TrainingDataset data, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        var missing = Manifest.Features.Where(f => data.ColumnIndex(f.Name) < 0).Select(f => f.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"The data has no column(s) {string.Join(", ", missing)} that challenger {ModelId} {ModelVersion} needs.", nameof(data));
        }
        var columnIndex = Manifest.Features.Select(f => data.ColumnIndex(f.Name)).ToArray();
        return _trees.Raw(rows.Select(r => Encode(Manifest.Features, _slots, j => data.Rows[r][columnIndex[j]])).ToArray());
    }

    /// <summary>Calibrated probability of default for rows of a dataset.</summary>
    public double[] Probabilities(TrainingDataset data, IReadOnlyList<int> rows) =>
        RawScores(data, rows).Select(Calibrate).ToArray();

    private double Calibrate(double raw) => Manifest.Calibration?.Probability(raw) ?? 1 / (1 + Math.Exp(-raw));

    public ChallengerScore Score(IReadOnlyDictionary<string, FeatureValue> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var vector = Encode(Manifest.Features, _slots, j => features.TryGetValue(Manifest.Features[j].Name, out var v)
            ? v
            : throw new ArgumentException($"The input has no value for challenger feature '{Manifest.Features[j].Name}'.", nameof(features)));
        var (raw, slotContributions) = _trees.Explain(vector);
        var pd = Calibrate(raw);
        var contributions = Manifest.Features
            .Select(f => new FeatureContribution(f.Name, Enumerable.Range(f.FirstSlot, f.Slots).Sum(s => slotContributions[s])))
            .OrderByDescending(c => c.Contribution).ThenBy(c => c.Feature, StringComparer.Ordinal)
            .ToArray();
        var scale = ScoreScaling.Standard;
        return new ChallengerScore
        {
            ModelId = ModelId,
            ModelVersion = ModelVersion,
            ModelSha256 = ModelSha256,
            ProbabilityOfDefault = pd,
            Score = scale.ScoreForLogOddsGood(Math.Log((1 - pd) / pd)),
            Contributions = contributions,
            Reasons = ChampionChallenger.Reasons(contributions, name => Manifest.Reasons.TryGetValue(name, out var r) ? r : FeatureReasons.Generic(name)),
        };
    }

    /// <summary>Trees grown by LightGBM's C API, kept as LightGBM's text model; contributions are its SHAP values.</summary>
    private sealed class NativeTrees(string model, int slots) : ITrees
    {
        private readonly BoosterHandle _booster = LightGbmNative.Load(model);
        private readonly object _lock = new();

        public double[] Raw(IReadOnlyList<float[]> rows)
        {
            var matrix = new float[rows.Count * slots];
            for (var k = 0; k < rows.Count; k++)
            {
                rows[k].CopyTo(matrix, k * slots);
            }
            // LightGBM's predictor is shared state inside the booster; one caller at a time.
            lock (_lock)
            {
                return LightGbmNative.Predict(_booster, matrix, rows.Count, slots, LightGbmNative.PredictRawScore);
            }
        }

        public (double Raw, double[] Contributions) Explain(float[] row)
        {
            lock (_lock)
            {
                var raw = LightGbmNative.Predict(_booster, row, 1, slots, LightGbmNative.PredictRawScore)[0];
                return (raw, LightGbmNative.Predict(_booster, row, 1, slots, LightGbmNative.PredictContributions)[..slots]);
            }
        }
    }

    /// <summary>Trees of artifacts trained through ML.NET (before the C API was used); read and scored as they were.</summary>
    private sealed class MlNetTrees : ITrees
    {
        private readonly MLContext _ml;
        private readonly ITransformer _model;
        private readonly int _slots;
        private readonly object _engineLock = new();
        private PredictionEngine<Row, Prediction>? _engine;

        public MlNetTrees(string zipBase64, int seed, int slots)
        {
            _ml = new MLContext(seed);
            _slots = slots;
            using var stream = new MemoryStream(Convert.FromBase64String(zipBase64));
            _model = _ml.Model.Load(stream, out _);
        }

        private sealed class Row
        {
            public bool Label { get; set; }
            public float[] Features { get; set; } = [];
        }

        private sealed class Prediction
        {
            public float Score { get; set; }
            public float[] FeatureContributions { get; set; } = [];
        }

        private SchemaDefinition Schema()
        {
            var schema = SchemaDefinition.Create(typeof(Row));
            schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _slots);
            return schema;
        }

        public double[] Raw(IReadOnlyList<float[]> rows)
        {
            var view = _ml.Data.LoadFromEnumerable(rows.Select(v => new Row { Features = v }).ToList(), Schema());
            return _model.Transform(view).GetColumn<float>("Score").Select(s => (double)s).ToArray();
        }

        public (double Raw, double[] Contributions) Explain(float[] row)
        {
            // PredictionEngine is not thread-safe; one per model, used under a lock, is cheap enough for a shadow score.
            lock (_engineLock)
            {
                _engine ??= _ml.Model.CreatePredictionEngine<Row, Prediction>(_model, inputSchemaDefinition: Schema());
                var prediction = _engine.Predict(new Row { Features = row });
                return (prediction.Score, prediction.FeatureContributions.Select(c => (double)c).ToArray());
            }
        }
    }

    /// <summary>
    /// Share of (row, step) pairs where raising a numeric feature moves the calibrated PD against the
    /// <paramref name="direction"/> (+1 = risk should rise with the value, −1 = fall), over a grid of the
    /// feature's quantiles on up to <paramref name="sampleRows"/> rows. 0 = monotone on the sample.
    /// </summary>
    /// <param name="codes">Special codes (e.g. −2, −1) that stand outside the numeric order and are left off the grid.</param>
    public double MonotonicityViolations(TrainingDataset data, string feature, int direction, IReadOnlyCollection<double>? codes = null, int sampleRows = 200, int steps = 10)
    {
        ArgumentNullException.ThrowIfNull(data);
        var c = data.ColumnIndex(feature);
        var values = data.Rows.Where(r => r[c].Number is { } v && codes?.Contains(v) != true).Select(r => r[c].Number!.Value).Order().ToArray();
        if (values.Length == 0)
        {
            return 0;
        }
        var grid = Enumerable.Range(0, steps).Select(k => values[k * (values.Length - 1) / (steps - 1)]).Distinct().ToArray();
        var sample = Enumerable.Range(0, data.Count).Where(i => i % Math.Max(1, data.Count / sampleRows) == 0).Take(sampleRows).ToArray();
        int violations = 0, pairs = 0;
        foreach (var r in sample)
        {
            var input = data.RowAsInput(r);
            var previous = double.NaN;
            foreach (var value in grid)
            {
                input[feature] = FeatureValue.Of(value);
                var pd = Score(input).ProbabilityOfDefault;
                if (!double.IsNaN(previous))
                {
                    pairs++;
                    violations += direction * (pd - previous) < -1e-12 ? 1 : 0;
                }
                previous = pd;
            }
        }
        return pairs == 0 ? 0 : (double)violations / pairs;
    }
}
