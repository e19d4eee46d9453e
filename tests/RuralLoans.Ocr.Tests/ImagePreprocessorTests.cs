using static RuralLoans.Ocr.Tests.SyntheticPages;
using System.Diagnostics;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Tests;

/// <summary>The preprocessing steps on synthetic pages whose right answer is known pixel by pixel.</summary>
public sealed class ImagePreprocessorTests
{
    private const byte Paper = 250;
    private const byte Ink = 30;

    [Fact]
    public void Table_rules_are_erased_even_when_broken_into_dashes()
    {
        var page = new GrayImage(1200, 300, Paper);
        Fill(page, 50, 100, 1100, 3, Ink);
        // A rule broken by noise every 60 px, as a blurred rule comes out of a JPEG photo.
        Fill(page, 50, 200, 1100, 3, Ink);
        for (var x = 80; x < 1150; x += 60)
        {
            Fill(page, x, 200, 3, 3, Paper);
        }

        ImagePreprocessor.EraseRuledLines(page, 170, 150);

        Assert.Equal(0, InkPixels(page, 0, 0, page.Width, page.Height));
    }

    [Fact]
    public void A_row_of_digits_touching_in_a_blurred_photo_is_not_taken_for_a_rule()
    {
        var page = new GrayImage(1200, 300, Paper);
        // Eighteen 24 px tall "digits" whose middles touch (a blurred 000000…): one long dark run through the band.
        for (var digit = 0; digit < 18; digit++)
        {
            var left = 100 + (digit * 22);
            Fill(page, left, 100, 4, 24, Ink);
            Fill(page, left + 18, 100, 4, 24, Ink);
            Fill(page, left, 110, 22, 3, Ink);
        }
        var before = InkPixels(page, 0, 0, page.Width, page.Height);

        ImagePreprocessor.EraseRuledLines(page, 170, 150);

        Assert.Equal(before, InkPixels(page, 0, 0, page.Width, page.Height));
    }

    [Fact]
    public void Where_a_text_stroke_crosses_a_rule_only_the_rule_goes()
    {
        var page = new GrayImage(1200, 300, Paper);
        Fill(page, 50, 150, 1100, 3, Ink);
        Fill(page, 600, 120, 4, 60, Ink);   // a vertical stroke crossing the rule

        ImagePreprocessor.EraseRuledLines(page, 170, 150);

        Assert.Equal(0, InkPixels(page, 0, 140, 590, 20));
        Assert.Equal(4 * 25, InkPixels(page, 600, 120, 4, 25));   // the stroke above the rule survives
        Assert.Equal(0, InkPixels(page, 600, 148, 4, 7));          // and the crossing does not stay as a dot
    }

    [Fact]
    public void A_shadowed_corner_of_the_sheet_is_not_mistaken_for_the_table_it_lies_on()
    {
        // A dark surface (60) around a sheet lit from the bottom left: its top-right corner falls to 110, darker than
        // the surface/paper threshold, but separated from the surface by the sheet's edge.
        var photo = new GrayImage(400, 500, 60);
        for (var y = 40; y < 460; y++)
        {
            for (var x = 40; x < 360; x++)
            {
                var shade = (x - 40 + (460 - y)) / (double)(320 + 420);
                photo[x, y] = (byte)(240 - (130 * shade));
            }
        }
        Fill(photo, 300, 60, 40, 10, 20);   // text in the shadowed corner
        var processed = photo.Clone();

        var isolated = ImagePreprocessor.IsolatePaper(photo, processed);

        Assert.InRange(isolated.Width, 320, 336);
        Assert.InRange(isolated.Height, 420, 436);
        var textLeft = 300 - (photo.Width - isolated.Width) / 2;
        Assert.True(InkPixels(isolated, textLeft - 8, 60 - ((photo.Height - isolated.Height) / 2) - 8, 56, 26) >= 40 * 10, "the text in the shadowed corner was whitened with the surface");
    }

    [Fact]
    public void Resizing_keeps_flat_areas_flat_and_thin_strokes_visible()
    {
        var page = new GrayImage(1000, 400, Paper);
        Fill(page, 0, 200, 1000, 1, Ink);   // a one-pixel line

        var smaller = page.Resize(700, 280);
        var larger = page.Resize(1400, 560);

        Assert.Equal((700, 280), (smaller.Width, smaller.Height));
        Assert.Equal(Paper, smaller[10, 10]);
        Assert.Equal(Paper, larger[10, 10]);
        Assert.True(Enumerable.Range(135, 10).Min(y => smaller[350, y]) < 200, "a one-pixel line vanished when shrinking");
        Assert.True(Enumerable.Range(275, 10).Min(y => larger[700, y]) < 100, "a one-pixel line faded when enlarging");
    }

    [Fact]
    public void Gray_and_colour_images_decode_to_the_same_gray_levels()
    {
        var page = new GrayImage(200, 100, Paper);
        Fill(page, 50, 40, 100, 20, Ink);
        using var colour = new SkiaSharp.SKBitmap(200, 100, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Premul);
        for (var y = 0; y < 100; y++)
        {
            for (var x = 0; x < 200; x++)
            {
                colour.SetPixel(x, y, new SkiaSharp.SKColor(page[x, y], page[x, y], page[x, y]));
            }
        }
        using var colourPng = colour.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);

        var fromGray = GrayImage.Decode(page.ToPng());
        var fromColour = GrayImage.Decode(colourPng.ToArray());

        Assert.Equal(page.Pixels, fromGray.Pixels);
        Assert.All(fromColour.Pixels.Zip(page.Pixels), pair => Assert.InRange(pair.First - pair.Second, -1, 1));
        Assert.Throws<OcrException>(() => GrayImage.Decode("not an image"u8));
    }

    [Fact]
    public void Cpu_clock_counts_this_thread_and_exited_child_processes()
    {
        Assert.True(CpuClock.IsSupported, "CPU time per page is measured with Linux getrusage; this machine is not Linux.");
        // A fixed amount of work: CPU time does not depend on how busy the machine is, wall time would.
        var processBefore = CpuClock.Process;
        var threadBefore = CpuClock.CurrentThread;
        var sum = 0.0;
        for (var i = 0; i < 100_000_000; i++)
        {
            sum += Math.Sqrt(i);
        }
        var thread = CpuClock.CurrentThread - threadBefore;
        var process = CpuClock.Process - processBefore;

        var childrenBefore = CpuClock.ExitedChildren;
        using (var child = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"]))!)
        {
            child.WaitForExit();
        }
        var children = CpuClock.ExitedChildren - childrenBefore;

        Assert.True(sum > 0);
        Assert.InRange(thread.TotalSeconds, 0.02, 10);
        Assert.True(process >= thread - TimeSpan.FromMilliseconds(10), $"process {process} < thread {thread}");
        Assert.InRange(children.TotalSeconds, 0.05, 30);
    }
}
