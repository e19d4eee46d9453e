using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.Ocr.Extraction;

/// <summary>One label wording and what it stands for: a form field, a field read only for cross-checks, or a field we ignore.</summary>
public sealed record LabelEntry(string Field, string Label, LabelKind Kind);

public enum LabelKind
{
    /// <summary>One of the application fields in <see cref="LoanFormFields.All"/>.</summary>
    Field,

    /// <summary>Read only to check another field (a stated age against the ID's birth date).</summary>
    Auxiliary,

    /// <summary>A field the application does not use; recognised so that its value is never taken for another field.</summary>
    Ignored,
}

/// <summary>
/// What partners print on their forms: label wordings per field and the formats of partner codes. The defaults ship
/// with the library (config/ocr/labels.json, config/ocr/partner-codes.json); a partner's wording is added with a JSON
/// file of the same shape, no code: set <c>RURALLOANS_OCR_DICTIONARY</c> to its path (several separated by ';').
/// </summary>
public sealed class FormVocabulary
{
    public const string EnvironmentVariable = "RURALLOANS_OCR_DICTIONARY";

    /// <summary>The field name under which a stated age is read.</summary>
    public const string StatedAge = "statedAge";

    /// <summary>The field name labels of unused fields are read under.</summary>
    public const string IgnoredField = "(ignored)";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly Lazy<FormVocabulary> LazyDefault = new(() =>
    {
        var extra = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var files = string.IsNullOrWhiteSpace(extra) ? [] : extra.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return LoadWith(files);
    });

    private FormVocabulary(IReadOnlyList<LabelEntry> labels, IReadOnlyList<PartnerCodeFormat> partnerCodes)
    {
        Labels = labels;
        PartnerCodes = partnerCodes;
    }

    /// <summary>The shipped wordings and formats, plus any files named in <see cref="EnvironmentVariable"/>.</summary>
    public static FormVocabulary Default => LazyDefault.Value;

    public IReadOnlyList<LabelEntry> Labels { get; }

    public IReadOnlyList<PartnerCodeFormat> PartnerCodes { get; }

    /// <summary>The shipped dictionary extended with partner files (same JSON shape as labels.json and/or partner-codes.json).</summary>
    public static FormVocabulary LoadWith(IEnumerable<string> partnerFiles)
    {
        ArgumentNullException.ThrowIfNull(partnerFiles);
        var documents = new List<DictionaryFile> { Parse(ReadResource("labels.json"), "labels.json"), Parse(ReadResource("partner-codes.json"), "partner-codes.json") };
        foreach (var file in partnerFiles)
        {
            if (!File.Exists(file))
            {
                throw new OcrException($"OCR dictionary file '{file}' (from {EnvironmentVariable} or --dictionary) does not exist.");
            }
            documents.Add(Parse(File.ReadAllText(file), file));
        }
        return FromFiles(documents);
    }

    /// <summary>A dictionary from JSON texts alone (no shipped defaults), e.g. for a partner's form on its own.</summary>
    public static FormVocabulary FromJson(params string[] jsonDocuments)
    {
        ArgumentNullException.ThrowIfNull(jsonDocuments);
        return FromFiles(jsonDocuments.Select((text, i) => Parse(text, $"document {i + 1}")).ToList());
    }

    private static FormVocabulary FromFiles(IReadOnlyList<DictionaryFile> files)
    {
        var labels = new List<LabelEntry>();
        var seen = new HashSet<(string, string)>();
        void Add(string field, string pattern, LabelKind kind)
        {
            foreach (var label in Expand(pattern).Select(TextNormalizer.Normalize).Where(l => l.Length > 0))
            {
                if (seen.Add((field, label)))
                {
                    labels.Add(new LabelEntry(field, label, kind));
                }
            }
        }
        foreach (var file in files)
        {
            foreach (var (field, patterns) in file.Fields ?? [])
            {
                if (!LoanFormFields.All.Contains(field))
                {
                    throw new OcrException($"The OCR dictionary names an unknown field '{field}'; fields are: {string.Join(", ", LoanFormFields.All)}.");
                }
                patterns.ForEach(p => Add(field, p, LabelKind.Field));
            }
            foreach (var (field, patterns) in file.Auxiliary ?? [])
            {
                patterns.ForEach(p => Add(field, p, LabelKind.Auxiliary));
            }
            (file.Ignore ?? []).ForEach(p => Add(IgnoredField, p, LabelKind.Ignored));
        }
        var formats = files.SelectMany(f => f.Formats ?? []).ToList();
        formats.ForEach(f => f.Validate());
        return new FormVocabulary(labels, formats);
    }

