using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Local engine: images are preprocessed in memory and read by the tesseract CLI; PDFs use their text layer when
/// they have one and OCR their embedded scan when they do not.
/// </summary>
public sealed class TesseractOcrEngine(OcrOptions options) : IOcrEngine
{
    private readonly TesseractCli tesseract = new(options);
    private readonly ImagePreprocessor preprocessor = new(options.Preprocessing);

    public async Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        if (OcrContentTypes.IsPdf(contentType))
        {
            var pages = new List<OcrPage>();
            foreach (var page in PdfPageReader.Read(content))
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

    private async Task<OcrPage> RecognizeImageAsync(ReadOnlyMemory<byte> image, int pageNumber, CancellationToken cancellationToken)
    {
        var cleaned = preprocessor.Process(image.Span);
        return await tesseract.RecognizeAsync(cleaned.Image.ToPgm(), pageNumber, cancellationToken).ConfigureAwait(false);
    }
}
