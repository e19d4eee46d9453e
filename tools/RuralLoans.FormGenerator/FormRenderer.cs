using SkiaSharp;

namespace RuralLoans.FormGenerator;

public enum FormLayout
{
    /// <summary>One "label：value" per line.</summary>
    LabelValueLines,

    /// <summary>A ruled grid with four cells per row: label | value | label | value.</summary>
    RuledTable,

    /// <summary>Two columns of "label：value".</summary>
    TwoColumns,

    /// <summary>A ruled grid with two cells per row: label | value.</summary>
    RuledTableTwoCells,

    /// <summary>Boxes of three per row, each with a small label and the value on the line below it.</summary>
    LabelAboveValue,

    /// <summary>
    /// "label ____value____ unit": no colon, the value written on a rule, a unit (元, 亩, 个月) printed after the blank.
    /// </summary>
    UnderlinedBlanks,

    /// <summary>A ruled grid with six cells per row, the label cells shaded: label | value three times.</summary>
    ShadedTableSixCells,
}

/// <summary>A paper size in points (1/72 inch).</summary>
public sealed record PaperSize(string Name, float Width, float Height)
{
    public static PaperSize A4 { get; } = new("A4", 595, 842);

    public static PaperSize B5 { get; } = new("B5", 499, 709);

    public static PaperSize A5 { get; } = new("A5", 420, 595);

    public static PaperSize Letter { get; } = new("Letter", 612, 792);

    public static IReadOnlyList<PaperSize> All { get; } = [A4, B5, A5, Letter];
}

/// <summary>
/// Draws a loan application form onto any Skia canvas (raster or PDF). Layouts are laid out on an A4 grid of points and
/// scaled to the paper, as a partner's template printed on its own paper would be.
/// </summary>
public sealed class FormRenderer(SKTypeface typeface)
{
    public const float PageWidth = 595;
    public const float PageHeight = 842;
    private const string DefaultTitle = "农户小额信用贷款申请表";

    /// <summary>Draws on an A4 canvas (the original template's size).</summary>
    public void Draw(SKCanvas canvas, FormValues values, FormLayout layout, bool asciiColon) => Draw(canvas, values, layout, asciiColon, PaperSize.A4);

