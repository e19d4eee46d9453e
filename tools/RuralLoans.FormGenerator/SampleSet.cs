using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.FormGenerator;

public enum QualityTier
{
    /// <summary>Flatbed scan, grayscale PNG, 150–300 dpi.</summary>
    CleanScan,

    /// <summary>Page on a table: tilt 1–4°, perspective, defocus, light fall-off, sensor noise, JPEG q50–70.</summary>
    PhonePhoto,

    /// <summary>PDF with a real text layer.</summary>
    TextPdf,

    /// <summary>Image-only PDF of a scanned page (slight tilt, JPEG q80–90).</summary>
    ScannedPdf,

    /// <summary>A copier or an office scanner on a bad day: tilt to 2°, slight blur and noise, JPEG q65–85.</summary>
    Mild,

    /// <summary>A poor phone photo: tilt 2.5–4°, low resolution, heavy blur and noise, strong shade, JPEG q35–45.</summary>
    Harsh,
}

/// <summary>One generated form file and what a reader must extract from it; stored next to it as NAME.expected.json.</summary>
public sealed record SampleForm(
    string File,
    QualityTier Tier,
    FormLayout Layout,
    string Font,
    IReadOnlyDictionary<string, string> Expected,
    IReadOnlyDictionary<string, string> Printed)
{
    public const string ExpectedSuffix = ".expected.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static IReadOnlyList<SampleForm> LoadAll(string directory) =>
        System.IO.Directory.GetFiles(directory, "*" + ExpectedSuffix)
            .Order(StringComparer.Ordinal)
            .Select(path => JsonSerializer.Deserialize<SampleForm>(System.IO.File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty."))
            .ToList();

    /// <summary>Paper size and resolution the page was printed and captured at, e.g. "A5 200dpi".</summary>
    public string? Paper { get; init; }

    public FormSplit Split { get; init; }

    [JsonIgnore]
    public string ContentType => Path.GetExtension(File) switch
    {
        ".pdf" => "application/pdf",
        ".png" => "image/png",
        _ => "image/jpeg",
    };
}

/// <summary>
/// Which templates and fonts the extractor is developed on, and which are kept for measuring how it does on a form
/// it has never seen (a new partner's).
/// </summary>
public static class FormTemplates
{
    public static IReadOnlyList<FormLayout> Layouts(FormSplit split) => split == FormSplit.Development
        ? [FormLayout.LabelValueLines, FormLayout.RuledTable, FormLayout.UnderlinedBlanks, FormLayout.ShadedTableSixCells]
        : [FormLayout.TwoColumns, FormLayout.RuledTableTwoCells, FormLayout.LabelAboveValue];

    public static IReadOnlyList<string> Fonts(FormSplit split) => split == FormSplit.Development
        ? ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "AR PL UMing CN"]
        : ["Noto Serif CJK SC", "WenQuanYi Micro Hei", "AR PL SungtiL GB"];

    /// <summary>Skia subsets only the CFF-outline Noto fonts in PDFs; the TrueType collections would embed 10 MB each.</summary>
    public static IReadOnlyList<string> PdfFonts(FormSplit split) => split == FormSplit.Development ? ["Noto Sans CJK SC"] : ["Noto Serif CJK SC"];
}

/// <summary>Generates a deterministic set of forms: every template of the split in every tier, cycling through its fonts.</summary>
public static class SampleSet
{
    public static IReadOnlyList<SampleForm> Generate(string directory, int seed, int formsPerTier, IReadOnlyList<QualityTier> tiers) =>
        Generate(directory, seed, formsPerTier, tiers, FormSplit.Development);

    public static IReadOnlyList<SampleForm> Generate(string directory, int seed, int formsPerTier, IReadOnlyList<QualityTier> tiers, FormSplit split)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var values = new FormValuesGenerator(random, split);
        var layouts = FormTemplates.Layouts(split);
        var forms = new List<SampleForm>();
        foreach (var tier in tiers)
        {
            for (var i = 0; i < formsPerTier; i++)
            {
                var layout = layouts[i % layouts.Count];
                var fonts = tier == QualityTier.TextPdf ? FormTemplates.PdfFonts(split) : FormTemplates.Fonts(split);
                var font = fonts[(i + (int)tier) % fonts.Count];
                var form = values.Next();
                var asciiColon = random.Next(4) == 0;
                var paper = PaperSize.All[random.Next(PaperSize.All.Count)];
                using var typeface = FormFonts.Load(font);
                var images = new FormImages(new FormRenderer(typeface));
                double Between(double low, double high) => low + (random.NextDouble() * (high - low));
                double Signed(double low, double high) => Between(low, high) * (random.Next(2) == 0 ? -1 : 1);
                // A scanner has a resolution; a phone frames the whole sheet, whatever its size, in about the same pixels.
                var dpi = tier switch
                {
                    QualityTier.Harsh => (int)(random.Next(1100, 1301) * 72 / paper.Width),
                    QualityTier.PhonePhoto => (int)(random.Next(1400, 1801) * 72 / paper.Width),
                    QualityTier.Mild => random.Next(150, 251),
                    _ => random.Next(150, 301),
                };
                var (extension, bytes) = tier switch
                {
                    QualityTier.CleanScan => (".png", images.CleanScan(form, layout, asciiColon, paper, dpi)),
                    QualityTier.TextPdf => (".pdf", images.TextPdf(form, layout, asciiColon, paper)),
                    QualityTier.ScannedPdf => (".pdf", FormImages.ImageOnlyPdf(images.Captured(form, layout, asciiColon, paper,
                        new FormImages.Capture(dpi, Signed(0, 0.8), 0, 0.3, 2, random.Next(80, 91), false, 0, true), random))),
                    QualityTier.Mild => (".jpg", images.Captured(form, layout, asciiColon, paper,
                        new FormImages.Capture(dpi, Signed(0.5, 2), 0, Between(0.5, 0.9), Between(3, 6), random.Next(65, 86), false, Between(0, 0.1), random.Next(2) == 0), random)),
                    QualityTier.PhonePhoto => (".jpg", images.Captured(form, layout, asciiColon, paper,
                        new FormImages.Capture(dpi, Signed(1, 4), 0.045, Between(0.6, 1.4), Between(4, 9), random.Next(50, 71), true, Between(0.25, 0.45), false), random)),
                    QualityTier.Harsh => (".jpg", images.Captured(form, layout, asciiColon, paper,
                        new FormImages.Capture(dpi, Signed(2.5, 4), 0.06, Between(1.0, 1.4), Between(8, 12), random.Next(35, 46), true, Between(0.35, 0.5), false), random)),
                    _ => throw new ArgumentOutOfRangeException(nameof(tiers)),
                };
                var kebab = JsonNamingPolicy.KebabCaseLower;
                var name = $"{(split == FormSplit.HeldOut ? "heldout-" : string.Empty)}{kebab.ConvertName(tier.ToString())}-{kebab.ConvertName(layout.ToString())}-{i + 1:00}";
                File.WriteAllBytes(Path.Combine(directory, name + extension), bytes);
                var sample = new SampleForm(
                    name + extension,
                    tier,
                    layout,
                    font,
                    form.Expected,
                    form.Fields.ToDictionary(f => f.Key, f => f.Value.Label + "：" + f.Value.Printed))
                {
                    Paper = tier == QualityTier.TextPdf ? paper.Name : $"{paper.Name} {dpi}dpi",
                    Split = split,
                };
                File.WriteAllText(Path.Combine(directory, name + SampleForm.ExpectedSuffix), JsonSerializer.Serialize(sample, SampleForm.Json));
                forms.Add(sample);
            }
        }
        return forms;
    }
}
