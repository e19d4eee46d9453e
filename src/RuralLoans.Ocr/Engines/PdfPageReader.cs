using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;

namespace RuralLoans.Ocr.Engines;

/// <summary>One PDF page: either its text layer, rebuilt into lines, or its largest embedded image for OCR.</summary>
public abstract record PdfPageContent(int PageNumber)
{
    public sealed record Text(OcrPage Page) : PdfPageContent(Page.PageNumber);

    public sealed record ScannedImage(int Number, byte[] EncodedImage) : PdfPageContent(Number);

    public sealed record Empty(int Number) : PdfPageContent(Number);
}

/// <summary>
/// Reads PDFs with PdfPig. <c>page.Text</c> runs table cells and columns together, so lines are rebuilt from letter
/// positions: letters sharing a baseline form a line, and a horizontal gap wider than a third of the font size starts
/// a new word, which keeps table cells and columns apart.
/// </summary>
public static class PdfPageReader
{
    public static IReadOnlyList<PdfPageContent> Read(ReadOnlyMemory<byte> pdf) => Read(pdf, CancellationToken.None);

    /// <summary>
    /// Stops between pages and within the line rebuilding once <paramref name="cancellationToken"/> fires; a single
    /// PdfPig call (opening the file, one page's content) cannot be interrupted, see <see cref="ReadAsync"/>.
    /// </summary>
    public static IReadOnlyList<PdfPageContent> Read(ReadOnlyMemory<byte> pdf, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PdfDocument document;
        try
        {
            document = PdfDocument.Open(pdf.ToArray());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new OcrException($"The PDF could not be read: {e.Message}", e);
        }
        using (document)
        {
            var pages = new List<PdfPageContent>();
            for (var number = 1; number <= document.NumberOfPages; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                pages.Add(ReadPage(document.GetPage(number), cancellationToken));
            }
            return pages;
        }
    }

    /// <summary>
    /// Reads on a pool thread and returns (throwing <see cref="OperationCanceledException"/>) as soon as
    /// <paramref name="cancellationToken"/> fires, even while PdfPig is inside one call it cannot be interrupted in: the
    /// caller is not held by a crafted file, and the abandoned read stops at its next check.
    /// </summary>
    public static Task<IReadOnlyList<PdfPageContent>> ReadAsync(ReadOnlyMemory<byte> pdf, CancellationToken cancellationToken) =>
        Task.Run(() => Read(pdf, cancellationToken), cancellationToken).WaitAsync(cancellationToken);

    private static PdfPageContent ReadPage(Page page, CancellationToken cancellationToken)
    {
        var letters = page.Letters.Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
        if (letters.Count > 0)
        {
            return new PdfPageContent.Text(new OcrPage(page.Number, page.Width, page.Height, RebuildLines(letters, page.Height, cancellationToken)));
        }
        var largest = page.GetImages().OrderByDescending(i => i.BoundingBox.Area).FirstOrDefault();
        if (largest is null)
        {
            return new PdfPageContent.Empty(page.Number);
        }
        var encoded = largest.TryGetPng(out var png) ? png : largest.RawBytes.ToArray();
        return new PdfPageContent.ScannedImage(page.Number, encoded);
    }

    private static List<OcrLine> RebuildLines(List<Letter> letters, double pageHeight, CancellationToken cancellationToken)
    {
        var lines = new List<List<Letter>>();
        var seen = 0;
        foreach (var letter in letters.OrderByDescending(l => l.StartBaseLine.Y).ThenBy(l => l.StartBaseLine.X))
        {
            // Each letter is compared with every line so far: a page of tens of thousands of letters takes a while.
            if (++seen % 512 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var tolerance = Math.Max(1, letter.PointSize * 0.3);
            var line = lines.FirstOrDefault(l => Math.Abs(l[0].StartBaseLine.Y - letter.StartBaseLine.Y) <= tolerance);
            if (line is null)
            {
                lines.Add([letter]);
            }
            else
            {
                line.Add(letter);
            }
        }
        return lines
            .Select(line => new OcrLine(SplitWords(line.OrderBy(l => l.StartBaseLine.X).ToList(), pageHeight)))
            .ToList();
    }

    private static List<OcrWord> SplitWords(List<Letter> line, double pageHeight)
    {
        var words = new List<OcrWord>();
        var current = new List<Letter>();
        foreach (var letter in line)
        {
            if (current.Count > 0 && letter.BoundingBox.Left - current[^1].BoundingBox.Right > letter.PointSize / 3)
            {
                words.Add(ToWord(current, pageHeight));
                current = [];
            }
            current.Add(letter);
        }
        if (current.Count > 0)
        {
            words.Add(ToWord(current, pageHeight));
        }
        return words;
    }

    private static OcrWord ToWord(List<Letter> letters, double pageHeight)
    {
        var left = letters.Min(l => l.BoundingBox.Left);
        var right = letters.Max(l => l.BoundingBox.Right);
        var top = letters.Max(l => l.BoundingBox.Top);
        var bottom = letters.Min(l => l.BoundingBox.Bottom);
        var text = string.Concat(letters.Select(l => l.Value));
        // A text layer is exact; what can still be wrong is the form's content, which field validation catches.
        return new OcrWord(text, new BoundingBox(left, pageHeight - top, right - left, top - bottom), 1.0);
    }
}
