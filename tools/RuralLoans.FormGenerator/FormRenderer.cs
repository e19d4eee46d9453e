using SkiaSharp;

namespace RuralLoans.FormGenerator;

public enum FormLayout
{
    /// <summary>One "label：value" per line.</summary>
    LabelValueLines,

    /// <summary>A ruled grid: label | value | label | value.</summary>
    RuledTable,

    /// <summary>Two columns of "label：value".</summary>
    TwoColumns,
}

/// <summary>Draws a loan application form onto any Skia canvas (raster or PDF) in A4 points.</summary>
public sealed class FormRenderer(SKTypeface typeface)
{
    public const float PageWidth = 595;
    public const float PageHeight = 842;
    private const string Title = "农户小额信用贷款申请表";

    public void Draw(SKCanvas canvas, FormValues values, FormLayout layout, bool asciiColon)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(values);
        using var ink = new SKPaint { Color = new SKColor(20, 20, 20), IsAntialias = true };
        using var titleFont = new SKFont(typeface, 21) { Edging = SKFontEdging.Antialias };
        canvas.DrawText(Title, PageWidth / 2, 72, SKTextAlign.Center, titleFont, ink);
        var colon = asciiColon ? ":" : "：";
        var bottom = layout switch
        {
            FormLayout.LabelValueLines => DrawLines(canvas, values, colon, ink),
            FormLayout.RuledTable => DrawTable(canvas, values, ink),
            FormLayout.TwoColumns => DrawColumns(canvas, values, colon, ink),
            _ => throw new ArgumentOutOfRangeException(nameof(layout)),
        };
        using var small = new SKFont(typeface, 12) { Edging = SKFontEdging.Antialias };
        canvas.DrawText($"申请人签字{colon}", 60, bottom + 60, SKTextAlign.Left, small, ink);
        canvas.DrawText($"经办人{colon}", 340, bottom + 60, SKTextAlign.Left, small, ink);
    }

    private float DrawLines(SKCanvas canvas, FormValues values, string colon, SKPaint ink)
    {
        using var font = new SKFont(typeface, 14) { Edging = SKFontEdging.Antialias };
        var y = 130f;
        foreach (var (_, field) in values.Fields)
        {
            canvas.DrawText(field.Label + colon + field.Printed, 64, y, SKTextAlign.Left, font, ink);
            y += 38;
        }
        return y;
    }

    private float DrawColumns(SKCanvas canvas, FormValues values, string colon, SKPaint ink)
    {
        using var font = new SKFont(typeface, 13) { Edging = SKFontEdging.Antialias };
        var y = 135f;
        var fields = values.Fields.Select(f => f.Value).ToList();
        for (var i = 0; i < fields.Count; i += 2)
        {
            canvas.DrawText(fields[i].Label + colon + fields[i].Printed, 44, y, SKTextAlign.Left, font, ink);
            if (i + 1 < fields.Count)
            {
                canvas.DrawText(fields[i + 1].Label + colon + fields[i + 1].Printed, 318, y, SKTextAlign.Left, font, ink);
            }
            y += 46;
        }
        return y;
    }

    private float DrawTable(SKCanvas canvas, FormValues values, SKPaint ink)
    {
        using var font = new SKFont(typeface, 12.5f) { Edging = SKFontEdging.Antialias };
        using var rule = new SKPaint { Color = new SKColor(30, 30, 30), StrokeWidth = 1.2f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        float[] columns = [30, 124, 298, 392, 568];
        const float RowHeight = 40;
        var top = 110f;
        var fields = values.Fields.Select(f => f.Value).ToList();
        var rows = (fields.Count + 1) / 2;
        for (var row = 0; row < rows; row++)
        {
            var rowTop = top + (row * RowHeight);
            var baseline = rowTop + (RowHeight / 2) + 4.5f;
            for (var half = 0; half < 2; half++)
            {
                var index = (row * 2) + half;
                if (index >= fields.Count)
                {
                    break;
                }
                var labelX = columns[half * 2] + 6;
                var valueX = columns[(half * 2) + 1] + 8;
                canvas.DrawText(fields[index].Label, labelX, baseline, SKTextAlign.Left, font, ink);
                canvas.DrawText(fields[index].Printed, valueX, baseline, SKTextAlign.Left, font, ink);
            }
        }
        var bottom = top + (rows * RowHeight);
        for (var row = 0; row <= rows; row++)
        {
            var y = top + (row * RowHeight);
            canvas.DrawLine(columns[0], y, columns[^1], y, rule);
        }
        foreach (var x in columns)
        {
            var lastRowHasRight = fields.Count % 2 == 0;
            var lineBottom = !lastRowHasRight && x > columns[2] && x < columns[^1] ? bottom - RowHeight : bottom;
            canvas.DrawLine(x, top, x, lineBottom, rule);
        }
        return bottom;
    }
}
