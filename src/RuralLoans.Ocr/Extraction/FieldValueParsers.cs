using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RuralLoans.Ocr.Extraction;

/// <summary>A field value cleaned for matching; <see cref="Problem"/> says why it fails its pattern, if it does.</summary>
public sealed record ParsedValue(string Value, string? Problem, double Certainty = 1.0)
{
    public bool IsValid => Problem is null;
}

/// <summary>
/// Vocabularies the lending product knows in advance. A value read close to one of these entries is snapped to it,
/// which repairs the single-character misreads the chi_sim model makes in otherwise correct words.
/// </summary>
public sealed record KnownValues
{
    public IReadOnlyList<string> RepaymentMethods { get; init; } = LoanFormFields.RepaymentMethods;

    /// <summary>Counties in the bank's registered lending region (a local bank may not lend outside it).</summary>
    public IReadOnlyList<string> Counties { get; init; } = ["平山县", "阜平县", "岚县", "临泉县", "镇宁县", "隆德县", "紫云县", "丹凤县", "望谟县", "宁陕县"];

    public IReadOnlyList<string> FarmingProjects { get; init; } =
        ["生猪养殖", "肉牛养殖", "蔬菜种植", "水稻种植", "茶叶种植", "食用菌种植", "蛋鸡养殖", "中药材种植", "苹果种植", "小龙虾养殖"];
}

/// <summary>Per-field cleaning of raw OCR text: fold look-alike characters, strip units, normalise numbers and dates.</summary>
public sealed partial class FieldValueParsers(KnownValues known)
{
    public ParsedValue Parse(string field, string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = TextNormalizer.Normalize(raw).Trim(':', '.', ',', '、', '。', '，', '-');
        return field switch
        {
            LoanFormFields.ApplicantName => Chinese(text, 2, 4, "a name is 2 to 4 Chinese characters"),
            LoanFormFields.IdNumber => IdNumber(text),
            LoanFormFields.Phone => Phone(text),
            LoanFormFields.Village => Place(text, ["村", "社区"], "a village name ends in 村 or 社区"),
            LoanFormFields.Township => Place(text, ["镇", "乡", "街道"], "a township name ends in 镇, 乡 or 街道"),
            LoanFormFields.County => Snap(Place(text, ["县", "区", "市", "旗"], "a county name ends in 县, 区, 市 or 旗"), known.Counties, "is not a county in the lending region"),
            LoanFormFields.HouseholdSize => Integer(text, 1, 30, "人"),
            LoanFormFields.LandAreaMu => Decimal(text, 0, 100_000, "亩"),
            LoanFormFields.FarmingProject => Snap(Chinese(text, 2, 12, "a farming project is written in Chinese"), known.FarmingProjects, null),
            LoanFormFields.RequestedAmountYuan => Amount(text),
            LoanFormFields.TermMonths => Integer(text, 1, 360, "个月", "月"),
            LoanFormFields.Purpose => Chinese(text, 2, 30, "a purpose is written in Chinese"),
            LoanFormFields.RepaymentMethod => Snap(Chinese(text, 2, 12, "a repayment method is written in Chinese"), known.RepaymentMethods, "is not a repayment method the product offers"),
            LoanFormFields.PartnerCode => PartnerCode(text),
            LoanFormFields.ApplicationDate => Date(text),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Unknown form field."),
        };
    }

    private static ParsedValue Chinese(string text, int minLength, int maxLength, string rule)
    {
        var value = new string(text.Where(c => TextNormalizer.IsCjk(c) || c is '(' or ')').ToArray()).Trim('(', ')');
        var valid = value.Length >= minLength && value.Length <= maxLength && value.Length >= text.Length - 1;
        return new ParsedValue(value, valid ? null : $"'{text}' does not look right: {rule}");
    }

    private static ParsedValue Place(string text, string[] suffixes, string rule)
    {
        var parsed = Chinese(text, 2, 12, rule);
        return parsed.IsValid && !suffixes.Any(s => parsed.Value.EndsWith(s, StringComparison.Ordinal))
            ? parsed with { Problem = $"'{parsed.Value}' does not look right: {rule}" }
            : parsed;
    }

