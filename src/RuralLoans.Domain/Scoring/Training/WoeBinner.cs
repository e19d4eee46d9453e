using System.Globalization;
using MathNet.Numerics.Distributions;

namespace RuralLoans.Domain.Scoring.Training;

/// <summary>How features are cut into weight-of-evidence bins.</summary>
public sealed record BinningOptions
{
    /// <summary>Most interval bins a numeric feature keeps after coarse classing (coded values and missing come on top).</summary>
    public int MaxBins { get; init; } = 8;

    /// <summary>Fine classes a numeric feature starts from: quantiles, or one per value when it has no more distinct values.</summary>
    public int FineBins { get; init; } = 20;

    /// <summary>Every bin keeps at least this share of the rows (numeric bins are merged, rarer categories pooled).</summary>
    public double MinBinFraction { get; init; } = 0.05;

    /// <summary>
    /// Constrain the bad rate along a numeric feature to move one way (monotone) or, when the data support it
    /// clearly, rise then fall (single-peaked). Off: only size and significance merges.
    /// </summary>
    public bool Monotone { get; init; } = true;

    /// <summary>Allow a single-peaked (or single-valley) trend when it carries clearly more information than a monotone one.</summary>
    public bool AllowSinglePeak { get; init; } = true;

    /// <summary>A single-peaked trend must beat the monotone one's information value by this share to be chosen.</summary>
    public double SinglePeakMinGain { get; init; } = 0.1;

    /// <summary>
    /// Chi-merge: adjacent bins (and categories of similar bad rate) are merged while their bad rates do not
    /// differ at this significance level (χ² test, 1 degree of freedom). 0 turns merging off.
    /// </summary>
    public double MergeSignificance { get; init; } = 0.05;

    /// <summary>
    /// Chi-merge level for categories (unordered codes), 0 = keep every category of sufficient size apart.
    /// Separate from <see cref="MergeSignificance"/> because the ridge-shrunk per-bin adjustments already pull
    /// similar categories together, and merging them outright loses ranking on small data.
    /// </summary>
    public double CategoryMergeSignificance { get; init; }

    /// <summary>An integer column with at most this many distinct values is a coded feature: its values start as their own bins.</summary>
    public int MaxCodedValues { get; init; } = 12;

    /// <summary>Negative integers in an otherwise non-negative integer column are special codes when there are at most this many.</summary>
    public int MaxNegativeCodes { get; init; } = 3;

    /// <summary>Pseudo-count added to goods and bads in every bin so an all-good or all-bad bin keeps a finite WOE.</summary>
    public double Smoothing { get; init; } = 0.5;
}

/// <summary>
/// Fits WOE bins for one column on training rows (fine classing, then coarse classing) and measures the
/// column's information value.
/// </summary>
/// <remarks>
/// Numeric columns: missing values and special negative codes (e.g. −2 "no balance", −1 "paid in full" in a
/// months-overdue column) are set apart first and keep bins of their own, because their risk has nothing to do
/// with their position on the number line. The remaining values start as fine classes; classes under the
/// minimum share are merged into their most similar neighbour; then every admissible trend (increasing,
/// decreasing, and each single peak or valley) is enforced by merging the least different violating
/// neighbours, and neighbours whose bad rates do not differ significantly (chi-merge) are merged. The trend
/// with the most information wins, a single peak only by a clear margin. Integer columns with few values are
/// also grouped as unordered codes, which wins only when it carries clearly more information. Special codes
/// and missing values too rare for a bin of their own join the bin whose bad rate is closest.
/// </remarks>
public static class WoeBinner
{
    public const string RareCategoriesLabel = "(other)";
    public const string MissingLabel = "(missing)";

    public static ScorecardFeature Fit(TrainingDataset data, int column, BinningOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var spec = data.Columns[column];
        var (bins, shape) = spec.Kind == FeatureKind.Numeric
            ? NumericBins(data, column, options)
            : (CategoricalBins(data, column, options), "categories");
        return WithWoe(spec.Name, spec.Kind, bins, data.Count - data.Bads, data.Bads, options.Smoothing, shape);
    }

    private static ScorecardFeature WithWoe(string name, FeatureKind kind, List<ScorecardBin> bins, int goods, int bads, double smoothing, string shape)
    {
        var withWoe = bins.Select(b => b with { Woe = Woe(b.Goods, b.Bads, goods, bads, bins.Count, smoothing) }).ToArray();
        var iv = withWoe.Sum(b => (Share(b.Goods, goods, bins.Count, smoothing) - Share(b.Bads, bads, bins.Count, smoothing)) * b.Woe);
        return new ScorecardFeature { Name = name, Kind = kind, Coefficient = 1, Bins = withWoe, InformationValue = iv, Shape = shape };
    }

