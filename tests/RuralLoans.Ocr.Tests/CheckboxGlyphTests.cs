using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Imaging;
using SkiaSharp;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// Box glyphs as each development font draws them, at the sizes forms print them at 150–300 dpi: the detector must
/// find every empty box whatever the font's stroke width, and never take a filled or ticked box for an empty one.
/// </summary>
public sealed class CheckboxGlyphTests
{
    public static TheoryData<string, int, float> FontsAndSizes()
    {
        var data = new TheoryData<string, int, float>();
        foreach (var font in new[] { "Noto Sans CJK SC", "WenQuanYi Zen Hei", "AR PL UMing CN" })
        {
            // 9 pt text on an A5 page at 150 dpi is about 19 px high, 12 pt at 300 dpi about 50 px; a scan or photo
            // blurs the strokes by up to a pixel.
            foreach (var size in new[] { 16, 20, 26, 34, 44, 56 })
            {
                data.Add(font, size, 0);
                if (size >= 34)
                {
                    // Smaller blurred boxes merge with the next character through the blur's halo, or show the halo
                    // inside as ink, and are not found: their rows rely on what OCR made of the boxes (see docs/ocr.md).
                    data.Add(font, size, 1.0f);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FontsAndSizes))]
    public void Every_empty_box_is_found_and_no_marked_one(string font, int size, float blur)
    {
        var image = Render(font, size, blur, "□等额本息  ■等额本金  □按月付息到期还本  ☑到期一次还本付息  □", out var starts);

        // As the engine sees the page: cleaned first, at the ink threshold the cleaning chose.
        var cleaned = new ImagePreprocessor().Process(image);
        var empty = CheckboxDetector.Find(cleaned.Image, cleaned.FaintInkThreshold).OrderBy(b => b.Box.Left).ToList();

        // The three □, none of ■ and ☑ (the cleaning may rescale the page).
        var scale = (double)cleaned.Image.Width / (size * PageWidthInTextHeights);
        Assert.Equal(3, empty.Count);
        Assert.All(empty.Zip(new[] { starts[0], starts[2], starts[4] }), pair => Assert.InRange(pair.First.Box.Left / scale, pair.Second - 3, pair.Second + (0.35 * size)));
    }

    private const int PageWidthInTextHeights = 55;

    /// <summary>
    /// A line of text on a page as wide as a form at this text size (about 55 text heights across, as A4 at any dpi),
    /// and where each box glyph starts.
    /// </summary>
    private static byte[] Render(string family, int size, float blur, string text, out List<float> boxStarts)
    {
        var width = size * PageWidthInTextHeights;
        var height = size * 3;
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var typeface = FormFonts.Load(family);
        using var font = new SKFont(typeface, size);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var blurred = blur > 0 ? SKImageFilter.CreateBlur(blur, blur) : null;
            ink.ImageFilter = blurred;
            canvas.DrawText(text, size, size * 2, SKTextAlign.Left, font, ink);
        }
        boxStarts = [];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '□' or '■' or '☑')
            {
                boxStarts.Add(size + font.MeasureText(text[..i]));
            }
        }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
