namespace RuralLoans.Ocr.Extraction;

/// <summary>
/// A stretch of a line with no wide gap in it: one table cell, one column's "label：value", or part of one. Text is
/// normalised; every character keeps the confidence of the word it came from.
/// </summary>
internal sealed class Segment
{
    /// <summary>A gap wider than this many line heights separates cells and columns rather than characters.</summary>
    private const double CellGap = 1.2;

    private readonly double[] characterConfidences;

    private Segment(string text, double[] characterConfidences, BoundingBox box)
    {
        Text = text;
        this.characterConfidences = characterConfidences;
        Box = box;
    }

    public string Text { get; }

    public BoundingBox Box { get; }

    public double Confidence => characterConfidences.Length == 0 ? 0 : characterConfidences.Average();

    /// <summary>The least confident character's confidence: one doubtful character makes a name wrong.</summary>
    public double MinConfidence
    {
        get
        {
            // Punctuation (the colon after a label) is not part of the value.
            var values = characterConfidences.Where((_, i) => char.IsLetterOrDigit(Text[i])).ToList();
            return values.Count == 0 ? Confidence : values.Min();
        }
    }

    public static IEnumerable<Segment> FromLine(OcrLine line)
    {
        var words = line.Words.OrderBy(w => w.Box.Left).ToList();
        if (words.Count == 0)
        {
            yield break;
        }
        var heights = words.Select(w => w.Box.Height).Order().ToList();
        var lineHeight = heights[heights.Count / 2];
        var run = new List<OcrWord> { words[0] };
        foreach (var word in words.Skip(1))
        {
            if (word.Box.Left - run[^1].Box.Right > CellGap * lineHeight)
            {
                if (FromWords(run) is { } segment)
                {
                    yield return segment;
                }
                run = [];
            }
            run.Add(word);
        }
        if (FromWords(run) is { } last)
        {
            yield return last;
        }
    }

    /// <summary>The characters from <paramref name="start"/> on (or up to <paramref name="length"/>), with a box estimated in proportion.</summary>
    public Segment Slice(int start, int? length = null)
    {
        var count = length ?? (Text.Length - start);
        var perCharacter = Text.Length == 0 ? 0 : Box.Width / Text.Length;
        var box = new BoundingBox(Box.Left + (start * perCharacter), Box.Top, count * perCharacter, Box.Height);
        return new Segment(Text.Substring(start, count), characterConfidences[start..(start + count)], box);
    }

    private static Segment? FromWords(List<OcrWord> words)
    {
        var text = new System.Text.StringBuilder();
        var confidences = new List<double>();
        foreach (var word in words)
        {
            var normalized = TextNormalizer.Normalize(word.Text);
            text.Append(normalized);
            confidences.AddRange(Enumerable.Repeat(word.Confidence, normalized.Length));
        }
        return text.Length == 0 ? null : new Segment(text.ToString(), [.. confidences], BoundingBox.Union(words.Select(w => w.Box)));
    }
}
