using System.Globalization;

namespace RuralLoans.Domain.Scoring.Training;

/// <summary>How features are cut into weight-of-evidence bins.</summary>
public sealed record BinningOptions
{
    /// <summary>Quantile bins a numeric feature starts from, before small or non-monotone bins are merged.</summary>
    public int MaxBins { get; init; } = 8;

    /// <summary>Every bin keeps at least this share of the rows (numeric bins are merged, rarer categories pooled).</summary>
    public double MinBinFraction { get; init; } = 0.05;

    /// <summary>Merge numeric bins until the bad rate only rises or only falls along the feature.</summary>
    public bool Monotone { get; init; } = true;

    /// <summary>Pseudo-count added to goods and bads in every bin so an all-good or all-bad bin keeps a finite WOE.</summary>
    public double Smoothing { get; init; } = 0.5;
}

/// <summary>Fits WOE bins for one column on training rows and measures the column's information value.</summary>
public static class WoeBinner
{
    public const string RareCategoriesLabel = "(other)";

    public static ScorecardFeature Fit(TrainingDataset data, int column, BinningOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var spec = data.Columns[column];
        var bins = spec.Kind == FeatureKind.Numeric
            ? NumericBins(data, column, options)
            : CategoricalBins(data, column, options);
        var goods = data.Count - data.Bads;
        var bads = data.Bads;
        var withWoe = bins.Select(b => b with { Woe = Woe(b.Goods, b.Bads, goods, bads, bins.Count, options.Smoothing) }).ToArray();
        var iv = withWoe.Sum(b => (Share(b.Goods, goods, bins.Count, options.Smoothing) - Share(b.Bads, bads, bins.Count, options.Smoothing)) * b.Woe);
        return new ScorecardFeature { Name = spec.Name, Kind = spec.Kind, Coefficient = 1, Bins = withWoe, InformationValue = iv };
    }

    private static double Share(int count, int total, int binCount, double smoothing) => (count + smoothing) / (total + smoothing * binCount);

    private static double Woe(int goodsInBin, int badsInBin, int goods, int bads, int binCount, double smoothing) =>
        Math.Log(Share(goodsInBin, goods, binCount, smoothing) / Share(badsInBin, bads, binCount, smoothing));

    private sealed record Interval(double Upper, int Goods, int Bads)
    {
        public int Count => Goods + Bads;
        public double BadRate => Count == 0 ? 0 : (double)Bads / Count;
    }

    private static List<ScorecardBin> NumericBins(TrainingDataset data, int column, BinningOptions options)
    {
        var points = Enumerable.Range(0, data.Count)
            .Select(r => (Value: data.Rows[r][column].Number ?? throw new InvalidDataException($"Column '{data.Columns[column].Name}' has a non-numeric value."), Bad: data.Targets[r]))
            .OrderBy(p => p.Value)
            .ToArray();
        var cuts = new SortedSet<double>();
        for (var k = 1; k < options.MaxBins; k++)
        {
            var cut = points[k * points.Length / options.MaxBins].Value;
            if (cut > points[0].Value)
            {
                cuts.Add(cut);
            }
        }
        var uppers = cuts.Append(double.PositiveInfinity).ToArray();
        var intervals = uppers.Select(u => new Interval(u, 0, 0)).ToList();
        foreach (var (value, bad) in points)
        {
            var i = Array.FindIndex(uppers, u => value < u);
            intervals[i] = intervals[i] with { Goods = intervals[i].Goods + (1 - bad), Bads = intervals[i].Bads + bad };
        }
        intervals.RemoveAll(i => i.Count == 0);

        var minCount = options.MinBinFraction * data.Count;
        while (intervals.Count > 1 && intervals.FindIndex(i => i.Count < minCount) is var small && small >= 0)
        {
            MergeWithCloserNeighbour(intervals, small);
        }
        if (options.Monotone)
        {
            var increasing = intervals[^1].BadRate >= intervals[0].BadRate;
            while (intervals.Count > 1 && FirstViolation(intervals, increasing) is var v && v >= 0)
            {
                Merge(intervals, v);
            }
        }
        var lower = double.NegativeInfinity;
        var bins = new List<ScorecardBin>();
        foreach (var interval in intervals)
        {
            bins.Add(new ScorecardBin
            {
                Label = Label(lower, interval.Upper),
                UpperBound = double.IsPositiveInfinity(interval.Upper) ? null : interval.Upper,
                Goods = interval.Goods,
                Bads = interval.Bads,
                Woe = 0,
            });
            lower = interval.Upper;
        }
        return bins;
    }

