using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr;

/// <summary>Reads a loan application form end to end: the configured OCR engine, then field extraction.</summary>
public sealed class LoanFormReader(IOcrEngine engine, LoanFormExtractor extractor)
{
    public LoanFormReader(IOcrEngine engine)
        : this(engine, new LoanFormExtractor())
    {
    }

    /// <summary>Never throws for a bad document or an unavailable engine: the reason is reported in <see cref="ExtractedForm.Errors"/>.</summary>
    public async Task<ExtractedForm> ReadAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        OcrDocument document;
        try
        {
            document = await engine.RecognizeAsync(content, contentType, cancellationToken).ConfigureAwait(false);
        }
        catch (OcrException e)
        {
            return ExtractedForm.Failed(e.Message, e.Code);
        }
        var first = extractor.Read(document, null);
        if (engine is not IRegionRereader rereader || first.Doubtful.Count == 0)
        {
            return first.Form;
        }
        // Values that fail their pattern get a second look; what it reads replaces them only if it passes.
        var fields = first.Doubtful.Keys.ToList();
        IReadOnlyList<OcrLine?> lines;
        try
        {
            lines = await rereader.RereadAsync(document, fields.Select(f => first.Doubtful[f]).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (OcrException)
        {
            // No second look (Tesseract missing, the budget spent): judged as if it read nothing, so values that were
            // waiting for a second reading to confirm them are flagged rather than accepted.
            return extractor.Extract(document, new Dictionary<string, OcrLine>());
        }
        var secondLook = fields.Zip(lines).Where(pair => pair.Second is not null).ToDictionary(pair => pair.First, pair => pair.Second!);
        return extractor.Extract(document, secondLook);
    }
}

/// <summary>Builds the engine the options ask for.</summary>
public static class OcrEngineFactory
{
    public static IOcrEngine Create(OcrOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Engine switch
        {
            OcrEngineKind.Tesseract => new TesseractOcrEngine(options, timeProvider ?? TimeProvider.System),
            OcrEngineKind.Paddle => new PaddleOcrEngine(options, timeProvider ?? TimeProvider.System),
            OcrEngineKind.DocumentIntelligence => new DocumentIntelligenceOcrEngine(httpClient ?? new HttpClient(), options, timeProvider ?? TimeProvider.System),
            _ => throw new OcrException($"Unknown OCR engine {options.Engine}."),
        };
    }
}
