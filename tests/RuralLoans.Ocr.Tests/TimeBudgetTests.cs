using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using SkiaSharp;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// A document that takes longer to read than its budget fails with its own code instead of holding the OCR step. The
/// inputs are built to be slow (tens of thousands of letters, a page of noise) and the budgets tiny, so the outcome
/// does not depend on how fast this machine is.
/// </summary>
public sealed class TimeBudgetTests
{
    private static readonly TimeSpan Tiny = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task A_pdf_that_takes_longer_than_the_budget_to_parse_fails_with_the_time_budget_code()
    {
        var engine = new TesseractOcrEngine(new OcrOptions { DocumentTimeBudget = Tiny });

        var error = await Assert.ThrowsAsync<OcrException>(() => engine.RecognizeAsync(CrowdedTextPdf(pages: 6), OcrContentTypes.Pdf, TestContext.Current.CancellationToken));

        Assert.Equal(OcrErrorCodes.TimeBudgetExceeded, error.Code);
        Assert.Contains("time budget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_form_reader_reports_an_exceeded_budget_as_a_document_error_with_its_code()
    {
        var reader = new LoanFormReader(new TesseractOcrEngine(new OcrOptions { DocumentTimeBudget = Tiny }));

        var form = await reader.ReadAsync(CrowdedTextPdf(pages: 6), OcrContentTypes.Pdf, TestContext.Current.CancellationToken);

        var error = Assert.Single(form.Errors);
        Assert.Null(error.Field);
        Assert.Equal(OcrErrorCodes.TimeBudgetExceeded, error.Code);
        Assert.All(form.Fields.Values, f => Assert.Null(f.Value));
    }

    [Fact]
    public async Task An_image_that_takes_longer_than_the_budget_to_clean_and_ocr_fails_with_the_time_budget_code()
    {
        var engine = new TesseractOcrEngine(new OcrOptions { DocumentTimeBudget = Tiny });

        var error = await Assert.ThrowsAsync<OcrException>(() => engine.RecognizeAsync(NoisePng(3000, 4000), OcrContentTypes.Png, TestContext.Current.CancellationToken));

        Assert.Equal(OcrErrorCodes.TimeBudgetExceeded, error.Code);
    }

    [Fact]
    public async Task Within_its_budget_the_same_crowded_pdf_is_read()
    {
        var engine = new TesseractOcrEngine(new OcrOptions());

        var document = await engine.RecognizeAsync(CrowdedTextPdf(pages: 1), OcrContentTypes.Pdf, TestContext.Current.CancellationToken);

        Assert.Contains(document.Pages.Single().Lines, line => line.Text.Contains("姓名张三申请", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_caller_cancelling_is_not_reported_as_an_exceeded_budget()
    {
        var engine = new TesseractOcrEngine(new OcrOptions());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.RecognizeAsync(CrowdedTextPdf(pages: 1), OcrContentTypes.Pdf, cancelled.Token));
    }

    /// <summary>Pages packed with small text: many letters and many lines make the line rebuilding slow.</summary>
    private static byte[] CrowdedTextPdf(int pages)
    {
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream))
        {
            using var typeface = FormFonts.Load(FormFonts.PdfFamilies[0]);
            using var font = new SKFont(typeface, 4);
            using var ink = new SKPaint { Color = SKColors.Black };
            var row = string.Concat(Enumerable.Repeat("借款人姓名张三申请金额30000元", 12));
            for (var p = 0; p < pages; p++)
            {
                var canvas = document.BeginPage(595, 842);
                for (var y = 6f; y < 838; y += 4.5f)
                {
                    canvas.DrawText(row, 4, y, SKTextAlign.Left, font, ink);
                }
                document.EndPage();
            }
        }
        return stream.ToArray();
    }

    private static byte[] NoisePng(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = new byte[width * height];
        new Random(7).NextBytes(pixels);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 1);
        return data.ToArray();
    }
}