    private static int FirstViolation(List<Interval> intervals, bool increasing)
    {
        for (var i = 0; i + 1 < intervals.Count; i++)
        {
            var step = intervals[i + 1].BadRate - intervals[i].BadRate;
            if (increasing ? step < 0 : step > 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static void MergeWithCloserNeighbour(List<Interval> intervals, int index)
    {
        if (index == 0)
        {
            Merge(intervals, 0);
        }
        else if (index == intervals.Count - 1)
        {
            Merge(intervals, index - 1);
        }
        else
        {
            var left = Math.Abs(intervals[index - 1].BadRate - intervals[index].BadRate);
            var right = Math.Abs(intervals[index + 1].BadRate - intervals[index].BadRate);
            Merge(intervals, left <= right ? index - 1 : index);
        }
    }

    /// <summary>Merges interval <paramref name="index"/> with the one after it.</summary>
    private static void Merge(List<Interval> intervals, int index)
    {
        var a = intervals[index];
        var b = intervals[index + 1];
        intervals[index] = new Interval(b.Upper, a.Goods + b.Goods, a.Bads + b.Bads);
        intervals.RemoveAt(index + 1);
    }

    private static string Label(double lower, double upper) => (double.IsNegativeInfinity(lower), double.IsPositiveInfinity(upper)) switch
    {
        (true, true) => "all",
        (true, false) => $"< {Format(upper)}",
        (false, true) => $">= {Format(lower)}",
        _ => $"[{Format(lower)}, {Format(upper)})",
    };

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static List<ScorecardBin> CategoricalBins(TrainingDataset data, int column, BinningOptions options)
    {
        var counts = new Dictionary<string, (int Goods, int Bads)>(StringComparer.Ordinal);
        for (var r = 0; r < data.Count; r++)
        {
            var category = data.Rows[r][column].Category ?? data.Rows[r][column].ToString();
            counts.TryGetValue(category, out var c);
            counts[category] = data.Targets[r] == 1 ? (c.Goods, c.Bads + 1) : (c.Goods + 1, c.Bads);
        }
        var minCount = options.MinBinFraction * data.Count;
        var frequent = counts.Where(kv => kv.Value.Goods + kv.Value.Bads >= minCount).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var rare = counts.Where(kv => kv.Value.Goods + kv.Value.Bads < minCount).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var bins = frequent
            .Select(kv => new ScorecardBin { Label = kv.Key, Categories = [kv.Key], Goods = kv.Value.Goods, Bads = kv.Value.Bads, Woe = 0 })
            .ToList();
        if (rare.Count > 0)
        {
            bins.Add(new ScorecardBin
            {
                Label = RareCategoriesLabel,
                Categories = rare.Select(kv => kv.Key).ToArray(),
                Goods = rare.Sum(kv => kv.Value.Goods),
                Bads = rare.Sum(kv => kv.Value.Bads),
                IsFallback = true,
                Woe = 0,
            });
        }
        else
        {
            // Categories never seen in training score like the most common one: the least surprising guess.
            var largest = bins.IndexOf(bins.MaxBy(b => b.Goods + b.Bads)!);
            bins[largest] = bins[largest] with { IsFallback = true };
        }
        return bins;
    }
}
