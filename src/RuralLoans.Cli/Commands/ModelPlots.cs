using System.Globalization;
using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;
using RuralLoans.Scoring.Challenger;
using ScottPlot;

namespace RuralLoans.Cli.Commands;

/// <summary>PNG pictures for model reports: coarse classes per variable, ROC curves, reliability diagrams.</summary>
internal static class ModelPlots
{
    private const int Width = 900;
    private const int Height = 600;

    /// <summary>One bar per bin (WOE), labelled with rows and bad rate; the title gives IV and the trend chosen.</summary>
    public static string CoarseClasses(ScorecardFeature feature, string directory)
    {
        var plot = new Plot();
        var total = feature.Bins.Sum(b => b.Goods + b.Bads);
        var bars = feature.Bins.Select((b, i) => new Bar
        {
            Position = i,
            Value = b.Woe,
            FillColor = b.Woe >= 0 ? Colors.SeaGreen : Colors.IndianRed,
        }).ToList();
        plot.Add.Bars(bars);
        for (var i = 0; i < feature.Bins.Count; i++)
        {
            var b = feature.Bins[i];
            var n = b.Goods + b.Bads;
            var text = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"n={n} ({(double)n / Math.Max(1, total):P0})\nbad {(double)b.Bads / Math.Max(1, n):P1}"), i, b.Woe);
            text.LabelFontSize = 11;
            text.LabelAlignment = b.Woe >= 0 ? Alignment.LowerCenter : Alignment.UpperCenter;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, feature.Bins.Count).Select(i => (double)i).ToArray(),
            feature.Bins.Select(b => b.Label.Length > 22 ? b.Label[..21] + "…" : b.Label).ToArray());
        plot.Axes.Margins(0.08, 0.25);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{feature.Name}: IV {feature.InformationValue:0.000}, {feature.Shape}"));
        plot.YLabel("WOE = ln(% goods / % bads)   (positive = safer)");
        var path = Path.Combine(directory, $"bins-{Safe(feature.Name)}.png");
        plot.SavePng(path, Width, Height);
        return path;
    }

    public static string Roc(ComparisonResult result, string directory)
    {
        var plot = new Plot();
        foreach (var model in result.Models)
        {
            var roc = Calibration.Roc(model.OutOfFold, result.Targets);
            var line = plot.Add.ScatterLine(roc.Select(p => p.Fpr).ToArray(), roc.Select(p => p.Tpr).ToArray());
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{model.Name}: pooled AUC {model.PooledAuc:0.000}");
            line.LineWidth = 2;
        }
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title($"ROC, out-of-fold ({result.Dataset}, {result.Folds}-fold, last of {result.Repeats} repeats)");
        plot.XLabel("share of goods declined (false positive rate)");
        plot.YLabel("share of bads declined (true positive rate)");
        plot.ShowLegend(Alignment.LowerRight);
        var path = Path.Combine(directory, "roc.png");
        plot.SavePng(path, Width, Height);
        return path;
    }

    public static string Reliability(ComparisonResult result, string directory)
    {
        var plot = new Plot();
        var max = 0.0;
        foreach (var model in result.Models)
        {
            var bins = Calibration.Reliability(model.OutOfFold, result.Targets, 10);
            var line = plot.Add.Scatter(bins.Select(b => b.MeanPredicted).ToArray(), bins.Select(b => b.ObservedRate).ToArray());
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{model.Name}: Brier {model.Brier:0.0000}");
            line.MarkerSize = 7;
            line.LineWidth = 2;
            max = Math.Max(max, Math.Max(bins.Max(b => b.MeanPredicted), bins.Max(b => b.ObservedRate)));
        }
        max = Math.Min(1, max * 1.05);
        var diagonal = plot.Add.Line(0, 0, max, max);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        plot.Axes.SetLimits(0, max, 0, max);
        plot.Title($"Reliability: predicted PD against observed bad rate, deciles ({result.Dataset})");
        plot.XLabel("mean predicted probability of default");
        plot.YLabel("observed bad rate");
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "reliability.png");
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string Safe(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_'));
}
