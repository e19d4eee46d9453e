namespace RuralLoans.Ocr;

/// <summary>Turns an uploaded document (image or PDF) into recognised text with positions and confidences.</summary>
public interface IOcrEngine
{
    /// <param name="content">The uploaded file's bytes.</param>
    /// <param name="contentType">Its media type, e.g. <c>image/jpeg</c>, <c>image/png</c>, <c>application/pdf</c>.</param>
    /// <exception cref="OcrException">The engine is unavailable or rejected the document.</exception>
    Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);
}

/// <summary>A rectangle on one page of a recognised document.</summary>
public readonly record struct PageRegion(int PageNumber, BoundingBox Box);

/// <summary>
/// An engine that can take a second look at parts of a page it has just read, e.g. a value that failed its pattern.
/// </summary>
public interface IRegionRereader
{
    /// <summary>
    /// Reads each region of <paramref name="document"/> (as returned by this engine's RecognizeAsync) again, differently
    /// from the first time; null for a region it cannot read again (a PDF text layer, a page it no longer holds).
    /// </summary>
    Task<IReadOnlyList<OcrLine?>> RereadAsync(OcrDocument document, IReadOnlyList<PageRegion> regions, CancellationToken cancellationToken);
}

/// <summary>Recognition failed for a reason the operator can act on; the message says what to fix.</summary>
public class OcrException : Exception
{
    public OcrException(string message)
        : base(message)
    {
    }

    public OcrException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public OcrException(string code, string message, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    public OcrException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OcrException()
    {
    }

    /// <summary>A stable name for the kind of failure (see <see cref="OcrErrorCodes"/>); null for an unclassified one.</summary>
    public string? Code { get; }
}

/// <summary>Stable names of document-level failures, for callers that act on the kind rather than the message.</summary>
public static class OcrErrorCodes
{
    /// <summary>Reading the document (PDF parsing, preprocessing, OCR) took longer than <see cref="OcrOptions.DocumentTimeBudget"/>.</summary>
    public const string TimeBudgetExceeded = "ocr-time-budget-exceeded";

    /// <summary>
    /// The page was read, but as noise: hardly any field could be read with confidence (a blurred or dark photo, the
    /// wrong page). One request to rescan replaces a flag on every field.
    /// </summary>
    public const string PageUnreadable = "ocr-page-unreadable";
}

/// <summary>Media types the engines accept, and the mapping from file names for callers that only have a path.</summary>
public static class OcrContentTypes
{
    public const string Pdf = "application/pdf";
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string Tiff = "image/tiff";
    public const string Bmp = "image/bmp";
    public const string Webp = "image/webp";

    public static string FromFileName(string fileName)
    {
        var extension = Path.GetExtension(fileName).ToUpperInvariant();
        return extension switch
        {
            ".PDF" => Pdf,
            ".JPG" or ".JPEG" => Jpeg,
            ".PNG" => Png,
            ".TIF" or ".TIFF" => Tiff,
            ".BMP" => Bmp,
            ".WEBP" => Webp,
            _ => throw new OcrException($"Unsupported file type '{extension}': expected a PDF or a JPEG/PNG/TIFF/BMP/WebP image."),
        };
    }

    public static bool IsPdf(string contentType) => contentType.StartsWith(Pdf, StringComparison.OrdinalIgnoreCase);

    public static bool IsImage(string contentType) => contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase);
}
