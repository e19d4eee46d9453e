using System.CommandLine;
using System.Text.RegularExpressions;
using RuralLoans.FormGenerator;
using RuralLoans.Ocr;

var seedOption = new Option<int>("--seed") { Description = "Random seed (same seed, same forms)", DefaultValueFactory = _ => 2026 };
var perTierOption = new Option<int>("--per-tier") { Description = "Forms per quality tier (layouts and fonts rotate)", DefaultValueFactory = _ => 3 };

var outOption = new Option<string>("--out") { Description = "Directory to write forms into", DefaultValueFactory = _ => "samples/forms" };
var heldOutOption = new Option<bool>("--held-out") { Description = "Use the held-out templates, fonts and wordings instead of the development ones" };
var tierOption = new Option<QualityTier[]>("--tier") { Description = "Only these tiers (default: all)", AllowMultipleArgumentsPerToken = true };
var samples = new Command("samples", "Write sample forms with NAME.expected.json next to each") { outOption, seedOption, perTierOption, heldOutOption, tierOption };
samples.SetAction(result =>
{
    var directory = result.GetValue(outOption)!;
    var tiers = result.GetValue(tierOption) is { Length: > 0 } chosen ? chosen : Enum.GetValues<QualityTier>();
    var forms = SampleSet.Generate(directory, result.GetValue(seedOption), result.GetValue(perTierOption), tiers,
        result.GetValue(heldOutOption) ? FormSplit.HeldOut : FormSplit.Development);
    Console.WriteLine($"{forms.Count} forms written to {directory}");
});