    public void Draw(SKCanvas canvas, FormValues values, FormLayout layout, bool asciiColon, PaperSize paper)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(paper);
        var scale = Math.Min(paper.Width / PageWidth, paper.Height / PageHeight);
        canvas.Save();
        canvas.Translate((paper.Width - (PageWidth * scale)) / 2, 0);
        canvas.Scale(scale);
        using var ink = new SKPaint { Color = new SKColor(20, 20, 20), IsAntialias = true };
        using var titleFont = new SKFont(typeface, 21) { Edging = SKFontEdging.Antialias };
        canvas.DrawText(values.Title ?? DefaultTitle, PageWidth / 2, 72, SKTextAlign.Center, titleFont, ink);
        var colon = asciiColon ? ":" : "：";
        var size = values.FontScale;
        var top = 110f;
        if (values.Header.Count > 0)
        {
            // Metadata printed in the header, as many partners print the form number, code and date.
            using var headerFont = new SKFont(typeface, 11 * size) { Edging = SKFontEdging.Antialias };
            for (var i = 0; i < values.Header.Count; i++)
            {
                var (label, printed) = values.Header[i];
                var x = i == 0 ? 40f : (i == values.Header.Count - 1 ? 360f : 200f);
                canvas.DrawText(label + colon + printed, x, 100, SKTextAlign.Left, headerFont, ink);
            }
            top = 125f;
        }
        var items = values.Body.ToList();
        var bottom = layout switch
        {
            FormLayout.LabelValueLines => DrawLines(canvas, items, colon, ink, top, size),
            FormLayout.RuledTable => DrawTable(canvas, items, ink, top, size, [30, 124, 298, 392, 568]),
            FormLayout.RuledTableTwoCells => DrawTable(canvas, items, ink, top, size, [40, 190, 555]),
            FormLayout.TwoColumns => DrawColumns(canvas, items, colon, ink, top, size),
            FormLayout.LabelAboveValue => DrawBoxes(canvas, items, ink, top, size),
            FormLayout.UnderlinedBlanks => DrawBlanks(canvas, items, ink, top, size),
            FormLayout.ShadedTableSixCells => DrawShadedTable(canvas, items, ink, top, size),
            _ => throw new ArgumentOutOfRangeException(nameof(layout)),
        };
        using var small = new SKFont(typeface, 12) { Edging = SKFontEdging.Antialias };
        canvas.DrawText($"申请人签字{colon}", 60, Math.Min(bottom + 50, 820), SKTextAlign.Left, small, ink);
        canvas.DrawText($"经办人{colon}", 340, Math.Min(bottom + 50, 820), SKTextAlign.Left, small, ink);
        canvas.Restore();
    }

    private float DrawLines(SKCanvas canvas, List<(string Label, string Printed)> items, string colon, SKPaint ink, float top, float size)
    {
        using var font = new SKFont(typeface, 14 * size) { Edging = SKFontEdging.Antialias };
        var pitch = Math.Min(38f, (800 - top) / Math.Max(1, items.Count));
        var y = top + 20;
        foreach (var (label, printed) in items)
        {
            canvas.DrawText(label + colon + printed, 64, y, SKTextAlign.Left, font, ink);
            y += pitch;
        }
        return y;
    }

    private float DrawColumns(SKCanvas canvas, List<(string Label, string Printed)> items, string colon, SKPaint ink, float top, float size)
    {
        using var font = new SKFont(typeface, 13 * size) { Edging = SKFontEdging.Antialias };
        var rows = Rows(items, 2);
        var pitch = Math.Min(46f, (800 - top) / Math.Max(1, rows.Count));
        var y = top + 25;
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count; i++)
            {
                canvas.DrawText(row[i].Label + colon + row[i].Printed, i == 0 ? 44 : 318, y, SKTextAlign.Left, font, ink);
            }
            y += pitch;
        }
        return y;
    }

    private float DrawTable(SKCanvas canvas, List<(string Label, string Printed)> items, SKPaint ink, float top, float size, float[] columns)
    {
        using var font = new SKFont(typeface, 12.5f * size) { Edging = SKFontEdging.Antialias };
        using var rule = new SKPaint { Color = new SKColor(30, 30, 30), StrokeWidth = 1.2f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        var pairsPerRow = (columns.Length - 1) / 2;
        var rows = Rows(items, pairsPerRow);
        var rowHeight = Math.Min(40f, (790 - top) / Math.Max(1, rows.Count));
        for (var r = 0; r < rows.Count; r++)
        {
            var rowTop = top + (r * rowHeight);
            var baseline = rowTop + (rowHeight / 2) + 4.5f;
            canvas.DrawLine(columns[0], rowTop, columns[^1], rowTop, rule);
            canvas.DrawLine(columns[0], rowTop, columns[0], rowTop + rowHeight, rule);
            canvas.DrawLine(columns[^1], rowTop, columns[^1], rowTop + rowHeight, rule);
            for (var half = 0; half < rows[r].Count; half++)
            {
                var (label, printed) = rows[r][half];
                canvas.DrawText(label, columns[half * 2] + 6, baseline, SKTextAlign.Left, font, ink);
                canvas.DrawText(printed, columns[(half * 2) + 1] + 8, baseline, SKTextAlign.Left, font, ink);
                canvas.DrawLine(columns[half * 2], rowTop, columns[half * 2], rowTop + rowHeight, rule);
                canvas.DrawLine(columns[(half * 2) + 1], rowTop, columns[(half * 2) + 1], rowTop + rowHeight, rule);
            }
        }
        var bottom = top + (rows.Count * rowHeight);
        canvas.DrawLine(columns[0], bottom, columns[^1], bottom, rule);
        return bottom;
    }

    private float DrawBoxes(SKCanvas canvas, List<(string Label, string Printed)> items, SKPaint ink, float top, float size)
    {
        using var labelFont = new SKFont(typeface, 10.5f * size) { Edging = SKFontEdging.Antialias };
        using var valueFont = new SKFont(typeface, 13 * size) { Edging = SKFontEdging.Antialias };
        using var rule = new SKPaint { Color = new SKColor(60, 60, 60), StrokeWidth = 0.8f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        float[] lefts = [40, 215, 390];
        var rows = Rows(items, 3, wideLimit: 11);
        var rowHeight = Math.Min(52f, (790 - top) / Math.Max(1, rows.Count));
        for (var r = 0; r < rows.Count; r++)
        {
            var rowTop = top + (r * rowHeight);
            for (var i = 0; i < rows[r].Count; i++)
            {
                var (label, printed) = rows[r][i];
                canvas.DrawText(label, lefts[i] + 4, rowTop + 14, SKTextAlign.Left, labelFont, ink);
                canvas.DrawText(printed, lefts[i] + 4, rowTop + 36, SKTextAlign.Left, valueFont, ink);
                // The line the value is written on.
                var right = rows[r].Count == 1 ? 560 : lefts[i] + 160;
                canvas.DrawLine(lefts[i], rowTop + rowHeight - 8, right, rowTop + rowHeight - 8, rule);
            }
        }
        return top + (rows.Count * rowHeight);
    }

    private float DrawBlanks(SKCanvas canvas, List<(string Label, string Printed)> items, SKPaint ink, float top, float size)
    {
        using var font = new SKFont(typeface, 13.5f * size) { Edging = SKFontEdging.Antialias };
        using var rule = new SKPaint { Color = new SKColor(40, 40, 40), StrokeWidth = 0.9f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        const float Left = 48, Right = 552, Half = 300;
        // Two blanks share a line when both fit in half the width; a long value gets the whole line.
        var rows = new List<List<(string Label, string Value, string Unit)>>();
        var lastFitsHalf = false;
        foreach (var (label, printed) in items)
        {
            var (value, unit) = SplitUnit(printed);
            var fitsHalf = font.MeasureText(label) + font.MeasureText(value) + font.MeasureText(unit) + 60 <= Half - Left - 10;
            if (fitsHalf && lastFitsHalf && rows[^1].Count == 1)
            {
                rows[^1].Add((label, value, unit));
                lastFitsHalf = false;
            }
            else
            {
                rows.Add([(label, value, unit)]);
                lastFitsHalf = fitsHalf;
            }
        }
        var pitch = Math.Min(40f, (800 - top) / Math.Max(1, rows.Count));
        var y = top + 22;
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count; i++)
            {
                var (label, value, unit) = row[i];
                var x = i == 0 ? Left : Half + 10;
                var end = row.Count == 1 ? Right : (i == 0 ? Half - 10 : Right);
                canvas.DrawText(label, x, y, SKTextAlign.Left, font, ink);
                var blankStart = x + font.MeasureText(label) + 6;
                var blankEnd = end - (unit.Length > 0 ? font.MeasureText(unit) + 6 : 0);
                canvas.DrawLine(blankStart, y + 4, blankEnd, y + 4, rule);
                // Written in the middle of the blank, as a clerk fills it in.
                canvas.DrawText(value, (blankStart + blankEnd) / 2, y, SKTextAlign.Center, font, ink);
                if (unit.Length > 0)
                {
                    canvas.DrawText(unit, blankEnd + 6, y, SKTextAlign.Left, font, ink);
                }
            }
            y += pitch;
        }
        return y;
    }

    /// <summary>A unit at the end of a figure (12个月, 3.5万元, 4人) is printed after the blank, the figure on it.</summary>
    private static (string Value, string Unit) SplitUnit(string printed)
    {
        foreach (var unit in (string[])["万元", "个月", "口人", "元", "亩", "人", "年"])
        {
            if (printed.Length > unit.Length && printed.EndsWith(unit, StringComparison.Ordinal) && char.IsAsciiDigit(printed[^(unit.Length + 1)]))
            {
                return (printed[..^unit.Length], unit);
            }
        }
        return (printed, string.Empty);
    }

    private float DrawShadedTable(SKCanvas canvas, List<(string Label, string Printed)> items, SKPaint ink, float top, float size)
    {
        using var font = new SKFont(typeface, 11f * size) { Edging = SKFontEdging.Antialias };
        using var rule = new SKPaint { Color = new SKColor(30, 30, 30), StrokeWidth = 1f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        using var shade = new SKPaint { Color = new SKColor(228, 228, 228), Style = SKPaintStyle.Fill };
        float[] columns = [24, 110, 212, 298, 400, 486, 572];
        // An item too wide for its cells takes a row of its own, its value running to the right edge.
        var rows = Rows(items, 3, item => font.MeasureText(item.Label) > columns[1] - columns[0] - 6 || font.MeasureText(item.Printed) > columns[2] - columns[1] - 8);
        var rowHeight = Math.Min(34f, (790 - top) / Math.Max(1, rows.Count));
        for (var r = 0; r < rows.Count; r++)
        {
            var rowTop = top + (r * rowHeight);
            var baseline = rowTop + (rowHeight / 2) + 4;
            var single = rows[r].Count == 1 && font.MeasureText(rows[r][0].Printed) > columns[2] - columns[1] - 8;
            for (var i = 0; i < rows[r].Count; i++)
            {
                var (label, printed) = rows[r][i];
                var labelWidth = Math.Max(columns[1] - columns[0], font.MeasureText(label) + 12);
                var labelLeft = columns[i * 2];
                canvas.DrawRect(labelLeft, rowTop, labelWidth, rowHeight, shade);
                canvas.DrawText(label, labelLeft + 5, baseline, SKTextAlign.Left, font, ink);
                canvas.DrawText(printed, labelLeft + labelWidth + 7, baseline, SKTextAlign.Left, font, ink);
                canvas.DrawLine(labelLeft + labelWidth, rowTop, labelLeft + labelWidth, rowTop + rowHeight, rule);
                if (!single && rows[r].Count > 1)
                {
                    canvas.DrawLine(columns[(i * 2) + 2], rowTop, columns[(i * 2) + 2], rowTop + rowHeight, rule);
                }
            }
            canvas.DrawRect(columns[0], rowTop, columns[^1] - columns[0], rowHeight, rule);
        }
        return top + (rows.Count * rowHeight);
    }

    /// <summary>Groups items into rows of <paramref name="perRow"/>; items longer than <paramref name="wideLimit"/> characters take a row of their own.</summary>
    private static List<List<(string Label, string Printed)>> Rows(List<(string Label, string Printed)> items, int perRow, int wideLimit = 17) =>
        Rows(items, perRow, item => perRow > 1 && item.Label.Length + item.Printed.Length > wideLimit);

    /// <summary>Groups items into rows of <paramref name="perRow"/>; items <paramref name="isWide"/> says are too wide take a row of their own.</summary>
    private static List<List<(string Label, string Printed)>> Rows(List<(string Label, string Printed)> items, int perRow, Func<(string Label, string Printed), bool> isWide)
    {
        var rows = new List<List<(string, string)>>();
        var current = new List<(string, string)>();
        foreach (var item in items)
        {
            var wide = isWide(item);
            if (wide || current.Count == perRow)
            {
                if (current.Count > 0)
                {
                    rows.Add(current);
                }
                current = [];
            }
            current.Add(item);
            if (wide)
            {
                rows.Add(current);
                current = [];
            }
        }
        if (current.Count > 0)
        {
            rows.Add(current);
        }
        return rows;
    }
}
