namespace RuralLoans.Ocr;

/// <summary>An axis-aligned rectangle in page units, origin at the top-left corner, y growing downwards.</summary>
public readonly record struct BoundingBox(double Left, double Top, double Width, double Height)
{
    public double Right => Left + Width;

    public double Bottom => Top + Height;

    public double CenterY => Top + (Height / 2);

    public static BoundingBox Union(IEnumerable<BoundingBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        double left = double.MaxValue, top = double.MaxValue, right = double.MinValue, bottom = double.MinValue;
        foreach (var box in boxes)
        {
            left = Math.Min(left, box.Left);
            top = Math.Min(top, box.Top);
            right = Math.Max(right, box.Right);
            bottom = Math.Max(bottom, box.Bottom);
        }
        return left > right ? default : new BoundingBox(left, top, right - left, bottom - top);
    }
}

/// <summary>A run of text the engine recognised as one unit, with its confidence in 0..1.</summary>
public sealed record OcrWord(string Text, BoundingBox Box, double Confidence);

/// <summary>A visual text line; <see cref="Words"/> keeps the gaps that separate columns and table cells.</summary>
public sealed record OcrLine(IReadOnlyList<OcrWord> Words)
{
    public BoundingBox Box => BoundingBox.Union(Words.Select(w => w.Box));

    /// <summary>The words joined as a reader would see them: a space only where the gap is wider than half the line height.</summary>
    public string Text
    {
        get
        {
            var builder = new System.Text.StringBuilder();
            var lineHeight = Words.Count == 0 ? 0 : Words.Max(w => w.Box.Height);
            for (var i = 0; i < Words.Count; i++)
            {
                if (i > 0 && Words[i].Box.Left - Words[i - 1].Box.Right > lineHeight / 2)
                {
                    builder.Append(' ');
                }
                builder.Append(Words[i].Text);
            }
            return builder.ToString();
        }
    }
}

public sealed record OcrPage(int PageNumber, double Width, double Height, IReadOnlyList<OcrLine> Lines);

/// <summary>A key/value pair an engine paired up itself (Document Intelligence does; Tesseract does not).</summary>
public sealed record OcrKeyValue(string Key, string Value, double Confidence);

/// <summary>Everything an engine recognised in one uploaded document.</summary>
public sealed record OcrDocument(IReadOnlyList<OcrPage> Pages, IReadOnlyList<OcrKeyValue> KeyValues)
{
    public static OcrDocument FromPages(IReadOnlyList<OcrPage> pages) => new(pages, []);
}
