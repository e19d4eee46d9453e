using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Tests;

/// <summary>Fresh forms from the generator (fonts from the CJK font packages), read back with real Tesseract.</summary>
public sealed class GeneratedFormTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ruralloans-forms-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public Task Freshly_generated_phone_photos_of_every_development_template_are_read_by_tesseract() =>
        DevelopmentTemplateReading.AssertReadAsync(directory, QualityTier.PhonePhoto, new TesseractOcrEngine(new OcrOptions()), minRightShare: 0.9, maxSilentErrors: 1);

    [Fact]
    public async Task Text_pdfs_of_every_held_out_template_are_read_completely()
    {
        // The text layer has no OCR errors: what is left to fail is finding labels and values in a layout and wording
        // the reader was not developed on, and parsing every value format.
        var forms = SampleSet.Generate(directory, seed: 99, formsPerTier: 6, [QualityTier.TextPdf], FormSplit.HeldOut);

        var scores = await AccuracyHarness.ScoreAsync(directory, forms, new TesseractOcrEngine(new OcrOptions()), TestContext.Current.CancellationToken);

        Assert.Equal(FormTemplates.Layouts(FormSplit.HeldOut).Count, scores.Select(s => s.Form.Layout).Distinct().Count());
        Assert.All(scores, s => Assert.True(s.WrongFields.Count == 0, AccuracyHarness.Details([s])));
    }

    [Fact]
    public void Held_out_forms_share_no_template_font_or_wording_with_development_forms()
    {
        var development = SampleSet.Generate(Path.Combine(directory, "dev"), seed: 3, formsPerTier: 4, [QualityTier.CleanScan]);
        var heldOut = SampleSet.Generate(Path.Combine(directory, "held"), seed: 3, formsPerTier: 4, [QualityTier.CleanScan], FormSplit.HeldOut);

        Assert.Empty(development.Select(f => f.Layout).Intersect(heldOut.Select(f => f.Layout)));
        Assert.Empty(development.Select(f => f.Font).Intersect(heldOut.Select(f => f.Font)));
        static IEnumerable<string> Labels(IEnumerable<SampleForm> forms) => forms.SelectMany(f => f.Printed.Values.Select(p => p[..p.IndexOf('：', StringComparison.Ordinal)]));
        Assert.Empty(Labels(development).Intersect(Labels(heldOut)));
    }

    [Fact]
    public void The_same_seed_generates_the_same_forms()
    {
        var first = SampleSet.Generate(Path.Combine(directory, "a"), seed: 7, formsPerTier: 2, [QualityTier.CleanScan]);
        var second = SampleSet.Generate(Path.Combine(directory, "b"), seed: 7, formsPerTier: 2, [QualityTier.CleanScan]);

        Assert.Equal(first.Select(f => f.Expected), second.Select(f => f.Expected));
        Assert.Equal(File.ReadAllBytes(Path.Combine(directory, "a", first[0].File)), File.ReadAllBytes(Path.Combine(directory, "b", second[0].File)));
    }

    [Theory]
    [InlineData(3.0)]
    [InlineData(-2.5)]
    public void Deskew_finds_the_tilt_of_a_rotated_page(double tilt)
    {
        var form = SampleForms.All.First(f => f.Tier == QualityTier.CleanScan);
        var page = GrayImage.Decode(SampleForms.Bytes(form.File));
        var tilted = ImagePreprocessor.Rotate(page, -tilt);

        var estimate = ImagePreprocessor.EstimateSkewDegrees(tilted, 170, maxDegrees: 6);

        Assert.InRange(estimate, tilt - 0.2, tilt + 0.2);
    }

    [Fact]
    public void Uneven_lighting_is_flattened_to_white_paper()
    {
        // A blank page lit from the left: 250 at one edge falling to 120 at the other.
        var width = 400;
        var pixels = new byte[width * 300];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(250 - (130 * (i % width) / width));
        }
        var page = new GrayImage(width, 300, pixels);

        ImagePreprocessor.NormalizeIllumination(page);

        // Before: 120..250, far below the ink threshold of 170 on the dark side. After: near-white everywhere.
        Assert.All(page.Pixels, p => Assert.InRange(p, (byte)225, (byte)255));
    }
}
