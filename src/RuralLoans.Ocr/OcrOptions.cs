using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr;

public enum OcrEngineKind
{
    Tesseract,
    DocumentIntelligence,
    Paddle,
}

/// <summary>Which engine reads uploaded forms, and how to reach it.</summary>
public sealed record OcrOptions
{
    public OcrEngineKind Engine { get; init; } = OcrEngineKind.Paddle;

    /// <summary>Directory holding the PP-OCR model files; null finds them (see <see cref="Engines.PaddleModels.Locate"/>).</summary>
    public string? PaddleModelDirectory { get; init; }

    /// <summary>
    /// The longest side the page is scaled to for text detection. PaddleOCR's default is 960; form print is large enough
    /// to be found at 800, which costs a third less (development seeds 93 and 97: as many fields right or more).
    /// </summary>
    public int PaddleDetectorMaxSide { get; init; } = 800;

    /// <summary>The tesseract executable; a bare name is looked up on PATH.</summary>
    public string TesseractPath { get; init; } = "tesseract";

    /// <summary>Directory holding <c>chi_sim.traineddata</c>; null uses Tesseract's built-in location.</summary>
    public string? TessdataDirectory { get; init; }

    /// <summary>chi_sim alone: adding eng turns short Chinese words into Latin look-alikes.</summary>
    public string TesseractLanguage { get; init; } = "chi_sim";

    /// <summary>
    /// The model of the second look at values that failed their pattern: Debian's <c>tesseract-ocr-script-hans</c>
    /// (all Han-script languages) misreads other glyphs than chi_sim, so its reading of a value chi_sim got wrong
    /// passes the pattern more often than chi_sim's own second reading does.
    /// </summary>
    public string SecondLookLanguage { get; init; } = "HanS";

    /// <summary>4 = a single column of text of variable sizes; 6 reads nothing useful from ruled tables.</summary>
    public int PageSegmentationMode { get; init; } = 4;

    public TimeSpan TesseractTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long reading one document may take in all (PDF parsing, image decoding and cleaning, every Tesseract run).
    /// A form page takes a second or two even on a busy machine; a file built to make the parser or the OCR work for
    /// minutes fails with <see cref="OcrErrorCodes.TimeBudgetExceeded"/> instead of holding the activity that long.
    /// </summary>
    public TimeSpan DocumentTimeBudget { get; init; } = TimeSpan.FromSeconds(60);

    public PreprocessingOptions Preprocessing { get; init; } = new();

    /// <summary>
    /// Whether print that the page reading left out (a column Tesseract's layout analysis dropped) is read on its own
    /// in one more Tesseract run, on the pages that have three runs of it or more.
    /// </summary>
    public bool ReadLeftOutPrint { get; init; } = true;

    /// <summary>Whether checkboxes are read from the page's pixels (square outlines, inked inside or not) rather than from OCR of their glyphs.</summary>
    public bool DetectCheckboxes { get; init; } = true;

    /// <summary>e.g. https://my-resource.cognitiveservices.azure.com/</summary>
    public Uri? DocumentIntelligenceEndpoint { get; init; }

    public string? DocumentIntelligenceKey { get; init; }

    public string DocumentIntelligenceModelId { get; init; } = "prebuilt-layout";

    /// <summary>How often to poll an analyze operation when the service sends no Retry-After.</summary>
    public TimeSpan DocumentIntelligencePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times one request is retried after 429 or 5xx before the failure is surfaced.</summary>
    public int DocumentIntelligenceMaxRetries { get; init; } = 5;

    /// <summary>Give up on an analyze operation that has not finished after this long.</summary>
    public TimeSpan DocumentIntelligenceTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public static OcrEngineKind ParseEngine(string value) => value.Trim().ToUpperInvariant() switch
    {
        "TESSERACT" => OcrEngineKind.Tesseract,
        "PADDLE" or "PP-OCR" or "PPOCR" => OcrEngineKind.Paddle,
        "DOCUMENTINTELLIGENCE" or "DOCUMENT-INTELLIGENCE" or "AZURE" => OcrEngineKind.DocumentIntelligence,
        _ => throw new OcrException($"Unknown OCR engine '{value}': use 'paddle', 'tesseract' or 'documentintelligence'."),
    };
}
