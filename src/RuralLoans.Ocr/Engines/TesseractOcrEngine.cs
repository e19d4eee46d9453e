using System.Runtime.CompilerServices;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Local engine: images are preprocessed in memory and read by the tesseract CLI; PDFs use their text layer when
/// they have one and OCR their embedded scan when they do not. Values that fail their pattern can be read a second
/// time from the same cleaned page at a smaller scale (<see cref="RereadAsync"/>).
/// </summary>
public sealed class TesseractOcrEngine(OcrOptions options, TimeProvider timeProvider) : IOcrEngine, IRegionRereader
{
    /// <summary>
    /// The second look shrinks the value: the chi_sim fast model drops 乡/镇 after 合 (三合乡 → 三合) and misreads
    /// some digits at one glyph size and not at another, so a different size is a genuinely different reading.
    /// </summary>
    private const double RereadScale = 0.72;

    private readonly TesseractCli tesseract = new(options);

    // psm 6: the stacked crops form one uniform block of single lines. A second model (HanS, trained on the script
    // rather than the language) errs on other glyphs than chi_sim does.
    private readonly TesseractCli blockReader = new(options with { PageSegmentationMode = 6, TesseractLanguage = options.SecondLookLanguage });
    private readonly ImagePreprocessor preprocessor = new(options.Preprocessing);

    // The cleaned image of each page this engine read, for as long as the caller holds the page.
    private readonly ConditionalWeakTable<OcrPage, GrayImage> pageImages = [];

    // When each document this engine read runs out of its time budget, so its second look stays within it too.
    private readonly ConditionalWeakTable<OcrDocument, object> deadlines = [];

    public TesseractOcrEngine(OcrOptions options)
        : this(options, TimeProvider.System)
    {
    }

    /// <exception cref="OcrException">With <see cref="OcrErrorCodes.TimeBudgetExceeded"/> when the document takes longer than <see cref="OcrOptions.DocumentTimeBudget"/>.</exception>
    public async Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var deadline = timeProvider.GetUtcNow() + options.DocumentTimeBudget;
        using var budget = new CancellationTokenSource(options.DocumentTimeBudget, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            var document = await RecognizeWithinAsync(content, contentType, linked.Token).ConfigureAwait(false);
            deadlines.AddOrUpdate(document, deadline);
            return document;
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new OcrException(OcrErrorCodes.TimeBudgetExceeded, $"Reading the document took longer than its time budget of {options.DocumentTimeBudget.TotalSeconds:0.###} s and was stopped; print it to a plain PDF or scan it again.", e);
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
        var gap = crops.Max(c => c.Image.Height);
        var strip = new GrayImage(crops.Max(c => c.Image.Width) + (2 * gap), gap + crops.Sum(c => c.Image.Height + gap), 255);
        var bands = new List<(int Region, int Top, int Bottom)>();
        var top = gap;
        foreach (var (region, crop) in crops)
        {
            for (var y = 0; y < crop.Height; y++)
            {
                Array.Copy(crop.Pixels, y * crop.Width, strip.Pixels, ((top + y) * strip.Width) + gap, crop.Width);
            }
            bands.Add((region, top, top + crop.Height));
            top += crop.Height + gap;
        }
        // What is left of the document's budget; a second look past it is not taken (the first reading stands).
        var left = deadlines.TryGetValue(document, out var deadline) ? (DateTimeOffset)deadline - timeProvider.GetUtcNow() : options.DocumentTimeBudget;
        if (left <= TimeSpan.Zero)
        {
            throw new OcrException(OcrErrorCodes.TimeBudgetExceeded, "No time budget is left for a second look.");
        }
        using var budget = new CancellationTokenSource(left, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        OcrPage read;
        try
        {
            read = await blockReader.RecognizeAsync(strip.ToPgm(), 1, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new OcrException(OcrErrorCodes.TimeBudgetExceeded, "The second look ran out of the document's time budget.", e);
        }
        foreach (var (region, bandTop, bandBottom) in bands)
        {
            var words = read.Lines
                .Where(line => line.Box.CenterY >= bandTop && line.Box.CenterY < bandBottom)
                .SelectMany(line => line.Words)
                .OrderBy(word => word.Box.Left)
                .ToList();
            results[region] = words.Count == 0 ? null : new OcrLine(words);
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
        var read = await tesseract.RecognizeAsync(cleaned.Image.ToPgm(), pageNumber, cancellationToken).ConfigureAwait(false);
        var page = options.DetectCheckboxes ? CheckboxMarks.Apply(read, CheckboxDetector.Find(cleaned.Image, cleaned.FaintInkThreshold)) : read;
        pageImages.AddOrUpdate(page, cleaned.Image);
        return page;
    }
}