    /// <summary>
    /// Snaps to the one closest vocabulary entry when at most half its characters differ (the entries differ far more
    /// from each other than that); the distance lowers certainty.
    /// </summary>
    private static ParsedValue Snap(ParsedValue parsed, IReadOnlyList<string> vocabulary, string? problemIfUnknown)
    {
        if (parsed.Value.Length == 0 || vocabulary.Count == 0)
        {
            return parsed;
        }
        var ranked = vocabulary
            .Select(entry => (Entry: entry, Distance: TextNormalizer.EditDistance(entry, parsed.Value)))
            .OrderBy(candidate => candidate.Distance)
            .ToList();
        var (best, distance) = ranked[0];
        if (distance == 0)
        {
            return parsed with { Problem = null };
        }
        var unique = ranked.Count == 1 || ranked[1].Distance > distance;
        if (unique && distance * 2 <= best.Length)
        {
            return new ParsedValue(best, null, 1.0 - ((double)distance / best.Length));
        }
        return problemIfUnknown is null ? parsed : parsed with { Problem = parsed.Problem ?? $"'{parsed.Value}' {problemIfUnknown}" };
    }

    private static ParsedValue IdNumber(string text)
    {
        var cleaned = new StringBuilder();
        foreach (var c in text.ToUpperInvariant())
        {
            var folded = FoldToDigit(c);
            if (char.IsAsciiDigit(folded) || folded == 'X')
            {
                cleaned.Append(folded);
            }
        }
        var value = cleaned.ToString();
        if (value.Length > 18)
        {
            // Specks next to the number add characters; the one 18-character window that checks out is the number.
            var window = Enumerable.Range(0, value.Length - 17).Select(i => value.Substring(i, 18)).FirstOrDefault(ResidentIdentity.IsValid);
            if (window is not null)
            {
                return new ParsedValue(window, null, 0.9);
            }
        }
        if (value.Length != 18 || !value[..17].All(char.IsAsciiDigit))
        {
            return new ParsedValue(value, $"'{value}' is not an 18-character resident ID number");
        }
        return ResidentIdentity.IsValid(value)
            ? new ParsedValue(value, null)
            : new ParsedValue(value, $"'{value}' fails the resident ID check character (expected {ResidentIdentity.CheckCharacter(value[..17])})");
    }

    private static ParsedValue Phone(string text)
    {
        var value = new string(text.Select(FoldToDigit).Where(char.IsAsciiDigit).ToArray());
        if (value.Length == 13 && value.StartsWith("86", StringComparison.Ordinal))
        {
            value = value[2..];
        }
        return MobilePattern().IsMatch(value) ? new ParsedValue(value, null) : new ParsedValue(value, $"'{value}' is not a mainland mobile number (1[3-9] + 9 digits)");
    }

    private static ParsedValue Integer(string text, int min, int max, params string[] units)
    {
        var number = StripUnits(text, units);
        return int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? new ParsedValue(value.ToString(CultureInfo.InvariantCulture), null)
            : new ParsedValue(number, $"'{text}' is not a whole number between {min} and {max}");
    }

    private static ParsedValue Decimal(string text, decimal min, decimal max, params string[] units)
    {
        var number = StripUnits(text, units);
        return decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? new ParsedValue(value.ToString("0.##", CultureInfo.InvariantCulture), null)
            : new ParsedValue(number, $"'{text}' is not a number between {min} and {max}");
    }