    /// <summary>A bin's share of the feature's information value.</summary>
    public static double BinInformationValue(ScorecardBin bin, int goods, int bads, int binCount, double smoothing)
    {
        ArgumentNullException.ThrowIfNull(bin);
        return (Share(bin.Goods, goods, binCount, smoothing) - Share(bin.Bads, bads, binCount, smoothing)) * bin.Woe;
    }

    private static double Share(int count, int total, int binCount, double smoothing) => (count + smoothing) / (total + smoothing * binCount);

    private static double Woe(int goodsInBin, int badsInBin, int goods, int bads, int binCount, double smoothing) =>
        Math.Log(Share(goodsInBin, goods, binCount, smoothing) / Share(badsInBin, bads, binCount, smoothing));

    /// <summary>A run of adjacent values: everything below <see cref="Upper"/> and at or above the previous class's upper bound.</summary>
    private sealed record Interval(double Upper, int Goods, int Bads)
    {
        public int Count => Goods + Bads;
        public double BadRate => Count == 0 ? 0 : (double)Bads / Count;
    }

    /// <summary>A group of exact values (codes or categories) with their counts.</summary>
    private sealed record Group(IReadOnlyList<string> Keys, int Goods, int Bads)
    {
        public int Count => Goods + Bads;
        public double BadRate => Count == 0 ? 0 : (double)Bads / Count;
    }

    private static (List<ScorecardBin> Bins, string Shape) NumericBins(TrainingDataset data, int column, BinningOptions options)
    {
        var name = data.Columns[column].Name;
        var points = new List<(double Value, int Bad)>(data.Count);
        int missingGoods = 0, missingBads = 0;
        for (var r = 0; r < data.Count; r++)
        {
            var value = data.Rows[r][column];
            if (value.IsMissing)
            {
                missingGoods += 1 - data.Targets[r];
                missingBads += data.Targets[r];
                continue;
            }
            points.Add((value.Number ?? throw new InvalidDataException($"Column '{name}' has a non-numeric value '{value}'."), data.Targets[r]));
        }
        points.Sort((a, b) => a.Value.CompareTo(b.Value));
        var minCount = options.MinBinFraction * data.Count;
        var critical = options.MergeSignificance > 0 ? ChiSquared.InvCDF(1, 1 - options.MergeSignificance) : 0;

        var integer = points.All(p => p.Value == Math.Floor(p.Value) && Math.Abs(p.Value) < 1e15);
        var negatives = points.Where(p => p.Value < 0).Select(p => p.Value).Distinct().Count();
        var specialCodes = integer && negatives > 0 && negatives <= options.MaxNegativeCodes && points.Count > 0 && points[^1].Value >= 0;
        var specials = new List<Group>();
        if (specialCodes)
        {
            specials.AddRange(points.Where(p => p.Value < 0).GroupBy(p => p.Value)
                .Select(g => new Group([Key(g.Key)], g.Count(p => p.Bad == 0), g.Count(p => p.Bad == 1))));
            points.RemoveAll(p => p.Value < 0);
        }

        var bins = new List<ScorecardBin>();
        var shape = "none";
        if (points.Count > 0)
        {
            var distinct = CountDistinct(points);
            var ordinal = OrdinalIntervals(points, distinct, options, minCount, critical, out shape);
            bins = IntervalBins(ordinal, specialCodes ? points[0].Value : double.NegativeInfinity, integer);
            if (integer && distinct <= options.MaxCodedValues && distinct > 2)
            {
                var nominal = NominalGroups(points.GroupBy(p => p.Value).Select(g => new Group([Key(g.Key)], g.Count(p => p.Bad == 0), g.Count(p => p.Bad == 1))).ToList(), minCount, critical, options.MaxBins);
                var goods = points.Count(p => p.Bad == 0);
                var bads = points.Count - goods;
                if (nominal.Count > 1 && InformationValue(nominal.Select(g => (g.Goods, g.Bads)), goods, bads, options.Smoothing)
                    > (1 + options.SinglePeakMinGain) * InformationValue(ordinal.Select(i => (i.Goods, i.Bads)), goods, bads, options.Smoothing))
                {
                    bins = CodeBins(nominal);
                    shape = "coded categories";
                }
            }
        }

        if (missingGoods + missingBads > 0)
        {
            specials.Add(new Group([MissingLabel], missingGoods, missingBads));
        }
        foreach (var special in specials.OrderBy(s => s.Keys[0] == MissingLabel).ThenBy(s => double.TryParse(s.Keys[0], CultureInfo.InvariantCulture, out var v) ? v : 0))
        {
            var isMissing = special.Keys[0] == MissingLabel;
            IReadOnlyList<double>? values = isMissing ? null : [double.Parse(special.Keys[0], CultureInfo.InvariantCulture)];
            if (special.Count >= minCount || bins.Count == 0)
            {
                // Negative codes read naturally before the intervals (−2, −1, 0, 1, …); missing goes last.
                bins.Insert(isMissing ? bins.Count : bins.Count(b => b.IsSpecial && !b.IsMissing && b.Values is [< 0, ..]), new ScorecardBin
                {
                    Label = isMissing ? MissingLabel : $"= {special.Keys[0]} (code)",
                    Values = values,
                    IsMissing = isMissing,
                    IsSpecial = true,
                    Goods = special.Goods,
                    Bads = special.Bads,
                    Woe = 0,
                });
                continue;
            }
            // Too rare to estimate on its own: it joins the bin it resembles most, and says so in the label.
            var closest = bins.Select((b, i) => (i, gap: Math.Abs(BadRate(b) - special.BadRate))).MinBy(x => x.gap).i;
            var host = bins[closest];
            bins[closest] = host with
            {
                Label = $"{host.Label} + {(isMissing ? MissingLabel : special.Keys[0])}",
                Values = values is null ? host.Values : [.. host.Values ?? [], .. values],
                IsMissing = host.IsMissing || isMissing,
                Goods = host.Goods + special.Goods,
                Bads = host.Bads + special.Bads,
            };
        }
        if (!bins.Any(b => !b.IsSpecial) && !bins.Any(b => b.IsFallback))
        {
            // Only coded bins: a value never seen in training scores like the most common code.
            var largest = bins.IndexOf(bins.MaxBy(b => b.Goods + b.Bads)!);
            bins[largest] = bins[largest] with { IsFallback = true };
        }
        return (bins, specials.Count > 0 ? $"{shape}; special codes/missing apart" : shape);
    }

