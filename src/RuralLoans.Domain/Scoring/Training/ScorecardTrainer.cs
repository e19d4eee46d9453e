namespace RuralLoans.Domain.Scoring.Training;

public sealed record TrainingOptions
{
    public BinningOptions Binning { get; init; } = new();

    /// <summary>Ridge penalty on the WOE coefficients (the intercept is free).</summary>
    public double L2Penalty { get; init; } = 5.0;

    /// <summary>
    /// Ridge penalty on per-bin corrections to coefficient × WOE. Large values shrink them to nothing (a plain
    /// WOE scorecard); 0 or infinity turns them off.
    /// </summary>
    public double BinAdjustmentPenalty { get; init; } = 30.0;

    /// <summary>Features whose information value on the training rows is below this are left out of the model.</summary>
    public double MinInformationValue { get; init; } = 0.02;

    public int Folds { get; init; } = 5;

    /// <summary>
    /// Cross-validation runs this many times with differently shuffled folds and reports the average: one
    /// 5-fold split of 1,000 rows moves the AUC by ±0.005 on its own.
    /// </summary>
    public int Repeats { get; init; } = 5;

    public int Seed { get; init; } = 20_240_315;
}

public sealed record FoldResult(int Repeat, int Fold, int TestRows, double Auc, double Ks);

/// <param name="PooledAuc">AUC of all out-of-fold predictions taken together, averaged over the repeats.</param>
public sealed record CrossValidationResult(IReadOnlyList<FoldResult> Folds, double PooledAuc)
{
    public double Auc => Folds.Average(f => f.Auc);
    public double Gini => ClassifierMetrics.Gini(Auc);
    public double Ks => Folds.Average(f => f.Ks);
}

public sealed record FeatureInformation(string Feature, FeatureKind Kind, double InformationValue, int Bins, bool Selected);

/// <summary>
/// Trains WOE-logistic scorecards: bins per feature, ridge logistic regression on the WOE values, points
/// scaling, and stratified k-fold cross-validation where every fold fits its own bins (no leakage).
/// </summary>
public static class ScorecardTrainer
{
    public static ScorecardModel Fit(TrainingDataset data, TrainingOptions options, string modelId, string version, DateTimeOffset trainedAt, ModelMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var binned = Enumerable.Range(0, data.Columns.Count).Select(c => WoeBinner.Fit(data, c, options.Binning)).ToArray();
        var selected = binned.Where(f => f.Bins.Count > 1 && f.InformationValue >= options.MinInformationValue).ToArray();
        var lookups = selected.Select(f => new CompiledFeature(f, 1)).ToArray();
        var columnIndex = selected.Select(f => data.Columns.ToList().FindIndex(c => c.Name == f.Name)).ToArray();
        var adjusted = options.BinAdjustmentPenalty is > 0 and < double.PositiveInfinity;
        // Design: one WOE column per feature, then (when adjustments are fitted) one indicator per bin.
        var indicatorStart = new int[selected.Length];
        var width = selected.Length;
        for (var j = 0; j < selected.Length && adjusted; j++)
        {
            indicatorStart[j] = width;
            width += selected[j].Bins.Count;
        }
        var design = new double[data.Count][];
        for (var r = 0; r < data.Count; r++)
        {
            design[r] = new double[width];
            for (var j = 0; j < selected.Length; j++)
            {
                var bin = lookups[j].BinIndexOf(data.Rows[r][columnIndex[j]]);
                design[r][j] = selected[j].Bins[bin].Woe;
                if (adjusted)
                {
                    design[r][indicatorStart[j] + bin] = 1;
                }
            }
        }
        var penalties = Enumerable.Range(0, width).Select(k => k < selected.Length ? options.L2Penalty : options.BinAdjustmentPenalty).ToArray();
        var regression = LogisticRegression.Fit(design, data.Targets, penalties);
        var features = selected.Select((f, j) => f with
        {
            Coefficient = regression.Coefficients[j],
            Bins = f.Bins.Select((b, i) => b with { Adjustment = adjusted ? regression.Coefficients[indicatorStart[j] + i] : 0 }).ToArray(),
        }).ToArray();
        return new ScorecardModel
        {
            ModelId = modelId,
            Version = version,
            Calibration = "trained",
            Description = $"WOE-logistic scorecard trained on {data.Name}",
            Scaling = ScoreScaling.Standard,
            Intercept = regression.Intercept,
            Features = features,
            Training = new TrainingMetadata
            {
                Dataset = data.Name,
                Rows = data.Count,
                Bads = data.Bads,
                TrainedAt = trainedAt,
                Method = adjusted ? "WOE binning + ridge logistic regression with ridge-shrunk per-bin adjustments (Newton-Raphson)" : "WOE binning + ridge logistic regression (Newton-Raphson)",
                L2Penalty = options.L2Penalty,
                BinAdjustmentPenalty = adjusted ? options.BinAdjustmentPenalty : 0,
                MaxBins = options.Binning.MaxBins,
                MinBinFraction = options.Binning.MinBinFraction,
                Folds = options.Folds,
                Repeats = options.Repeats,
                Seed = options.Seed,
            },
            Metrics = metrics,
        };
    }