var markdownOption = new Option<string?>("--markdown") { Description = "Markdown file whose accuracy section is replaced with the results" };
var noSecondLookOption = new Option<bool>("--no-second-look") { Description = "Read every page once (measures what the second look costs and gains)" };
var csvOption = new Option<string?>("--csv") { Description = "Write every field's outcome and confidence to this CSV file" };
var detailsOption = new Option<bool>("--details") { Description = "List every wrong field" };
var cacheOption = new Option<string?>("--ocr-cache") { Description = "Keep the engine's readings in this directory and reuse them (re-measures extraction alone; CPU figures then cover extraction only)" };
var psmOption = new Option<int>("--psm") { Description = "Tesseract page segmentation mode", DefaultValueFactory = _ => new OcrOptions().PageSegmentationMode };
var engineOption = new Option<string>("--engine") { Description = "The local engine that reads the forms: paddle or tesseract", DefaultValueFactory = _ => new OcrOptions().Engine.ToString().ToLowerInvariant() };
var accuracy = new Command("accuracy", "Generate forms in a temporary directory, read them with the local OCR engine and report field accuracy per tier")
{
    seedOption, perTierOption, markdownOption, detailsOption, psmOption, heldOutOption, csvOption, noSecondLookOption, cacheOption, engineOption,
};
accuracy.SetAction(async (result, cancellationToken) =>
{
    var directory = Directory.CreateTempSubdirectory("ruralloans-forms-").FullName;
    try
    {
        var forms = SampleSet.Generate(directory, result.GetValue(seedOption), result.GetValue(perTierOption), Enum.GetValues<QualityTier>(),
            result.GetValue(heldOutOption) ? FormSplit.HeldOut : FormSplit.Development);
        IOcrEngine engine = OcrEngineFactory.Create(new OcrOptions { Engine = OcrOptions.ParseEngine(result.GetValue(engineOption)!), PageSegmentationMode = result.GetValue(psmOption) });
        if (result.GetValue(cacheOption) is { } cache)
        {
            engine = new CachedEngine(engine, cache);
        }
        var scores = await AccuracyHarness.ScoreAsync(directory, forms, result.GetValue(noSecondLookOption) ? new ReadOnce(engine) : engine, cancellationToken);
        var report = AccuracyHarness.Report(scores);
        Console.WriteLine(report);
        if (result.GetValue(detailsOption))
        {
            Console.WriteLine(AccuracyHarness.Details(scores));
            Console.WriteLine(AccuracyHarness.FlaggedRight(scores));
        }
        if (result.GetValue(csvOption) is { } csv)
        {
            await File.WriteAllTextAsync(csv, AccuracyHarness.Csv(scores), cancellationToken);
        }
        if (result.GetValue(markdownOption) is { } markdown)
        {
            var command = $"dotnet run --project tools/RuralLoans.FormGenerator -c Release -- accuracy --per-tier {result.GetValue(perTierOption)} --seed {result.GetValue(seedOption)} --psm {result.GetValue(psmOption)} --markdown {markdown}";
            var section = $"<!-- accuracy:begin -->\nProduced by `{command}` on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}:\n\n{report}<!-- accuracy:end -->";
            var existing = File.Exists(markdown) ? await File.ReadAllTextAsync(markdown, cancellationToken) : string.Empty;
            var updated = Regex.IsMatch(existing, "<!-- accuracy:begin -->")
                ? Regex.Replace(existing, "<!-- accuracy:begin -->.*?<!-- accuracy:end -->", section.Replace("$", "$$", StringComparison.Ordinal), RegexOptions.Singleline)
                : existing + "\n" + section + "\n";
            await File.WriteAllTextAsync(markdown, updated, cancellationToken);
        }
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
});

var demoOutOption = new Option<string>("--out") { Description = "Directory to write the demo applications into", DefaultValueFactory = _ => "samples/demo" };
var demo = new Command("demo-samples", "Write the applications ./ruralloans demo submits, with cases.json saying what each one needs") { demoOutOption };
demo.SetAction(result =>
{
    var cases = DemoSamples.Write(result.GetValue(demoOutOption)!);
    Console.WriteLine($"{cases.Count} demo applications written to {result.GetValue(demoOutOption)}");
});

var fileArgument = new Argument<string>("FILE") { Description = "A form image or PDF" };
var lines = new Command("lines", "Print the lines an engine read from a form, with word boxes, then the extracted fields (for diagnosing a form)") { fileArgument };
lines.SetAction(async (result, cancellationToken) =>
{
    var path = result.GetValue(fileArgument)!;
    var document = await OcrEngineFactory.Create(new OcrOptions()).RecognizeAsync(await File.ReadAllBytesAsync(path, cancellationToken), OcrContentTypes.FromFileName(path), cancellationToken);
    foreach (var line in document.Pages.SelectMany(p => p.Lines))
    {
        Console.WriteLine(string.Join(" | ", line.Words.Select(w => $"{w.Text}@{w.Box.Left:0},{w.Box.Top:0},{w.Box.Width:0}x{w.Box.Height:0}")));
    }
    if (!OcrContentTypes.IsPdf(OcrContentTypes.FromFileName(path)))
    {
        // The shapes the checkbox detector looks at, before its row rule: every square outline and how much ink is inside.
        var cleaned = new RuralLoans.Ocr.Imaging.ImagePreprocessor().Process(await File.ReadAllBytesAsync(path, cancellationToken));
        // The engine reads scans cropped to their print, so the boxes are given in the same coordinates as the words.
        var page = new OcrOptions().Preprocessing.CropToPrint && !cleaned.LayOnSurface
            ? RuralLoans.Ocr.Imaging.ImagePreprocessor.CropToPrint(cleaned.Image, cleaned.FaintInkThreshold)
            : cleaned.Image;
        foreach (var box in RuralLoans.Ocr.Imaging.CheckboxDetector.FindSquares(page, cleaned.FaintInkThreshold))
        {
            Console.WriteLine($"box {box.Box.Left:0},{box.Box.Top:0},{box.Box.Width:0}x{box.Box.Height:0} ink {box.InnerInk:0.00}");
        }
    }
    var form = new RuralLoans.Ocr.Extraction.LoanFormExtractor().Extract(document);
    foreach (var (name, field) in form.Fields)
    {
        Console.WriteLine($"{name}: {field.Value} ({field.Confidence:0.00}) raw '{field.RawText}'");
    }
    foreach (var error in form.Errors)
    {
        Console.WriteLine($"! {error.Field}: {error.Message}");
    }
});

return await new RootCommand("RuralLoans sample loan application forms: generation and OCR accuracy") { samples, accuracy, demo, lines }.Parse(args).InvokeAsync();

/// <summary>An engine without its second look.</summary>
internal sealed class ReadOnce(IOcrEngine inner) : IOcrEngine
{
    public Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
        inner.RecognizeAsync(content, contentType, cancellationToken);
}
