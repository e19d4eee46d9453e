using System.Collections.Concurrent;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Local engine that reads pages with PaddleOCR's PP-OCRv4 Chinese detector and recogniser in process
/// (<see cref="PaddleTextReader"/>). It finds each line of print by its own detection instead of a layout analysis,
/// which is where Tesseract loses cells and columns on poor photos, and its recogniser reads blurred Chinese far better
/// than the chi_sim model served for Tesseract.
/// </summary>
public sealed class PaddleOcrEngine(OcrOptions options, TimeProvider timeProvider) : ImageOcrEngine(options, timeProvider)
{
    // Loading the two models takes a fraction of a second and ~60 MB; every engine of a process shares them.
    private static readonly ConcurrentDictionary<(string Directory, int MaxSide), Lazy<PaddleTextReader>> Readers = new();

    private readonly Lazy<PaddleTextReader> reader = Readers.GetOrAdd(
        (PaddleModels.Locate(options.PaddleModelDirectory), options.PaddleDetectorMaxSide),
        key => new Lazy<PaddleTextReader>(() => new PaddleTextReader(key.Directory, key.MaxSide)));

    public PaddleOcrEngine(OcrOptions options)
        : this(options, TimeProvider.System)
    {
    }

    protected override Task<OcrPage> ReadPageAsync(PreprocessedImage cleaned, int pageNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cleaned);
        // Inference cannot be interrupted midway; the budget's cancellation releases the caller, not the thread.
        return Task.Run(() => reader.Value.Read(cleaned.Image, pageNumber, cancellationToken), cancellationToken).WaitAsync(cancellationToken);
    }
}
