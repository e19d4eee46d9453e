using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Ocr.Imaging;
using SkiaSharp;

namespace RuralLoans.Ocr.Tests;

/// <summary>Checkboxes read from the page's pixels, whatever OCR made of the box glyphs.</summary>
public sealed class CheckboxDetectionTests
{
    [Fact]
    public void The_empty_boxes_of_a_row_are_found_where_they_are_printed_and_the_ticked_one_is_not()
    {
        var (image, starts) = Render("□按月付息到期还本  ■等额本息  □等额本金", 40);

        var squares = CheckboxDetector.FindSquares(image, 190).OrderBy(b => b.Box.Left).ToList();
        var empty = CheckboxDetector.Find(image, 190).OrderBy(b => b.Box.Left).ToList();

        Assert.Equal([false, true, false], squares.Select(b => b.Marked));
        Assert.Equal(2, empty.Count);
        // Each box is where its glyph was drawn, one text line high.
        Assert.All(squares.Zip(starts), pair => Assert.InRange(pair.First.Box.Left, pair.Second - 2, pair.Second + 20));
        Assert.All(squares, b => Assert.InRange(b.Box.Height, 20, 45));
    }

    [Fact]
    public void A_single_empty_box_beside_a_tick_is_found()
    {
        // Two options, the chosen one ticked with √ (no box at all): one empty box on the row.
        var (image, starts) = Render("√到期一次还本付息  □等额本息", 40);

        var box = Assert.Single(CheckboxDetector.Find(image, 190));

        Assert.InRange(box.Box.Left, starts[0] - 2, starts[0] + 20);
    }

    [Fact]
    public void Characters_with_ink_inside_a_square_are_not_taken_for_empty_boxes_and_a_read_kou_stays_kou()
    {
        var (image, _) = Render("民族：回族  籍贯：四川", 40);
        Assert.Empty(CheckboxDetector.Find(image, 190));

        var page = OcrDocuments.Page([(100, "家庭人口:"), (400, "4口人")]).Pages[0];
        var marked = CheckboxMarks.Apply(page, [new Checkbox(new BoundingBox(430, 101, 26, 28), false, 0)]);

        Assert.Equal("家庭人口:4口人", marked.Lines[0].Text.Replace(" ", string.Empty, StringComparison.Ordinal));
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
    public void A_ticked_box_ocr_read_as_an_empty_one_is_read_as_ticked_on_a_row_of_boxes()
    {
        // PP-OCR read both boxes as 口; the pixels say the second has ink inside.
        var document = OcrDocuments.Page([(100, "还款方式:"), (400, "口到期一次还本付息"), (800, "口等额本息")]);
        var extractor = new LoanFormExtractor();
        var boxes = new[] { new Checkbox(new BoundingBox(400, 101, 26, 28), false, 0), new Checkbox(new BoundingBox(800, 101, 26, 28), true, 0.4) };

        var form = extractor.Extract(OcrDocument.FromPages([CheckboxMarks.Apply(document.Pages[0], boxes)]));

        Assert.Equal("等额本息", form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.False(form.NeedsReview(LoanFormFields.RepaymentMethod));
    }

    [Fact]
    public void A_blurred_kou_in_a_word_is_not_taken_for_a_ticked_box_where_no_empty_box_is_in_the_row()
    {
        var page = OcrDocuments.Page([(100, "家庭人口数:"), (400, "4")]).Pages[0];

        var marked = CheckboxMarks.Apply(page, [new Checkbox(new BoundingBox(190, 101, 26, 28), true, 0.5)]);

        Assert.StartsWith("家庭人口数", marked.Lines[0].Text, StringComparison.Ordinal);
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
