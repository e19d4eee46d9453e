using RuralLoans.Ocr.Engines;

namespace RuralLoans.Ocr.Tests;

public sealed class TesseractAvailabilityTests
{
    [Fact]
    public async Task A_missing_tesseract_binary_fails_with_the_install_command()
    {
        var engine = new TesseractOcrEngine(new OcrOptions { TesseractPath = "/nonexistent/bin/tesseract" });
        var form = SampleForms.All.First(f => f.ContentType == "image/png");

        var error = await Assert.ThrowsAsync<OcrException>(() => engine.RecognizeAsync(SampleForms.Bytes(form.File), form.ContentType, TestContext.Current.CancellationToken));

        Assert.Contains("Tesseract is not installed", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install tesseract-ocr tesseract-ocr-chi-sim", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_chinese_language_data_fails_with_the_install_command()
    {
        var emptyTessdata = Directory.CreateTempSubdirectory("tessdata-").FullName;
        try
        {
            var engine = new TesseractOcrEngine(new OcrOptions { TessdataDirectory = emptyTessdata });
            var form = SampleForms.All.First(f => f.ContentType == "image/png");

            var error = await Assert.ThrowsAsync<OcrException>(() => engine.RecognizeAsync(SampleForms.Bytes(form.File), form.ContentType, TestContext.Current.CancellationToken));

            Assert.Contains("language data 'chi_sim' is missing", error.Message, StringComparison.Ordinal);
            Assert.Contains("tesseract-ocr-chi-sim", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(emptyTessdata, recursive: true);
        }
    }

    [Fact]
    public async Task The_form_reader_reports_an_unavailable_engine_as_an_error_instead_of_throwing()
    {
        var reader = new LoanFormReader(new TesseractOcrEngine(new OcrOptions { TesseractPath = "/nonexistent/bin/tesseract" }));
        var form = SampleForms.All.First(f => f.ContentType == "image/png");

        var result = await reader.ReadAsync(SampleForms.Bytes(form.File), form.ContentType, TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.Null(error.Field);
        Assert.Contains("Tesseract is not installed", error.Message, StringComparison.Ordinal);
        Assert.All(result.Fields.Values, f => Assert.Null(f.Value));
    }
}
