using RuralLoans.Ocr.Imaging;
using static RuralLoans.Ocr.Tests.SyntheticPages;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// The cleaned page is cropped to its print before Tesseract reads it (Tesseract's time grows with the blank paper it
/// is given), without cutting print off and without letting a lone speck hold the crop open.
/// </summary>
public sealed class PrintCropTests
{
    [Fact]
    public void A_page_is_cropped_to_its_print_with_a_margin_and_a_lone_speck_is_left_outside()
    {
        var page = new GrayImage(1700, 2400, 255);
        // A block of print, a faint stroke at its left (still below the threshold) and a one-pixel speck in a corner.
        Fill(page, 300, 400, 1000, 900, 255);
        for (var y = 400; y < 1300; y += 60)
        {
            Fill(page, 300, y, 1000, 30, 20);
        }
        Fill(page, 250, 700, 6, 40, 180);
        page[1650, 2350] = 0;

        var cropped = ImagePreprocessor.CropToPrint(page, 192);

        var margin = 1700 / 50;
        Assert.Equal(1299 - 250 + 1 + (2 * margin), cropped.Width);
        Assert.Equal((400 + (14 * 60) + 30) - 400 + (2 * margin), cropped.Height);
        // Every dark pixel of the print survived the crop.
        Assert.Equal(InkPixels(page, 0, 0, page.Width, page.Height) - 1, InkPixels(cropped, 0, 0, cropped.Width, cropped.Height));
    }

    [Fact]
    public void Print_near_the_edge_keeps_the_crop_at_the_edge_and_a_blank_page_is_left_as_it_is()
    {
        var page = new GrayImage(800, 1000, 255);
        Fill(page, 0, 5, 400, 20, 10);

        var cropped = ImagePreprocessor.CropToPrint(page, 192);
        var blank = new GrayImage(800, 1000, 255);

        Assert.Equal(400 + 16, cropped.Width);
        Assert.Equal(5 + 20 + 16, cropped.Height);
        Assert.Same(blank, ImagePreprocessor.CropToPrint(blank, 192));
    }
}
