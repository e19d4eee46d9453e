using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using SkiaSharp;

namespace RuralLoans.Ocr.Tests;

/// <summary>The second look at doubtful values reads them with its own model (HanS by default), not chi_sim again.</summary>
public sealed class SecondLookModelTests
{
    [Fact]
    public async Task The_second_look_reads_a_value_again_with_the_han_script_model()
    {
        var engine = new TesseractOcrEngine(new OcrOptions());
        Assert.Equal("HanS", new OcrOptions().SecondLookLanguage);
        var document = await engine.RecognizeAsync(RenderPng("联系电话：13912345678"), OcrContentTypes.Png, CancellationToken.None);
        var words = document.Pages[0].Lines.SelectMany(l => l.Words).ToList();
        var value = BoundingBox.Union(words.Where(w => w.Text.Any(char.IsAsciiDigit)).Select(w => w.Box));
        Assert.True(value.Width > 0, "the first reading found no digits: " + string.Join(" ", words.Select(w => w.Text)));

        var again = await engine.RereadAsync(document, [new PageRegion(1, value)], CancellationToken.None);

        var line = Assert.Single(again);
        Assert.NotNull(line);
        Assert.Contains("13912345678", line.Text.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_second_look_model_is_reported_with_what_to_install()
    {
        var engine = new TesseractOcrEngine(new OcrOptions { SecondLookLanguage = "no_such_model" });
        var document = await engine.RecognizeAsync(RenderPng("联系电话：13912345678"), OcrContentTypes.Png, CancellationToken.None);
        var box = document.Pages[0].Lines[0].Box;

        var error = await Assert.ThrowsAsync<OcrException>(() => engine.RereadAsync(document, [new PageRegion(1, box)], CancellationToken.None));

        Assert.Contains("no_such_model", error.Message, StringComparison.Ordinal);
        Assert.Contains("tesseract-ocr-script-hans", error.Message, StringComparison.Ordinal);
    }

    /// <summary>One line of a development font, about 300 dpi on a page 1600 px wide.</summary>
    private static byte[] RenderPng(string text)
    {
        using var bitmap = new SKBitmap(1600, 300, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var typeface = FormFonts.Load("Noto Sans CJK SC");
            using var font = new SKFont(typeface, 44);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(text, 120, 170, SKTextAlign.Left, font, ink);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