    private static double BadRate(ScorecardBin bin) => bin.Goods + bin.Bads == 0 ? 0 : (double)bin.Bads / (bin.Goods + bin.Bads);

    private static string Key(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static int CountDistinct(List<(double Value, int Bad)> sorted)
    {
        var distinct = sorted.Count > 0 ? 1 : 0;
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Value != sorted[i - 1].Value)
            {
                distinct++;
            }
        }
        return distinct;
    }

    private static List<Interval> OrdinalIntervals(List<(double Value, int Bad)> points, int distinct, BinningOptions options, double minCount, double critical, out string shape)
    {
        var fine = FineClasses(points, distinct, options.FineBins);
        while (fine.Count > 1 && fine.FindIndex(i => i.Count < minCount) is var small && small >= 0)
        {
            MergeWithMostSimilarNeighbour(fine, small);
        }
        if (!options.Monotone || fine.Count <= 2)
        {
            var merged = ChiMerge(fine, critical, options.MaxBins);
            shape = merged.Count <= 1 ? "single bin" : IsMonotone(merged, increasing: true) ? "monotone increasing" : IsMonotone(merged, increasing: false) ? "monotone decreasing" : "unconstrained";
            return merged;
        }
        var goods = points.Count(p => p.Bad == 0);
        var bads = points.Count - goods;
        double Iv(List<Interval> x) => InformationValue(x.Select(i => (i.Goods, i.Bads)), goods, bads, options.Smoothing);

        var up = ChiMerge(EnforceMonotone(fine, increasing: true), critical, options.MaxBins);
        var down = ChiMerge(EnforceMonotone(fine, increasing: false), critical, options.MaxBins);
        var best = Iv(up) >= Iv(down) ? up : down;
        shape = best.Count <= 1 ? "single bin" : ReferenceEquals(best, up) ? "monotone increasing" : "monotone decreasing";
        if (!options.AllowSinglePeak)
        {
            return best;
        }
        var monotoneIv = Iv(best);
        List<Interval>? peaked = null;
        var peakedIv = 0.0;
        var peakedShape = "";
        for (var split = 1; split < fine.Count - 1; split++)
        {
            foreach (var peak in new[] { true, false })
            {
                var left = EnforceMonotone(fine[..split], increasing: peak);
                var right = EnforceMonotone(fine[split..], increasing: !peak);
                var candidate = ChiMerge([.. left, .. right], critical, options.MaxBins);
                if (candidate.Count < 3 || IsMonotone(candidate, true) || IsMonotone(candidate, false))
                {
                    continue;
                }
                var iv = Iv(candidate);
                if (iv > peakedIv)
                {
                    (peaked, peakedIv, peakedShape) = (candidate, iv, peak ? "single-peaked" : "single-valley");
                }
            }
        }
        if (peaked is not null && peakedIv > (1 + options.SinglePeakMinGain) * monotoneIv)
        {
            shape = peakedShape;
            return peaked;
        }
        return best;
    }

    private static List<Interval> FineClasses(List<(double Value, int Bad)> points, int distinct, int fineBins)
    {
        var uppers = new List<double>();
        if (distinct <= fineBins)
        {
            for (var i = 1; i < points.Count; i++)
            {
                if (points[i].Value != points[i - 1].Value)
                {
                    uppers.Add(points[i].Value);
                }
            }
        }
        else
        {
            var cuts = new SortedSet<double>();
            for (var k = 1; k < fineBins; k++)
            {
                var cut = points[k * points.Count / fineBins].Value;
                if (cut > points[0].Value)
                {
                    cuts.Add(cut);
                }
            }
            uppers.AddRange(cuts);
        }
        uppers.Add(double.PositiveInfinity);
        var intervals = new List<Interval>(uppers.Count);
        var p = 0;
        foreach (var upper in uppers)
        {
            int goods = 0, bads = 0;
            for (; p < points.Count && points[p].Value < upper; p++)
            {
                bads += points[p].Bad;
                goods += 1 - points[p].Bad;
            }
            if (goods + bads > 0)
            {
                intervals.Add(new Interval(upper, goods, bads));
            }
            else if (intervals.Count > 0)
            {
                intervals[^1] = intervals[^1] with { Upper = upper };
            }
        }
        return intervals;
    }

    /// <summary>Pearson χ² of the 2 × 2 table (goods, bads) × (a, b); small when the two bad rates are alike.</summary>
    private static double ChiSquare(int goodsA, int badsA, int goodsB, int badsB)
    {
        double n = goodsA + badsA + goodsB + badsB;
        if (n == 0)
        {
            return 0;
        }
        double rowA = goodsA + badsA, rowB = goodsB + badsB, colGood = goodsA + goodsB, colBad = badsA + badsB;
        static double Term(double observed, double expected) => expected <= 0 ? 0 : (observed - expected) * (observed - expected) / expected;
        return Term(goodsA, rowA * colGood / n) + Term(badsA, rowA * colBad / n) + Term(goodsB, rowB * colGood / n) + Term(badsB, rowB * colBad / n);
    }

    private static double ChiSquare(Interval a, Interval b) => ChiSquare(a.Goods, a.Bads, b.Goods, b.Bads);

    /// <summary>Merges the most alike neighbours until all differ significantly and at most <paramref name="maxBins"/> remain.</summary>
    private static List<Interval> ChiMerge(List<Interval> intervals, double critical, int maxBins)
    {
        var result = new List<Interval>(intervals);
        while (result.Count > 1)
        {
            var (index, chi) = Enumerable.Range(0, result.Count - 1).Select(i => (i, chi: ChiSquare(result[i], result[i + 1]))).MinBy(x => x.chi);
            if (chi >= critical && result.Count <= maxBins)
            {
                break;
            }
            Merge(result, index);
        }
        return result;
    }

    /// <summary>While the bad rate turns against the trend somewhere, merges the least different pair that does so.</summary>
    private static List<Interval> EnforceMonotone(List<Interval> intervals, bool increasing)
    {
        var result = new List<Interval>(intervals);
        while (result.Count > 1)
        {
            var violations = Enumerable.Range(0, result.Count - 1)
                .Where(i => increasing ? result[i + 1].BadRate < result[i].BadRate : result[i + 1].BadRate > result[i].BadRate)
                .ToList();
            if (violations.Count == 0)
            {
                break;
            }
            Merge(result, violations.MinBy(i => ChiSquare(result[i], result[i + 1])));
        }
        return result;
    }

    private static bool IsMonotone(List<Interval> intervals, bool increasing) =>
        Enumerable.Range(0, intervals.Count - 1).All(i => increasing ? intervals[i + 1].BadRate >= intervals[i].BadRate : intervals[i + 1].BadRate <= intervals[i].BadRate);

    private static void MergeWithMostSimilarNeighbour(List<Interval> intervals, int index)
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
            var left = ChiSquare(intervals[index - 1], intervals[index]);
            var right = ChiSquare(intervals[index], intervals[index + 1]);
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

    private static double InformationValue(IEnumerable<(int Goods, int Bads)> bins, int goods, int bads, double smoothing)
    {
        var list = bins.ToList();
        return list.Sum(b =>
        {
            var g = Share(b.Goods, goods, list.Count, smoothing);
            var d = Share(b.Bads, bads, list.Count, smoothing);
            return (g - d) * Math.Log(g / d);
        });
    }

    /// <param name="lowest">Shown as the first interval's lower end when values below it are codes with bins of their own.</param>
    private static List<ScorecardBin> IntervalBins(List<Interval> intervals, double lowest, bool integer)
    {
        var lower = lowest;
        var bins = new List<ScorecardBin>();
        foreach (var interval in intervals)
        {
            bins.Add(new ScorecardBin
            {
                Label = integer && interval.Upper - lower == 1 ? $"= {Format(lower)}" : Label(lower, interval.Upper),
                UpperBound = double.IsPositiveInfinity(interval.Upper) ? null : interval.Upper,
                Goods = interval.Goods,
                Bads = interval.Bads,
                Woe = 0,
            });
            lower = interval.Upper;
        }
        return bins;
    }

    private static List<ScorecardBin> CodeBins(List<Group> groups)
    {
        var bins = groups.Select(g => new ScorecardBin
        {
            Label = "= " + string.Join(", ", g.Keys),
            Values = g.Keys.Select(k => double.Parse(k, CultureInfo.InvariantCulture)).ToArray(),
            IsSpecial = true,
            Goods = g.Goods,
            Bads = g.Bads,
            Woe = 0,
        }).ToList();
        var largest = bins.IndexOf(bins.MaxBy(b => b.Goods + b.Bads)!);
        bins[largest] = bins[largest] with { IsFallback = true };
        return bins;
    }

    /// <summary>
    /// Unordered codes: rare ones pooled, the rest ordered by bad rate and chi-merged, so codes end up grouped
    /// only with codes of a similar risk.
    /// </summary>
    private static List<Group> NominalGroups(List<Group> codes, double minCount, double critical, int maxBins)
    {
        var groups = codes.OrderBy(g => g.BadRate).ThenBy(g => g.Keys[0], StringComparer.Ordinal).ToList();
        static Group Join(Group a, Group b) => new([.. a.Keys, .. b.Keys], a.Goods + b.Goods, a.Bads + b.Bads);
        while (groups.Count > 1 && groups.FindIndex(g => g.Count < minCount) is var small && small >= 0)
        {
            var partner = small == 0 ? 1 : small == groups.Count - 1 ? small - 1
                : ChiSquare(groups[small - 1].Goods, groups[small - 1].Bads, groups[small].Goods, groups[small].Bads)
                  <= ChiSquare(groups[small].Goods, groups[small].Bads, groups[small + 1].Goods, groups[small + 1].Bads) ? small - 1 : small + 1;
            var (first, second) = (Math.Min(small, partner), Math.Max(small, partner));
            groups[first] = Join(groups[first], groups[second]);
            groups.RemoveAt(second);
            groups = [.. groups.OrderBy(g => g.BadRate)];
        }
        while (groups.Count > 1)
        {
            var (index, chi) = Enumerable.Range(0, groups.Count - 1)
                .Select(i => (i, chi: ChiSquare(groups[i].Goods, groups[i].Bads, groups[i + 1].Goods, groups[i + 1].Bads))).MinBy(x => x.chi);
            if (chi >= critical && groups.Count <= maxBins)
            {
                break;
            }
            groups[index] = Join(groups[index], groups[index + 1]);
            groups.RemoveAt(index + 1);
        }
        return groups;
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
        var critical = options.CategoryMergeSignificance > 0 ? ChiSquared.InvCDF(1, 1 - options.CategoryMergeSignificance) : 0;
        var frequent = counts.Where(kv => kv.Value.Goods + kv.Value.Bads >= minCount)
            .Select(kv => new Group([kv.Key], kv.Value.Goods, kv.Value.Bads)).ToList();
        var rare = counts.Where(kv => kv.Value.Goods + kv.Value.Bads < minCount).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var grouped = frequent.Count > 0 ? NominalGroups(frequent, 0, critical, int.MaxValue) : [];
        var bins = grouped
            .Select(g => g.Keys.Order(StringComparer.Ordinal).ToArray())
            .Zip(grouped, (keys, g) => new ScorecardBin { Label = string.Join(", ", keys), Categories = keys, Goods = g.Goods, Bads = g.Bads, Woe = 0 })
            .OrderBy(b => b.Label, StringComparer.Ordinal)
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