    /// <summary>Expands {a|b|} choices: "{借款人|申请人}姓名" → 借款人姓名, 申请人姓名.</summary>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var open = pattern.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return [pattern];
        }
        var close = pattern.IndexOf('}', open);
        if (close < 0)
        {
            throw new OcrException($"Label pattern '{pattern}' opens a choice with {{ but never closes it.");
        }
        var head = pattern[..open];
        var tails = Expand(pattern[(close + 1)..]);
        return pattern[(open + 1)..close].Split('|').SelectMany(choice => tails.Select(tail => head + choice + tail)).ToList();
    }

    private static DictionaryFile Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<DictionaryFile>(json, Json) ?? new DictionaryFile();
        }
        catch (JsonException e)
        {
            throw new OcrException($"OCR dictionary {source} is not valid JSON: {e.Message}", e);
        }
    }

    internal static string ReadResource(string name)
    {
        var assembly = typeof(FormVocabulary).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal) || n == name);
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private sealed class DictionaryFile
    {
        public Dictionary<string, List<string>>? Fields { get; init; }

        public Dictionary<string, List<string>>? Auxiliary { get; init; }

        public List<string>? Ignore { get; init; }

        public List<PartnerCodeFormat>? Formats { get; init; }
    }
}

/// <summary>
/// How one partner writes its code. <see cref="Mask"/>: A = letter, 9 = digit, X = letter or digit, anything else is
/// printed as it stands (a hyphen may be missing from the reading).
/// </summary>
public sealed record PartnerCodeFormat
{
    [JsonPropertyName("partner")]
    public string Partner { get; init; } = string.Empty;

    [JsonPropertyName("mask")]
    public string Mask { get; init; } = string.Empty;

    internal void Validate()
    {
        if (Mask.Length < 3)
        {
            throw new OcrException($"Partner code format for '{Partner}' needs a mask of at least 3 characters (A letter, 9 digit, X either), got '{Mask}'.");
        }
    }

    /// <summary>The code in this format that <paramref name="reading"/> (upper case, no spaces) stands for, or null.</summary>
    public string? Match(string reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        foreach (var mask in new[] { Mask, Mask.Replace("-", string.Empty, StringComparison.Ordinal) }.Distinct())
        {
            if (reading.Length != mask.Length)
            {
                continue;
            }
            var code = new StringBuilder(mask.Length);
            for (var i = 0; i < mask.Length; i++)
            {
                var c = reading[i];
                var folded = mask[i] switch
                {
                    'A' => LookAlikes.ToLetter(c),
                    '9' => LookAlikes.ToDigit(c),
                    'X' => c,
                    _ => LookAlikes.ToLetter(c) == mask[i] || LookAlikes.ToDigit(c) == mask[i] || c == mask[i] ? mask[i] : '\0',
                };
                var fits = mask[i] switch
                {
                    'A' => char.IsAsciiLetterUpper(folded),
                    '9' => char.IsAsciiDigit(folded),
                    'X' => char.IsAsciiLetterUpper(folded) || char.IsAsciiDigit(folded),
                    _ => folded == mask[i],
                };
                if (!fits)
                {
                    code.Clear();
                    break;
                }
                code.Append(folded);
            }
            if (code.Length == mask.Length)
            {
                // A reading without its hyphens is given back in the printed form.
                return mask.Length == Mask.Length ? code.ToString() : Rehyphenate(code.ToString());
            }
        }
        return null;
    }

    private string Rehyphenate(string bare)
    {
        var result = new StringBuilder();
        var j = 0;
        foreach (var m in Mask)
        {
            result.Append(m == '-' ? '-' : bare[j++]);
        }
        return result.ToString();
    }
}

/// <summary>Characters OCR confuses between letters and digits.</summary>
internal static class LookAlikes
{
    public static char ToDigit(char c) => c switch
    {
        'O' or 'o' or 'D' or 'Q' or '〇' => '0',
        'I' or 'l' or 'i' or '!' or '|' => '1',
        'Z' or 'z' => '2',
        'S' or 's' => '5',
        'B' => '8',
        'G' or 'b' => '6',
        'x' => 'X',
        _ => c,
    };

    public static char ToLetter(char c) => c switch
    {
        'l' => 'I',
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '5' => 'S',
        '8' => 'B',
        '6' => 'G',
        _ => char.ToUpperInvariant(c),
    };
}
