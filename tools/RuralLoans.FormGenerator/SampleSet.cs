using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.FormGenerator;

public enum QualityTier
{
    CleanScan,
    PhonePhoto,
    TextPdf,
    ScannedPdf,
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

    [JsonIgnore]
    public string ContentType => Path.GetExtension(File) switch
    {
        ".pdf" => "application/pdf",
        ".png" => "image/png",
        _ => "image/jpeg",
    };
}

/// <summary>Generates a deterministic set of forms: every layout in every tier, cycling through the fonts.</summary>
public static class SampleSet
{
    public static IReadOnlyList<SampleForm> Generate(string directory, int seed, int formsPerTier, IReadOnlyList<QualityTier> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var values = new FormValuesGenerator(random);
        var layouts = Enum.GetValues<FormLayout>();
        var forms = new List<SampleForm>();
        foreach (var tier in tiers)
        {
            for (var i = 0; i < formsPerTier; i++)
            {
                var layout = layouts[i % layouts.Length];
                // Skia subsets only the CFF-outline Noto fonts in PDFs; the TrueType collections would embed 10 MB each.
                var fonts = tier == QualityTier.TextPdf ? FormFonts.PdfFamilies : FormFonts.Families;
                var font = fonts[(i + (int)tier) % fonts.Count];
                var form = values.Next();
                var asciiColon = random.Next(4) == 0;
                using var typeface = FormFonts.Load(font);
                var images = new FormImages(new FormRenderer(typeface));
                var (extension, bytes) = tier switch
                {
                    QualityTier.CleanScan => (".png", images.CleanScan(form, layout, asciiColon)),
                    QualityTier.PhonePhoto => (".jpg", images.PhonePhoto(form, layout, asciiColon, random)),
                    QualityTier.TextPdf => (".pdf", images.TextPdf(form, layout, asciiColon)),
                    QualityTier.ScannedPdf => (".pdf", FormImages.ImageOnlyPdf(images.PhonePhoto(form, layout, asciiColon, random))),
                    _ => throw new ArgumentOutOfRangeException(nameof(tiers)),
                };
                var name = $"{JsonNamingPolicy.KebabCaseLower.ConvertName(tier.ToString())}-{JsonNamingPolicy.KebabCaseLower.ConvertName(layout.ToString())}-{i + 1:00}";
                File.WriteAllBytes(Path.Combine(directory, name + extension), bytes);
                var sample = new SampleForm(
                    name + extension,
                    tier,
                    layout,
                    font,
                    form.Expected,
                    form.Fields.ToDictionary(f => f.Key, f => f.Value.Label + "：" + f.Value.Printed));
                File.WriteAllText(Path.Combine(directory, name + SampleForm.ExpectedSuffix), JsonSerializer.Serialize(sample, SampleForm.Json));
                forms.Add(sample);
            }
        }
        return forms;
    }
}
