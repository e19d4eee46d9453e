using System.Globalization;
using System.Text;

namespace RuralLoans.Domain.Scoring.Training;

/// <summary>A measure with a 95 % confidence interval.</summary>
public sealed record MetricInterval(double Value, double Lower, double Upper)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value:0.000} [{Lower:0.000}, {Upper:0.000}]");
}

/// <summary>Approval among one group's applicants when everyone is cut at the same score.</summary>
/// <param name="RatioToHighest">Approval rate ÷ the highest group's approval rate (the "four-fifths" reading).</param>
public sealed record GroupApproval(string Group, string Value, int Rows, double ApprovalRate, double BadRate, double DifferenceFromOverall, double RatioToHighest);

/// <summary>What a model card says, computed from the data, the cross-validation and the fitted model.</summary>
public sealed record ModelCardContent
{
    public required ScorecardModel Model { get; init; }
    public required string DataSource { get; init; }
    public required string TargetDefinition { get; init; }
    public required IReadOnlyList<string> UsedColumns { get; init; }
    public required IReadOnlyList<string> ExcludedColumns { get; init; }
    public required CrossValidationResult Validation { get; init; }
    public required MetricInterval Auc { get; init; }
    public required MetricInterval Ks { get; init; }
    public required MetricInterval Brier { get; init; }
    public required double ApprovalRate { get; init; }
    public required IReadOnlyList<GroupApproval> Approvals { get; init; }
    public required IReadOnlyList<FeatureStability> FeatureStability { get; init; }
    public required double ScorePsi { get; init; }
}

/// <summary>Builds and writes model cards: data, target, exclusions, binning, metrics with intervals, stability, group approval.</summary>
public static class ModelCard
{
    /// <summary>Age bands the card reports approval for (years, lower bounds).</summary>
    public static readonly IReadOnlyList<(double From, string Label)> AgeBands = [(0, "< 25"), (25, "25–34"), (35, "35–49"), (50, "50–59"), (60, ">= 60")];

    /// <param name="data">All columns, including excluded ones: protected attributes are needed to measure disparities.</param>
    /// <param name="outOfFold">Cross-validated probability of default for every row.</param>
    public static ModelCardContent Build(ScorecardModel model, TrainingDataset data, CrossValidationResult validation, IReadOnlyList<double> outOfFold,
        IReadOnlyList<string> excluded, string targetDefinition, IReadOnlyList<string> groupColumns, string? ageColumn = "age", double approvalRate = 0.7, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(outOfFold);
        ArgumentNullException.ThrowIfNull(excluded);
        ArgumentNullException.ThrowIfNull(groupColumns);
        var targets = data.Targets;
        var half = data.Count / 2;
        // Excluded columns (ids, protected attributes) are no model input, so their drift says nothing about the model.
        var used = data.WithoutColumns(excluded.ToArray());
        var first = used.Subset(Enumerable.Range(0, half).ToArray());
        var second = used.Subset(Enumerable.Range(half, data.Count - half).ToArray());
        return new ModelCardContent
        {
            Model = model,
            DataSource = data.Name,
            TargetDefinition = targetDefinition,
            UsedColumns = data.Columns.Select(c => c.Name).Where(n => !excluded.Contains(n)).ToArray(),
            ExcludedColumns = excluded,
            Validation = validation,
            Auc = Bootstrap(outOfFold, targets, ClassifierMetrics.Auc, seed),
            Ks = Bootstrap(outOfFold, targets, ClassifierMetrics.Ks, seed),
            Brier = Bootstrap(outOfFold, targets, Calibration.Brier, seed),
            ApprovalRate = approvalRate,
            Approvals = ApprovalByGroup(data, outOfFold, approvalRate, groupColumns, ageColumn),
            FeatureStability = PopulationStability.Compare(first, second),
            ScorePsi = ScoreStability(outOfFold.Take(half).ToArray(), outOfFold.Skip(half).ToArray()),
        };
    }

