using static RuralLoans.Ocr.Tests.SyntheticPages;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// Cleaning steps that poor phone photos of ruled forms need: short cell dividers and rules that drift under perspective
/// are erased (their stubs were read as | glued to a cell's text), and text in a shaded corner of the sheet is not taken
/// for the table the sheet lies on (its whitening ate a header line of partner code and date).
/// </summary>
public sealed class HarshPhotoCleaningTests
{
    private const byte Paper = 250;
    private const byte Ink = 30;

    [Fact]
    public void Cell_dividers_one_row_tall_between_two_rules_are_erased_and_text_strokes_are_not()
    {
        var page = new GrayImage(1200, 400, Paper);
        Fill(page, 50, 100, 1100, 3, Ink);
        Fill(page, 50, 200, 1100, 3, Ink);
        // Dividers of one row, far shorter than the 150 px a rule must have to be found by length alone.
        Fill(page, 400, 100, 3, 103, Ink);
        Fill(page, 800, 101, 3, 101, Ink);
        // Inside the row a tall text stroke (a 1 or the stem of 中); below the table an equally long thin line that
        // meets no rule.
        Fill(page, 600, 125, 4, 55, Ink);
        Fill(page, 1000, 260, 3, 100, Ink);

        ImagePreprocessor.EraseRuledLines(page, 170, 150);

        Assert.Equal(0, InkPixels(page, 390, 95, 25, 115));
        Assert.Equal(0, InkPixels(page, 790, 95, 25, 115));
        Assert.Equal(4 * 55, InkPixels(page, 600, 125, 4, 55));
        Assert.Equal(3 * 100, InkPixels(page, 1000, 260, 3, 100));
    }

    [Fact]
    public void A_rule_that_drifts_off_the_axis_is_erased_to_its_ends()
    {
        // A table rule in a photo taken at an angle: after deskewing the text, it still descends a pixel every 30 px, so
        // it leaves any three-pixel band within a short stretch.
        var page = new GrayImage(1200, 300, Paper);
        for (var x = 50; x < 1150; x++)
        {
            Fill(page, x, 100 + ((x - 50) / 30), 1, 3, Ink);
        }

        ImagePreprocessor.EraseRuledLines(page, 170, 150);

        Assert.Equal(0, InkPixels(page, 0, 0, page.Width, page.Height));
    }

    [Fact]
    public void Text_running_out_of_a_shaded_corner_of_the_sheet_is_not_taken_for_the_surface()
    {
        // A sheet on a dark table (60) whose top edge is shaded down to the table's level, and a header line of print
        // that starts in that shade: blurred, its 8 px cells are as dark on average as the table, but full of strokes.
        var photo = new GrayImage(480, 600, 60);
        Fill(photo, 40, 40, 400, 520, 235);
        for (var y = 40; y < 100; y++)
        {
            var shade = (byte)(70 + ((y - 40) * 165 / 60));
            Fill(photo, 40, y, 400, 1, shade);
        }
        for (var x = 48; x < 420; x += 4)
        {
            Fill(photo, x, 44, 2, 16, 15);
        }
        var processed = photo.Clone();

        var isolated = ImagePreprocessor.IsolatePaper(photo, processed);

        Assert.InRange(isolated.Width, 400, 416);
        // Only the print is this dark: the table is 60, the paper 70 and lighter.
        var text = isolated.Pixels.Count(p => p <= 20);
        Assert.True(text >= 93 * 2 * 16 * 9 / 10, $"the header line was whitened with the table: {text} of {93 * 2 * 16} ink pixels left");
    }
}
