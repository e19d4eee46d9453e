using System.Runtime.CompilerServices;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// What the local engines share: images are preprocessed in memory and read by the engine's own page reader; PDFs
/// use their text layer when they have one and OCR their embedded scan when they do not; checkboxes are read from the
/// pixels. Values that fail their pattern can be read a second time from the same cleaned page, smaller and with
/// Tesseract's HanS model (<see cref="RereadAsync"/>), so the second reading errs on other glyphs than the first.
/// </summary>
public abstract class ImageOcrEngine(OcrOptions options, TimeProvider timeProvider) : IOcrEngine, IRegionRereader
{
    /// <summary>
    /// The second look shrinks the value: the chi_sim fast model drops 乡/镇 after 合 (三合乡 → 三合) and misreads
    /// some digits at one glyph size and not at another, so a different size is a genuinely different reading.
    /// </summary>
    private const double RereadScale = 0.72;

    // psm 6: the stacked crops form one uniform block of single lines. A second model (HanS, trained on the script
    // rather than the language) errs on other glyphs than chi_sim does.
    private readonly TesseractCli blockReader = new(options with { PageSegmentationMode = 6, TesseractLanguage = options.SecondLookLanguage });
    private readonly ImagePreprocessor preprocessor = new(options.Preprocessing);

    // The cleaned image of each page this engine read, for as long as the caller holds the page.
    private readonly ConditionalWeakTable<OcrPage, GrayImage> pageImages = [];

    // When each document this engine read runs out of its time budget, so its second look stays within it too.
    private readonly ConditionalWeakTable<OcrDocument, object> deadlines = [];

    protected OcrOptions Options { get; } = options;

    /// <summary>Reads one cleaned (and, for scans, cropped) page image into lines of words in its own coordinates.</summary>
    protected abstract Task<OcrPage> ReadPageAsync(PreprocessedImage cleaned, int pageNumber, CancellationToken cancellationToken);