    /// <summary>Information value of every column on all rows, and whether training would keep it.</summary>
    public static IReadOnlyList<FeatureInformation> InformationValues(TrainingDataset data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        return Enumerable.Range(0, data.Columns.Count)
            .Select(c => WoeBinner.Fit(data, c, options.Binning))
            .Select(f => new FeatureInformation(f.Name, f.Kind, f.InformationValue, f.Bins.Count, f.InformationValue >= options.MinInformationValue))
            .ToArray();
    }

    /// <summary>Stratified k-fold cross-validation: bins, feature selection and coefficients are fitted on each training split only.</summary>
    public static CrossValidationResult CrossValidate(TrainingDataset data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Folds < 2)
        {
            throw new ArgumentException("Cross-validation needs at least 2 folds.", nameof(options));
        }
        var folds = new List<FoldResult>();
        var pooledAucs = new List<double>();
        for (var repeat = 0; repeat < Math.Max(1, options.Repeats); repeat++)
        {
            var foldOf = StratifiedFolds(data.Targets, options.Folds, options.Seed + repeat);
            var pooledRisk = new double[data.Count];
            for (var fold = 0; fold < options.Folds; fold++)
            {
                var trainRows = Enumerable.Range(0, data.Count).Where(i => foldOf[i] != fold).ToArray();
                var testRows = Enumerable.Range(0, data.Count).Where(i => foldOf[i] == fold).ToArray();
                var model = Fit(data.Subset(trainRows), options, "cross-validation", $"repeat-{repeat + 1}-fold-{fold + 1}", DateTimeOffset.UnixEpoch);
                var risk = RiskScores(new Scorecard(model), data, testRows);
                var targets = testRows.Select(i => data.Targets[i]).ToArray();
                for (var k = 0; k < testRows.Length; k++)
                {
                    pooledRisk[testRows[k]] = risk[k];
                }
                folds.Add(new FoldResult(repeat + 1, fold + 1, testRows.Length, ClassifierMetrics.Auc(risk, targets), ClassifierMetrics.Ks(risk, targets)));
            }
            pooledAucs.Add(ClassifierMetrics.Auc(pooledRisk, data.Targets));
        }
        return new CrossValidationResult(folds, pooledAucs.Average());
    }

    /// <summary>Scores <paramref name="rows"/> of <paramref name="data"/> with a model; higher = riskier (probability of default).</summary>
    public static double[] RiskScores(Scorecard scorecard, TrainingDataset data, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(scorecard);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Select(r => scorecard.Score(data.RowAsInput(r)).ProbabilityOfDefault).ToArray();
    }

    /// <summary>Assigns each row a fold so that every fold has (nearly) the same share of bads.</summary>
    public static int[] StratifiedFolds(IReadOnlyList<int> targets, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var random = new Random(seed);
        var foldOf = new int[targets.Count];
        foreach (var label in new[] { 0, 1 })
        {
            var members = Enumerable.Range(0, targets.Count).Where(i => targets[i] == label).ToArray();
            random.Shuffle(members);
            for (var k = 0; k < members.Length; k++)
            {
                foldOf[members[k]] = k % folds;
            }
        }
        return foldOf;
    }
}

public sealed record FeatureStability(string Feature, double Psi);

/// <summary>Population stability of each column between an expected (development) and an actual (recent) dataset.</summary>
public static class PopulationStability
{
    public static IReadOnlyList<FeatureStability> Compare(TrainingDataset expected, TrainingDataset actual, int numericBins = 10)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var result = new List<FeatureStability>();
        foreach (var (column, c) in expected.Columns.Select((column, c) => (column, c)))
        {
            var a = actual.Columns.ToList().FindIndex(x => x.Name == column.Name);
            if (a < 0)
            {
                throw new InvalidDataException($"The actual dataset has no column '{column.Name}'.");
            }
            Func<FeatureValue, int> binOf;
            int binCount;
            if (column.Kind == FeatureKind.Numeric)
            {
                var sorted = expected.Rows.Select(r => r[c].Number!.Value).Order().ToArray();
                var cuts = Enumerable.Range(1, numericBins - 1).Select(k => sorted[k * sorted.Length / numericBins]).Distinct().ToArray();
                binCount = cuts.Length + 1;
                binOf = v => cuts.Count(cut => (v.Number ?? double.NaN) >= cut);
            }
            else
            {
                var categories = expected.Rows.Select(r => r[c].Category ?? "").Distinct().Order(StringComparer.Ordinal).ToList();
                binCount = categories.Count + 1;
                binOf = v => categories.IndexOf(v.Category ?? "") is var i && i >= 0 ? i : categories.Count;
            }
            var expectedCounts = new int[binCount];
            var actualCounts = new int[binCount];
            foreach (var row in expected.Rows)
            {
                expectedCounts[binOf(row[c])]++;
            }
            foreach (var row in actual.Rows)
            {
                actualCounts[binOf(row[a])]++;
            }
            result.Add(new FeatureStability(column.Name, ClassifierMetrics.Psi(expectedCounts, actualCounts)));
        }
        return result;
    }
}
