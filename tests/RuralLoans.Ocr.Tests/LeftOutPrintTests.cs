using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Imaging;
using SkiaSharp;
using static RuralLoans.Ocr.Tests.SyntheticPages;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// Print that Tesseract's page reading leaves out (a column its layout analysis dropped) is found on the cleaned page
/// and read on its own, so the labels and values in it reach the extractor.
/// </summary>
public sealed class LeftOutPrintTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ruralloans-leftout-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Lines_no_read_word_covers_are_found_and_read_lines_specks_and_stray_marks_are_not()
    {
        var (page, lines) = RenderLines(["联系电话  13912345678", "家庭人口数  4", "借款期限  12个月"]);
        // A field of light specks, as a shaded cell leaves on a noisy photo, and a lone dash, neither of them print.
        var random = new Random(5);
        for (var i = 0; i < 400; i++)
        {
            Fill(page, 1100 + random.Next(300), 60 + random.Next(80), 2, 2, 120);
        }
        Fill(page, 1200, 400, 12, 3, 20);
        // The reading covered the first line only, word by word.
        var read = new OcrPage(1, page.Width, page.Height, [new OcrLine([
            new OcrWord("联系电话", lines[0] with { Width = lines[0].Width * 0.4 }, 0.9),
            new OcrWord("13912345678", lines[0] with { Left = lines[0].Left + (lines[0].Width * 0.45), Width = lines[0].Width * 0.55 }, 0.9),
        ])]);

        var regions = LeftOutPrint.Find(page, 170, read);

        Assert.Equal(2, regions.Count);
        Assert.All(regions, region => Assert.False(Overlaps(region, lines[0]), $"the read line was found again: {region}"));
        Assert.True(Overlaps(regions[0], lines[1]) && Covers(regions, lines[1]), $"{lines[1]} not covered by {string.Join(", ", regions)}");
        Assert.True(Overlaps(regions[1], lines[2]) && Covers(regions, lines[2]), $"{lines[2]} not covered by {string.Join(", ", regions)}");
    }

    [Fact]
    public void A_page_read_whole_has_nothing_left_out()
    {
        var (page, lines) = RenderLines(["联系电话  13912345678", "家庭人口数  4"]);
        var read = new OcrPage(1, page.Width, page.Height, lines.Select(l => new OcrLine([new OcrWord("x", l, 0.9)])).ToList());

        Assert.Empty(LeftOutPrint.Find(page, 170, read));
    }

    [Fact]
    public async Task The_label_column_a_poor_photo_loses_to_layout_analysis_is_read()
    {
        // A development form (underlined blanks, seed 51) whose blurred photo Tesseract's psm 4 reads without its whole
        // column of labels: the values beside them had no label to belong to.
        var forms = SampleSet.Generate(directory, seed: 51, formsPerTier: 8, Enum.GetValues<QualityTier>());
        var form = forms.Single(f => f.File == "harsh-underlined-blanks-03.jpg");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, form.File), TestContext.Current.CancellationToken);
        var labels = new[] { "联系电话", "家庭人口数", "申请金额", "期限" };

        var without = await new TesseractOcrEngine(new OcrOptions { ReadLeftOutPrint = false }).RecognizeAsync(bytes, form.ContentType, TestContext.Current.CancellationToken);
        var with = await new TesseractOcrEngine(new OcrOptions()).RecognizeAsync(bytes, form.ContentType, TestContext.Current.CancellationToken);

        Assert.True(labels.Count(l => Text(without).Contains(l, StringComparison.Ordinal)) <= 1, "the page reading no longer loses the label column: " + Text(without));
        Assert.All(labels, label => Assert.Contains(label, Text(with), StringComparison.Ordinal));
        var extracted = await new LoanFormReader(new TesseractOcrEngine(new OcrOptions())).ReadAsync(bytes, form.ContentType, TestContext.Current.CancellationToken);
        foreach (var field in new[] { "phone", "householdSize", "landAreaMu" })
        {
            Assert.Equal(form.Expected[field], extracted.Fields[field].Value);
        }
    }

    private static string Text(OcrDocument document) =>
        string.Concat(document.Pages.SelectMany(p => p.Lines).Select(l => l.Text)).Replace(" ", string.Empty, StringComparison.Ordinal);

    private static bool Overlaps(BoundingBox a, BoundingBox b) =>
        a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    /// <summary>Whether the regions together span the box from its left to its right end (within a few pixels).</summary>
    private static bool Covers(IEnumerable<BoundingBox> regions, BoundingBox box)
    {
        var on = regions.Where(r => Overlaps(r, box)).ToList();
        return on.Count > 0 && on.Min(r => r.Left) <= box.Left + 6 && on.Max(r => r.Right) >= box.Right - 6;
    }

    /// <summary>Lines of a development font, about 300 dpi on a page 1600 px wide, with the ink box of each.</summary>
    private static (GrayImage Page, List<BoundingBox> Lines) RenderLines(IReadOnlyList<string> texts)
    {
        const int width = 1600, height = 560;
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var typeface = FormFonts.Load("Noto Sans CJK SC");
            using var font = new SKFont(typeface, 40);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            for (var i = 0; i < texts.Count; i++)
            {
                canvas.DrawText(texts[i], 120, 120 + (i * 130), SKTextAlign.Left, font, ink);
            }
        }
        var page = new GrayImage(width, height, bitmap.GetPixelSpan().ToArray());
        var lines = new List<BoundingBox>();
        for (var i = 0; i < texts.Count; i++)
        {
            // The ink box of the line, measured on the page: dark pixels in its band.
            var (top, bottom) = (120 + (i * 130) - 60, 120 + (i * 130) + 25);
            int left = width, right = -1, first = height, last = -1;
            for (var y = top; y < bottom; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    if (page[x, y] < 128)
                    {
                        (left, right, first, last) = (Math.Min(left, x), Math.Max(right, x), Math.Min(first, y), Math.Max(last, y));
                    }
                }
            }
            lines.Add(new BoundingBox(left, first, right - left + 1, last - first + 1));
        }
        return (page, lines);
    }
}