    /// <exception cref="OcrException">With <see cref="OcrErrorCodes.TimeBudgetExceeded"/> when the document takes longer than <see cref="OcrOptions.DocumentTimeBudget"/>.</exception>
    public async Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var deadline = timeProvider.GetUtcNow() + Options.DocumentTimeBudget;
        using var budget = new CancellationTokenSource(Options.DocumentTimeBudget, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            var document = await RecognizeWithinAsync(content, contentType, linked.Token).ConfigureAwait(false);
            deadlines.AddOrUpdate(document, deadline);
            return document;
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new OcrException(OcrErrorCodes.TimeBudgetExceeded, $"Reading the document took longer than its time budget of {Options.DocumentTimeBudget.TotalSeconds:0.###} s and was stopped; print it to a plain PDF or scan it again.", e);
        }
    }

    private async Task<OcrDocument> RecognizeWithinAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        if (OcrContentTypes.IsPdf(contentType))
        {
            var pages = new List<OcrPage>();
            foreach (var page in await PdfPageReader.ReadAsync(content, cancellationToken).ConfigureAwait(false))
            {
                pages.Add(page switch
                {
                    PdfPageContent.Text text => text.Page,
                    PdfPageContent.ScannedImage scan => await RecognizeImageAsync(scan.EncodedImage, scan.PageNumber, cancellationToken).ConfigureAwait(false),
                    _ => new OcrPage(page.PageNumber, 0, 0, []),
                });
            }
            return OcrDocument.FromPages(pages);
        }
        if (OcrContentTypes.IsImage(contentType))
        {
            return OcrDocument.FromPages([await RecognizeImageAsync(content, 1, cancellationToken).ConfigureAwait(false)]);
        }
        throw new OcrException($"Unsupported content type '{contentType}': expected application/pdf or an image.");
    }

    /// <summary>
    /// Crops every region (with room to the right for characters the first reading dropped), shrinks the crops, stacks
    /// them into one strip and reads the strip with a single Tesseract run: one process start for all doubtful values.
    /// </summary>
    public async Task<IReadOnlyList<OcrLine?>> RereadAsync(OcrDocument document, IReadOnlyList<PageRegion> regions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(regions);
        var crops = new List<(int Region, GrayImage Image)>();
        for (var i = 0; i < regions.Count; i++)
        {
            var page = document.Pages.FirstOrDefault(p => p.PageNumber == regions[i].PageNumber);
            if (page is not null && pageImages.TryGetValue(page, out var image) && Crop(image, regions[i].Box) is { } crop)
            {
                crops.Add((i, crop));
            }
        }
        var results = new OcrLine?[regions.Count];
        if (crops.Count == 0)
        {
            return results;
        }
        // What is left of the document's budget; a second look past it is not taken (the first reading stands).
        var left = deadlines.TryGetValue(document, out var deadline) ? (DateTimeOffset)deadline - timeProvider.GetUtcNow() : Options.DocumentTimeBudget;
        if (left <= TimeSpan.Zero)
        {
            throw new OcrException(OcrErrorCodes.TimeBudgetExceeded, "No time budget is left for a second look.");
        }
        using var budget = new CancellationTokenSource(left, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        IReadOnlyList<IReadOnlyList<OcrWord>> read;
        try
        {
            read = await ReadStackedAsync(blockReader, crops.Select(c => c.Image).ToList(), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new OcrException(OcrErrorCodes.TimeBudgetExceeded, "The second look ran out of the document's time budget.", e);
        }
        for (var i = 0; i < crops.Count; i++)
        {
            results[crops[i].Region] = read[i].Count == 0 ? null : new OcrLine(read[i]);
        }
        return results;
    }

    /// <summary>
    /// Stacks the crops into one strip, a crop's height of white between them, reads the strip with a single
    /// Tesseract run and returns each crop's words left to right, in the crop's own coordinates.
    /// </summary>
    protected static async Task<IReadOnlyList<IReadOnlyList<OcrWord>>> ReadStackedAsync(TesseractCli reader, List<GrayImage> crops, CancellationToken cancellationToken)
    {
        var gap = crops.Max(c => c.Height);
        var strip = new GrayImage(crops.Max(c => c.Width) + (2 * gap), gap + crops.Sum(c => c.Height + gap), 255);
        var tops = new List<int>();
        var top = gap;
        foreach (var crop in crops)
        {
            for (var y = 0; y < crop.Height; y++)
            {
                Array.Copy(crop.Pixels, y * crop.Width, strip.Pixels, ((top + y) * strip.Width) + gap, crop.Width);
            }
            tops.Add(top);
            top += crop.Height + gap;
        }
        var read = await reader.RecognizeAsync(strip.ToPgm(), 1, cancellationToken).ConfigureAwait(false);
        var results = new List<IReadOnlyList<OcrWord>>();
        for (var i = 0; i < crops.Count; i++)
        {
            var (bandTop, bandBottom) = (tops[i], tops[i] + crops[i].Height);
            results.Add(read.Lines
                .Where(line => line.Box.CenterY >= bandTop && line.Box.CenterY < bandBottom)
                .SelectMany(line => line.Words)
                .OrderBy(word => word.Box.Left)
                .Select(word => word with { Box = word.Box with { Left = word.Box.Left - gap, Top = word.Box.Top - bandTop } })
                .ToList());
        }
        return results;
    }

    private static GrayImage? Crop(GrayImage image, BoundingBox box)
    {
        var height = box.Height;
        var left = (int)Math.Clamp(box.Left - (0.5 * height), 0, image.Width - 1);
        var right = (int)Math.Clamp(box.Right + (1.5 * height), left + 1, image.Width);
        var top = (int)Math.Clamp(box.Top - (0.4 * height), 0, image.Height - 1);
        var bottom = (int)Math.Clamp(box.Bottom + (0.4 * height), top + 1, image.Height);
        if (right - left < 4 || bottom - top < 4)
        {
            return null;
        }
        var crop = image.Crop(left, top, right - left, bottom - top);
        return crop.Resize(Math.Max(1, (int)Math.Round(crop.Width * RereadScale)), Math.Max(1, (int)Math.Round(crop.Height * RereadScale)));
    }

    private async Task<OcrPage> RecognizeImageAsync(ReadOnlyMemory<byte> image, int pageNumber, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Decoding and cleaning cannot be interrupted; a huge image must not hold the caller past the budget.
        var cleaned = await Task.Run(() => preprocessor.Process(image.Span), cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Options.Preprocessing.CropToPrint && !cleaned.LayOnSurface)
        {
            // Tesseract's time grows with the blank paper it is given; everything below reads the cropped page.
            cleaned = cleaned with { Image = ImagePreprocessor.CropToPrint(cleaned.Image, cleaned.FaintInkThreshold) };
        }
        var read = await ReadPageAsync(cleaned, pageNumber, cancellationToken).ConfigureAwait(false);
        var page = Options.DetectCheckboxes ? CheckboxMarks.Apply(read, CheckboxDetector.FindSquares(cleaned.Image, cleaned.FaintInkThreshold)) : read;
        pageImages.AddOrUpdate(page, cleaned.Image);
        return page;
    }
}
