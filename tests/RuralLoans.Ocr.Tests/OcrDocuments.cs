namespace RuralLoans.Ocr.Tests;

/// <summary>Builds recognised documents by hand, laid out the way engines report real forms.</summary>
internal static class OcrDocuments
{
    private const double CharacterWidth = 30;
    private const double LineHeight = 30;

    /// <summary>Each row is a list of (x position, text) cells; every character becomes its own word, as chi_sim reports them.</summary>
    public static OcrDocument Page(params (double X, string Text)[][] rows)
    {
        var lines = rows.Select((cells, row) => new OcrLine(cells.SelectMany(cell => cell.Text.Select((c, i) =>
            new OcrWord(c.ToString(), new BoundingBox(cell.X + (i * CharacterWidth), 100 + (row * 60), CharacterWidth - 4, LineHeight), 0.93))).ToList()));
        return OcrDocument.FromPages([new OcrPage(1, 2000, 2800, lines.ToList())]);
    }

    public static OcrDocument Lines(params string[] lines) => Page(lines.Select(l => new[] { (100.0, l) }).ToArray());
}
