using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;

namespace RuralLoans.Ocr.Tests;

public sealed class PdfPageReaderTests
{
    [Fact]
    public void Text_pdfs_are_read_from_their_text_layer_as_separate_cells()
    {
        var form = SampleForms.All.First(f => f.Tier == QualityTier.TextPdf && f.Layout == FormLayout.RuledTable);

        var page = Assert.IsType<PdfPageContent.Text>(Assert.Single(PdfPageReader.Read(SampleForms.Bytes(form.File), TestContext.Current.CancellationToken)));

        var words = page.Page.Lines.SelectMany(l => l.Words).ToList();
        Assert.Contains(words, w => w.Text == form.Expected["idNumber"]);
        Assert.All(words, w => Assert.Equal(1.0, w.Confidence));
        // Cells of one table row share a line but stay separate words, left to right.
        var phoneLine = page.Page.Lines.Single(l => l.Words.Any(w => w.Text == form.Expected["phone"]));
        Assert.True(phoneLine.Words.Count >= 4);
        Assert.Equal(phoneLine.Words.OrderBy(w => w.Box.Left), phoneLine.Words);
    }

    [Fact]
    public void Image_only_pdfs_yield_their_scanned_page_for_ocr()
    {
        var form = SampleForms.All.First(f => f.Tier == QualityTier.ScannedPdf);

        var page = Assert.IsType<PdfPageContent.ScannedImage>(Assert.Single(PdfPageReader.Read(SampleForms.Bytes(form.File), TestContext.Current.CancellationToken)));

        using var image = SkiaSharp.SKBitmap.Decode(page.EncodedImage);
        Assert.NotNull(image);
        Assert.True(image.Width > 1000);
    }

    [Fact]
    public void A_corrupt_pdf_fails_with_a_clear_message()
    {
        var error = Assert.Throws<OcrException>(() => PdfPageReader.Read("%PDF-1.7 not really"u8.ToArray(), TestContext.Current.CancellationToken));

        Assert.StartsWith("The PDF could not be read", error.Message, StringComparison.Ordinal);
    }
}
