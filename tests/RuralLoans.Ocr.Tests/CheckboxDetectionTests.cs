using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Ocr.Imaging;
using SkiaSharp;

namespace RuralLoans.Ocr.Tests;

/// <summary>Checkboxes read from the page's pixels, whatever OCR made of the box glyphs.</summary>
public sealed class CheckboxDetectionTests
{
    [Fact]
    public void A_row_of_boxes_printed_in_a_font_is_found_with_the_ticked_one_marked()
    {
        var (image, starts) = Render("□按月付息到期还本  ■等额本息  □等额本金", 40);

        var boxes = CheckboxDetector.Find(image, 190).OrderBy(b => b.Box.Left).ToList();

        Assert.Equal(3, boxes.Count);
        Assert.Equal([false, true, false], boxes.Select(b => b.Marked));
        // Each box is where its glyph was drawn, one text line high.
        Assert.All(boxes.Zip(starts), pair => Assert.InRange(pair.First.Box.Left, pair.Second - 2, pair.Second + 20));
        Assert.All(boxes, b => Assert.InRange(b.Box.Height, 20, 45));
    }

    [Fact]
    public void Square_characters_in_ordinary_text_are_not_taken_for_boxes()
    {
        var (image, _) = Render("家庭人口：4口人  民族：回族", 40);

        Assert.Empty(CheckboxDetector.Find(image, 190));
    }

    [Fact]
    public void Empty_boxes_that_ocr_read_as_different_characters_still_leave_the_one_ticked_option()
    {
        // chi_sim read the first empty box as 5, the other as D and the ticked one as 国: three marks, none of them a box.
        var document = OcrDocuments.Page([(100, "还款方式:"), (400, "5按月付息到期还本"), (800, "国等额本息"), (1100, "D等额本金")]);
        var page = document.Pages[0];
        var extractor = new LoanFormExtractor();
        var unaided = extractor.Extract(document);
        Assert.True(unaided.NeedsReview(LoanFormFields.RepaymentMethod));

        var boxes = new[] { new Checkbox(new BoundingBox(400, 101, 26, 28), false, 0), new Checkbox(new BoundingBox(1100, 101, 26, 28), false, 0) };
        var form = extractor.Extract(OcrDocument.FromPages([CheckboxMarks.Apply(page, boxes)]));

        Assert.Equal("等额本息", form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.RepaymentMethod);
    }

    [Fact]
    public void A_box_ocr_dropped_is_added_where_it_is_printed()
    {
        var page = OcrDocuments.Page([(100, "还款方式:"), (430, "按月付息到期还本"), (800, "√等额本息")]).Pages[0];

        var marked = CheckboxMarks.Apply(page, [new Checkbox(new BoundingBox(398, 101, 26, 28), false, 0)]);

        Assert.Contains("□按月付息到期还本", marked.Lines[0].Text, StringComparison.Ordinal);
    }

    /// <summary>One line of text in a development font on white paper, and where each box glyph starts.</summary>
    private static (GrayImage Image, List<float> BoxStarts) Render(string text, float size)
    {
        const int width = 1600, height = 120;
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var typeface = FormFonts.Load("Noto Sans CJK SC");
            using var font = new SKFont(typeface, size);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(text, 40, 80, SKTextAlign.Left, font, ink);
        }
        var starts = new List<float>();
        using (var measuring = new SKFont(FormFonts.Load("Noto Sans CJK SC"), size))
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] is '□' or '■')
                {
                    starts.Add(40 + measuring.MeasureText(text[..i]));
                }
            }
        }
        var pixels = new byte[width * height];
        System.Runtime.InteropServices.Marshal.Copy(bitmap.GetPixels(), pixels, 0, pixels.Length);
        return (new GrayImage(width, height, pixels), starts);
    }
}
