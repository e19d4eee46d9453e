using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Local engine that reads pages with the tesseract CLI (chi_sim, layout analysis psm 4), plus one more run over print
/// the layout analysis left out (<see cref="LeftOutPrint"/>).
/// </summary>
public sealed class TesseractOcrEngine(OcrOptions options, TimeProvider timeProvider) : ImageOcrEngine(options, timeProvider)
{
    /// <summary>How many separate runs of left-out print a page must have before they are read (<see cref="LeftOutPrint"/>).</summary>
    private const int LeftOutMinRegions = 3;

    private readonly TesseractCli tesseract = new(options);

    // psm 6 again, with the page's own model: print the page reading left out is read as the page would have been.
    private readonly TesseractCli leftOutReader = new(options with { PageSegmentationMode = 6 });

    public TesseractOcrEngine(OcrOptions options)
        : this(options, TimeProvider.System)
    {
    }

    protected override async Task<OcrPage> ReadPageAsync(PreprocessedImage cleaned, int pageNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cleaned);
        var read = await tesseract.RecognizeAsync(cleaned.Image.ToPgm(), pageNumber, cancellationToken).ConfigureAwait(false);
        return Options.ReadLeftOutPrint ? await ReadLeftOutPrintAsync(cleaned, read, cancellationToken).ConfigureAwait(false) : read;
    }

    /// <summary>
    /// Reads print the page reading left out (<see cref="LeftOutPrint"/>) in one more Tesseract run over all of it,
    /// and adds what it reads to the page as lines of their own at their place on the page.
    /// </summary>
    private async Task<OcrPage> ReadLeftOutPrintAsync(PreprocessedImage cleaned, OcrPage read, CancellationToken cancellationToken)
    {
        var image = cleaned.Image;
        var regions = LeftOutPrint.Find(image, cleaned.InkThreshold, read);
        // A column the layout analysis dropped is several rows of print; one or two stray words left out are more
        // often a stamp, a header fragment or noise, and not worth a process start (~0.15 CPU s).
        if (regions.Count < LeftOutMinRegions)
        {
            return read;
        }
        var origins = new List<(int Left, int Top)>();
        var crops = new List<GrayImage>();
        foreach (var region in regions)
        {
            var margin = (int)Math.Ceiling(0.3 * region.Height);
            var left = Math.Max(0, (int)region.Left - margin);
            var top = Math.Max(0, (int)region.Top - margin);
            var right = Math.Min(image.Width, (int)Math.Ceiling(region.Right) + margin);
            var bottom = Math.Min(image.Height, (int)Math.Ceiling(region.Bottom) + margin);
            origins.Add((left, top));
            crops.Add(image.Crop(left, top, right - left, bottom - top));
        }
        var words = await ReadStackedAsync(leftOutReader, crops, cancellationToken).ConfigureAwait(false);
        var added = words
            .Select((found, i) => found
                .Select(w => w with { Box = w.Box with { Left = w.Box.Left + origins[i].Left, Top = w.Box.Top + origins[i].Top } })
                .ToList())
            .Where(found => found.Count > 0)
            .Select(found => new OcrLine(found));
        return read with { Lines = read.Lines.Concat(added).ToList() };
    }
}