    /// <summary>30000, 30,000, 30000元, ¥30,000.00, 3万, 3.5万元 → yuan as a plain decimal string.</summary>
    private static ParsedValue Amount(string text)
    {
        var wan = text.Contains('万', StringComparison.Ordinal);
        // OCR often reads the thousands comma of 30,000 as a full stop; amounts never carry three decimals.
        var separatorsFixed = wan ? text : ThousandsWithStops().Replace(text, match => match.Value.Replace(".", string.Empty, StringComparison.Ordinal));
        var number = StripUnits(separatorsFixed.Replace(",", string.Empty, StringComparison.Ordinal).Replace("万", string.Empty, StringComparison.Ordinal), "元", "¥", "￥", "RMB");
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return new ParsedValue(number, $"'{text}' is not an amount in yuan");
        }
        var yuan = Math.Round(wan ? value * 10_000 : value, 2, MidpointRounding.AwayFromZero);
        return new ParsedValue(yuan.ToString("0.##", CultureInfo.InvariantCulture), null);
    }

    private static ParsedValue PartnerCode(string text)
    {
        var raw = new string(text.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        if (raw.Length != 8)
        {
            return new ParsedValue(raw, $"'{raw}' is not a partner code (2 letters + 6 digits)");
        }
        // The format fixes which positions are letters and which are digits, so look-alikes can be folded safely.
        var value = string.Concat(raw[..2].Select(FoldToLetter)) + string.Concat(raw[2..].Select(FoldToDigit));
        return PartnerCodePattern().IsMatch(value)
            ? new ParsedValue(value, null, value == raw ? 1.0 : 0.9)
            : new ParsedValue(value, $"'{raw}' is not a partner code (2 letters + 6 digits)");
    }

    private static ParsedValue Date(string text)
    {
        // Between 年 and 月, or 月 and 日, a lone stroke where a number must be is a 1 read as punctuation (年)月, 月:日).
        var digits = LoneOneInDate().Replace(new string(text.Select(FoldToDigit).ToArray()), "${before}1${after}");
        var match = DatePattern().Match(digits);
        if (match.Success
            && int.TryParse(match.Groups["year"].Value, CultureInfo.InvariantCulture, out var year)
            && int.TryParse(match.Groups["month"].Value, CultureInfo.InvariantCulture, out var month)
            && int.TryParse(match.Groups["day"].Value, CultureInfo.InvariantCulture, out var day)
            && year is >= 2000 and <= 2100 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
        {
            return new ParsedValue(new DateOnly(year, month, day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null);
        }
        return new ParsedValue(text, $"'{text}' is not a date (2024-03-15, 2024/3/15 or 2024年3月15日)");
    }

    private static string StripUnits(string text, params string[] units)
    {
        var result = text;
        foreach (var unit in units)
        {
            result = result.Replace(unit, string.Empty, StringComparison.Ordinal);
        }
        return new string(result.Select(FoldToDigit).Where(c => char.IsAsciiDigit(c) || c == '.').ToArray()).Trim('.');
    }

    private static char FoldToDigit(char c) => c switch
    {
        'O' or 'o' or 'D' or 'Q' or '〇' => '0',
        'I' or 'l' or 'i' or '!' => '1',
        'Z' or 'z' => '2',
        'S' or 's' => '5',
        'B' => '8',
        'G' or 'b' => '6',
        'x' => 'X',
        _ => c,
    };

    private static char FoldToLetter(char c) => c switch
    {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '5' => 'S',
        '8' => 'B',
        '6' => 'G',
        _ => c,
    };

    [GeneratedRegex(@"^\d{1,3}(\.\d{3})+")]
    private static partial Regex ThousandsWithStops();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex MobilePattern();

    [GeneratedRegex(@"^[A-Z]{2}\d{6}$")]
    private static partial Regex PartnerCodePattern();

    [GeneratedRegex(@"(?<before>[年月])\s*[)\]|!:;/]\s*(?<after>[月日])")]
    private static partial Regex LoneOneInDate();

    // Any one character between the numbers is a separator: OCR reads the / of 2024/10/6 as V and 月 as 明.
    [GeneratedRegex(@"(?<year>\d{4})\s*[^\d\s]\s*(?<month>\d{1,2})\s*[^\d\s]\s*(?<day>\d{1,2})(?!\d)")]
    private static partial Regex DatePattern();
}