    /// <summary>Percentile bootstrap (200 resamples) of a measure on the out-of-fold predictions.</summary>
    public static MetricInterval Bootstrap(IReadOnlyList<double> predictions, IReadOnlyList<int> targets, Func<IReadOnlyList<double>, IReadOnlyList<int>, double> measure, int seed, int resamples = 200)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(measure);
        var random = new Random(seed);
        var n = predictions.Count;
        var values = new List<double>(resamples);
        var p = new double[n];
        var t = new int[n];
        for (var b = 0; b < resamples; b++)
        {
            for (var i = 0; i < n; i++)
            {
                var k = random.Next(n);
                p[i] = predictions[k];
                t[i] = targets[k];
            }
            if (t.Contains(0) && t.Contains(1))
            {
                values.Add(measure(p, t));
            }
        }
        values.Sort();
        return new MetricInterval(measure(predictions, targets), values[(int)(0.025 * (values.Count - 1))], values[(int)Math.Ceiling(0.975 * (values.Count - 1))]);
    }

    /// <summary>PSI of the predicted PD between two periods, over the first period's deciles.</summary>
    public static double ScoreStability(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var sorted = expected.Order().ToArray();
        var cuts = Enumerable.Range(1, 9).Select(k => sorted[k * sorted.Length / 10]).Distinct().ToArray();
        int Bin(double v) => cuts.Count(c => v >= c);
        var e = new int[cuts.Length + 1];
        var a = new int[cuts.Length + 1];
        foreach (var v in expected)
        {
            e[Bin(v)]++;
        }
        foreach (var v in actual)
        {
            a[Bin(v)]++;
        }
        return ClassifierMetrics.Psi(e, a);
    }

    /// <summary>
    /// Approves the <paramref name="approvalRate"/> share with the lowest PD overall, then reports each age band
    /// and each value of each group column: approval rate, bad rate, difference from the overall rate, ratio to the best group.
    /// </summary>
    public static IReadOnlyList<GroupApproval> ApprovalByGroup(TrainingDataset data, IReadOnlyList<double> risk, double approvalRate, IReadOnlyList<string> groupColumns, string? ageColumn)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(groupColumns);
        var cutoff = risk.Order().ElementAt(Math.Clamp((int)(approvalRate * risk.Count) - 1, 0, risk.Count - 1));
        var approved = risk.Select(r => r <= cutoff).ToArray();
        var overall = approved.Average(a => a ? 1.0 : 0);
        var result = new List<GroupApproval>();
        void Add(string group, Func<int, string?> valueOf, Func<string, int>? order = null)
        {
            var groups = Enumerable.Range(0, data.Count).GroupBy(valueOf).Where(g => g.Key is not null)
                .OrderBy(g => order?.Invoke(g.Key!) ?? 0).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            var rates = groups.Select(g => (g.Key!, rows: g.ToArray(), rate: g.Average(i => approved[i] ? 1.0 : 0))).ToList();
            var best = rates.Count == 0 ? 1 : rates.Max(r => r.rate);
            result.AddRange(rates.Select(r => new GroupApproval(group, r.Item1, r.rows.Length, r.rate, r.rows.Average(i => (double)data.Targets[i]), r.rate - overall, best > 0 ? r.rate / best : 0)));
        }
        var age = ageColumn is null ? -1 : data.ColumnIndex(ageColumn);
        if (age >= 0 && data.Columns[age].Kind == FeatureKind.Numeric)
        {
            Add($"{ageColumn} band", i => data.Rows[i][age].Number is { } years ? AgeBands.Last(b => years >= b.From).Label : null,
                label => AgeBands.Select(b => b.Label).ToList().IndexOf(label));
        }
        foreach (var column in groupColumns)
        {
            var c = data.ColumnIndex(column);
            if (c < 0)
            {
                throw new ArgumentException($"Group column '{column}' is not in the data.", nameof(groupColumns));
            }
            Add(column, i => data.Rows[i][c].ToString());
        }
        return result;
    }

    public static string ToMarkdown(ModelCardContent card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var m = card.Model;
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"# Model card: {m.ModelId} {m.Version}");
        s.AppendLine();
        s.AppendLine(c, $"Trained {m.Training?.TrainedAt:yyyy-MM-dd HH:mm} UTC. Method: {m.Training?.Method}.");
        s.AppendLine();
        s.AppendLine("## Data");
        s.AppendLine(c, $"- Source: `{card.DataSource}`, {m.Training?.Rows} rows, {m.Training?.Bads} bad ({(double)(m.Training?.Bads ?? 0) / Math.Max(1, m.Training?.Rows ?? 1):P1}).");
        s.AppendLine(c, $"- Target: {card.TargetDefinition}");
        s.AppendLine(c, $"- Columns offered to the model: {string.Join(", ", card.UsedColumns)}");
        s.AppendLine(c, $"- Excluded (never used for scoring): {(card.ExcludedColumns.Count == 0 ? "none" : string.Join(", ", card.ExcludedColumns))}");
        s.AppendLine(c, $"- Columns in the model (information value ≥ the minimum): {string.Join(", ", m.Features.Select(f => f.Name))}");
        s.AppendLine();
        s.AppendLine("## Protected attributes");
        var protectedColumns = m.Training?.ProtectedExclusions ?? [];
        s.AppendLine(protectedColumns.Count == 0
            ? "- No column of the data was recognised as a protected attribute."
            : string.Join(Environment.NewLine, protectedColumns.Select(p => $"- `{p.Column}` excluded: {p.Attribute} ({p.Because})")));
        var ageFeatures = m.Features.Where(f => ProtectedAttributePolicy.IsAgeName(f.Name)).Select(f => f.Name).ToArray();
        s.AppendLine(m.Training?.AgeJustification is { } why
            ? $"- Age may be used{(ageFeatures.Length > 0 ? $" (in the model: {string.Join(", ", ageFeatures)})" : " (offered; not selected by the trainer)")}. Justification: {why}"
            : ageFeatures.Length > 0
                ? $"- ⚠ Age is in the model ({string.Join(", ", ageFeatures)}) without a recorded justification."
                : "- Age is not used.");
        s.AppendLine("- Decline reasons never cite age alone: an age reason is given only after another reason.");
        s.AppendLine();
        s.AppendLine("## Binning (coarse classes)");
        s.AppendLine("| feature | trend | IV | bins |");
        s.AppendLine("|---|---|---|---|");
        foreach (var f in m.Features.OrderByDescending(f => f.InformationValue))
        {
            s.AppendLine(c, $"| {f.Name} | {f.Shape} | {f.InformationValue:0.000} | {string.Join("; ", f.Bins.Select(b => $"{b.Label} (n={b.Goods + b.Bads}, bad {(double)b.Bads / Math.Max(1, b.Goods + b.Bads):P0}, WOE {b.Woe:+0.00;-0.00})"))} |");
        }
        s.AppendLine();
        s.AppendLine("## Performance (cross-validated, out of fold)");
        s.AppendLine(c, $"{m.Metrics?.Basis ?? "cross-validation"}. Intervals: 95 % percentile bootstrap of the pooled out-of-fold predictions (last repeat).");
        s.AppendLine();
        s.AppendLine("| measure | value [95 % CI] |");
        s.AppendLine("|---|---|");
        s.AppendLine(c, $"| AUC (mean over folds) | {card.Validation.Auc:0.000} (fold range {card.Validation.Folds.Min(f => f.Auc):0.000} – {card.Validation.Folds.Max(f => f.Auc):0.000}) |");
        s.AppendLine(c, $"| AUC (pooled out of fold) | {card.Auc} |");
        s.AppendLine(c, $"| Gini | {ClassifierMetrics.Gini(card.Auc.Value):0.000} |");
        s.AppendLine(c, $"| KS | {card.Ks} |");
        s.AppendLine(c, $"| Brier score | {card.Brier} |");
        s.AppendLine();
        s.AppendLine("## Stability (PSI, first half of the rows against the second half, in file order)");
        var shifted = string.Join(", ", card.FeatureStability.Where(f => f.Psi >= 0.1).Select(f => string.Create(c, $"{f.Feature} {f.Psi:0.000}")));
        s.AppendLine(c, $"Predicted PD: {card.ScorePsi:0.000} ({Band(card.ScorePsi)}). Features at 0.1 or above: {(shifted.Length > 0 ? shifted : "none")}.");
        s.AppendLine();
        s.AppendLine(c, $"## Approval by group (everyone cut at the PD that approves {card.ApprovalRate:P0} overall; out-of-fold PDs)");
        s.AppendLine("| group | value | rows | approved | bad rate | difference from overall | ratio to highest |");
        s.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var g in card.Approvals)
        {
            s.AppendLine(c, $"| {g.Group} | {g.Value} | {g.Rows} | {g.ApprovalRate:P1} | {g.BadRate:P1} | {g.DifferenceFromOverall * 100:+0.0;-0.0} pp | {g.RatioToHighest:0.00}{(g.RatioToHighest < 0.8 ? " ⚠" : "")} |");
        }
        s.AppendLine();
        s.AppendLine("A ratio under 0.80 (⚠) is the usual trigger to examine a group's outcomes; differences can reflect real differences in repayment (see the bad rate column) as well as bias.");
        return s.ToString();
    }

    private static string Band(double psi) => psi switch { < 0.1 => "stable", < 0.25 => "watch", _ => "shifted: act" };

    /// <summary>
    /// The card of a shipped model as served to auditors: for a trained model its training record (data, exclusions,
    /// age justification, metrics); for an expert-calibrated one a plain statement that it was not fitted on outcomes.
    /// Both list every feature's bins with their points and the reason a borrower is given.
    /// </summary>
    public static string ForShipped(ScorecardModel model, string? ageJustification)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        var scaling = model.Scaling;
        s.AppendLine(c, $"# Model card: {model.ModelId} {model.Version}");
        s.AppendLine();
        s.AppendLine(c, $"Calibration: {model.Calibration}. {model.Description}");
        s.AppendLine();
        if (model.Training is { } training)
        {
            s.AppendLine("## Training");
            s.AppendLine(c, $"- Data: `{training.Dataset}`, {training.Rows} rows, {training.Bads} bad; trained {training.TrainedAt:yyyy-MM-dd}.");
            s.AppendLine(c, $"- Method: {training.Method}");
            s.AppendLine(c, $"- Excluded columns: {(training.ExcludedColumns is { Count: > 0 } excluded ? string.Join(", ", excluded) : "none")}");
            if (model.Metrics is { } metrics)
            {
                s.AppendLine(c, $"- Cross-validated AUC {metrics.Auc:0.000}, KS {metrics.Ks:0.000} ({metrics.Basis}).");
            }
        }
        else
        {
            s.AppendLine("**Expert-calibrated: bins and weights were set by judgement, not fitted on repayment outcomes. Its PDs are assumptions, not measurements.**");
        }
        s.AppendLine();
        s.AppendLine("## Protected attributes");
        var protectedColumns = model.Training?.ProtectedExclusions ?? [];
        foreach (var p in protectedColumns)
        {
            s.AppendLine(c, $"- `{p.Column}` excluded: {p.Attribute} ({p.Because})");
        }
        s.AppendLine("- Sex, marital status, ethnicity and nationality are not model inputs.");
        var ageFeatures = model.Features.Where(f => ProtectedAttributePolicy.IsAgeName(f.Name)).Select(f => f.Name).ToArray();
        var why = model.Training?.AgeJustification ?? ageJustification;
        s.AppendLine(ageFeatures.Length == 0
            ? "- Age is not used."
            : why is null
                ? $"- ⚠ Age is used ({string.Join(", ", ageFeatures)}) without a recorded justification."
                : $"- Age is used ({string.Join(", ", ageFeatures)}). Justification: {why}");
        s.AppendLine("- Decline reasons never cite age alone: an age reason is given only after another reason.");
        s.AppendLine();
        s.AppendLine("## Features");
        s.AppendLine(c, $"Scaling: {scaling.BaseScore:0} points at {scaling.BaseOdds:0}:1 good:bad odds, {scaling.PointsToDoubleOdds:0} points to double the odds; intercept {model.Intercept:0.###}.");
        s.AppendLine();
        s.AppendLine("| feature | reason given | bins (points) |");
        s.AppendLine("|---|---|---|");
        var card = new Scorecard(model);
        foreach (var group in card.PointsTable().GroupBy(p => p.Feature, StringComparer.Ordinal))
        {
            var feature = model.Features.First(f => f.Name == group.Key);
            var reason = FeatureReasons.For(feature);
            s.AppendLine(c, $"| {feature.Name} | {reason.Code} {reason.En} | {string.Join("; ", group.Select(p => string.Create(c, $"{p.Bin} ({p.Points:+0.0;-0.0;0})")))} |");
        }
        return s.ToString();
    }
}
