using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>The demo's digital applications still read as the demo expects under the cross-checks.</summary>
public sealed class DemoApplicationFormTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ruralloans-demo-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Demo_text_pdfs_read_as_printed_with_nothing_to_confirm()
    {
        var cases = DemoSamples.Write(directory).Where(c => c.File.EndsWith(".pdf", StringComparison.Ordinal)).ToList();
        var reader = new LoanFormReader(new TesseractOcrEngine(new OcrOptions()));

        Assert.NotEmpty(cases);
        foreach (var demo in cases)
        {
            var form = await reader.ReadAsync(await File.ReadAllBytesAsync(Path.Combine(directory, demo.File), TestContext.Current.CancellationToken), OcrContentTypes.Pdf, TestContext.Current.CancellationToken);

            // The pipeline asks the partner to confirm every field needing review, so a flag here would stop the demo.
            Assert.Empty(form.Errors);
            foreach (var field in LoanFormFields.All)
            {
                Assert.Equal(demo.Truth[field], form.Fields[field].Value);
                Assert.False(form.NeedsReview(field), $"{demo.File}: {field} needs review");
            }
        }
    }
}
