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
    public IReadOnlyList<string> RepaymentMethods { get; init; } = LoanFormFields.RepaymentWordings;

    /// <summary>Counties in the bank's registered lending region (a local bank may not lend outside it).</summary>
    public IReadOnlyList<string> Counties { get; init; } = ["平山县", "阜平县", "岚县", "临泉县", "镇宁县", "隆德县", "紫云县", "丹凤县", "望谟县", "宁陕县"];

    public IReadOnlyList<string> FarmingProjects { get; init; } =
        ["生猪养殖", "肉牛养殖", "蔬菜种植", "水稻种植", "茶叶种植", "食用菌种植", "蛋鸡养殖", "中药材种植", "苹果种植", "小龙虾养殖"];

    /// <summary>The product's amount range: an amount read outside it is flagged, not corrected.</summary>
    public decimal MinAmountYuan { get; init; } = 1_000m;

    public decimal MaxAmountYuan { get; init; } = 500_000m;

    /// <summary>
    /// Land a household applying for a small rural loan farms, at most, as far as a reading goes unconfirmed: most
    /// farm under 50 mu, while a decimal point OCR lost makes 33.3 into 333. A larger area is flagged, not rejected.
    /// </summary>
    public decimal UsualMaxLandAreaMu { get; init; } = 100m;

    /// <summary>Label wordings and partner code formats; the shipped ones plus any partner files.</summary>
    public FormVocabulary Vocabulary { get; init; } = FormVocabulary.Default;

    /// <summary>The national division list counties and townships are checked against.</summary>
    public AdministrativeDivisions Divisions { get; init; } = AdministrativeDivisions.Default;

    /// <summary>Today, for dates in the future and ages on forms without a date: the pipeline's clock, not the machine's.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
}

/// <summary>Per-field cleaning of raw OCR text: fold look-alike characters, strip units, normalise numbers and dates.</summary>
public sealed partial class FieldValueParsers(KnownValues known)
{
    /// <summary>Marks a ticked box is printed or read as: filled and ticked boxes, ticks and crosses.</summary>
    private const string TickedMarks = "■☑☒√✓✔✗✘×▣█●◼◉⊠⊗团回図囗";

    /// <summary>
    /// Marks an empty box is printed or read as. chi_sim reads an empty □ as 口 very consistently, but a ticked box as
    /// almost anything (图, 国, 品, 0, a bracket), so a tick is recognised as "not an empty box".
    /// </summary>
    private const string EmptyMarks = "□☐◻▢口";

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
            LoanFormFields.County => County(text),
            LoanFormFields.HouseholdSize => Integer(ChineseNumerals.DigitsFor(text), 1, 30, "口人", "人", "口"),
            LoanFormFields.LandAreaMu => Usual(Decimal(text, 0, 100_000, "亩"), known.UsualMaxLandAreaMu, "mu of land"),
            LoanFormFields.FarmingProject => Snap(Chinese(StripChoiceMarks(text), 2, 12, "a farming project is written in Chinese"), known.FarmingProjects, null),
            LoanFormFields.RequestedAmountYuan => Amount(text),
            LoanFormFields.TermMonths => Term(text),
            LoanFormFields.Purpose => Chinese(text, 2, 30, "a purpose is written in Chinese"),
            LoanFormFields.RepaymentMethod => Choice(raw, known.RepaymentMethods, "a repayment method the product offers"),
            LoanFormFields.PartnerCode => PartnerCode(text),
            LoanFormFields.ApplicationDate => Date(text),
            FormVocabulary.StatedAge => Integer(ChineseNumerals.DigitsFor(text), 16, 100, "周岁", "岁"),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Unknown form field."),
        };
    }

    private static ParsedValue Chinese(string text, int minLength, int maxLength, string rule)
    {
        var value = new string(text.Where(c => TextNormalizer.IsCjk(c) || c is '(' or ')').ToArray()).Trim('(', ')');
        var valid = value.Length >= minLength && value.Length <= maxLength && value.Length >= text.Length - 1;
        if (valid && text.Count(c => c == '(') != text.Count(c => c == ')'))
        {
            // Half a bracket belongs to a label (村(社区)), not to a name or a place: the cell read may be the label's
            // end with the value lost.
            return new ParsedValue(value, $"'{text}' has an unpaired bracket: part of a label may have been read as the value; please confirm it");
        }
        return new ParsedValue(value, valid ? null : $"'{text}' does not look right: {rule}");
    }

    /// <summary>A valid figure above what is usual is kept, and flagged for a person to confirm.</summary>
    private static ParsedValue Usual(ParsedValue parsed, decimal usualMax, string what) =>
        parsed.IsValid && decimal.TryParse(parsed.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > usualMax
            ? parsed with { Problem = $"{parsed.Value} {what} is more than usual ({usualMax.ToString(CultureInfo.InvariantCulture)}): a decimal point may be lost; please confirm it" }
            : parsed;

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

    /// <summary>
    /// A county must exist in the national division list. A reading one character away from exactly one county in the
    /// lending region is that county; one character away from a county elsewhere is offered but flagged, never accepted.
    /// </summary>
    private ParsedValue County(string text)
    {
        var parsed = Place(text, ["县", "区", "市", "旗"], "a county name ends in 县, 区, 市 or 旗");
        if (parsed.Value.Length == 0 || known.Divisions.CountiesNamed(parsed.Value).Count > 0 || known.Counties.Contains(parsed.Value))
        {
            return parsed;
        }
        var regional = Snap(parsed, known.Counties, null);
        if (regional.Value != parsed.Value)
        {
            return regional;
        }
        var near = known.Divisions.CountyNames.Where(n => Math.Abs(n.Length - parsed.Value.Length) <= 1 && TextNormalizer.EditDistance(n, parsed.Value) <= 1).Take(2).ToList();
        return near.Count == 1
            ? new ParsedValue(near[0], $"'{parsed.Value}' is not a county in GB/T 2260; did the form say {near[0]}?", 0.5)
            : parsed with { Problem = parsed.Problem ?? $"'{parsed.Value}' is not a county in GB/T 2260" };
    }

    /// <summary>Months, or years (1年, 三年) converted to months.</summary>
    private static ParsedValue Term(string text)
    {
        var digits = ChineseNumerals.DigitsFor(text);
        if (digits.Contains('年', StringComparison.Ordinal) && !digits.Contains('月', StringComparison.Ordinal))
        {
            var years = Integer(digits, 1, 30, "年", "期");
            return years.IsValid ? new ParsedValue((int.Parse(years.Value, CultureInfo.InvariantCulture) * 12).ToString(CultureInfo.InvariantCulture), null) : years;
        }
        var months = Integer(digits, 1, 360, "个月", "月", "期");
        // A bare 1 to 5 is years as often as months (借款期限 ___2___ 年, its unit lost): a person should say which.
        return months.IsValid && BareNumber().IsMatch(digits) && int.Parse(months.Value, CultureInfo.InvariantCulture) < ShortestBareTermMonths
            ? months with { Problem = $"'{text}' has no unit and is too short a term to be months without one: months or years?" }
            : months;
    }

    /// <summary>A term below this many months, printed without a unit, is not taken as months.</summary>
    private const int ShortestBareTermMonths = 6;

    [GeneratedRegex(@"^\s*\d+\s*$")]
    private static partial Regex BareNumber();

    /// <summary>
    /// A choice printed as boxes (□等额本息 ☑等额本金 □…): the one option whose box is ticked. No tick, or more than
    /// one, is flagged rather than guessed. A value written out without boxes is snapped to the vocabulary.
    /// </summary>
    private static ParsedValue Choice(string raw, IReadOnlyList<string> options, string what)
    {
        var text = TextNormalizer.Normalize(raw).Trim(':');
        var found = new List<(string Option, int Start, double Certainty)>();
        foreach (var option in options)
        {
            if (FindOption(text, option) is { } hit)
            {
                found.Add((option, hit.Start, hit.Certainty));
            }
        }
        // A fuzzy hit overlapping a better one is the same print read against a similar option (等额本息 / 等额本金).
        var kept = new List<(string Option, int Start, double Certainty)>();
        var ambiguous = new Dictionary<string, string>();
        foreach (var hit in found.OrderByDescending(f => f.Certainty).ThenByDescending(f => f.Option.Length))
        {
            var overlapping = kept.Where(k => hit.Start < k.Start + k.Option.Length && k.Start < hit.Start + hit.Option.Length).ToList();
            if (overlapping.Count == 0)
            {
                kept.Add(hit);
            }
            // 等额本人金 is one edit from 等额本息 and from 等额本金: the print cannot tell which option it is.
            foreach (var other in overlapping.Where(k => Math.Abs(k.Certainty - hit.Certainty) < 1e-9))
            {
                ambiguous[other.Option] = hit.Option;
            }
        }
        var ordered = kept.OrderBy(k => k.Start).ToList();
        var markCharacters = ordered.Select(k => k.Start > 0 ? text[k.Start - 1] : '\0').ToList();
        // The same digit or letter in front of two or more options is a row of boxes (some faces' empty box reads as 5
        // or D), but not which of them are empty: a ticked box reads as 0 as often as an empty one as 9, so such a mark
        // stays unknown. Only 口 and the boxes the shape detector wrote in (□) say "empty".
        var sharedMark = markCharacters.Where(c => c != '\0' && !StrongTicks.Contains(c) && !TextNormalizer.IsCjk(c))
            .GroupBy(c => c).Any(g => g.Count() >= 2);
        var marks = ordered.Select(f => (f.Option, f.Certainty, Mark: MarkBefore(text, f.Start))).ToList();
        var boxed = sharedMark || marks.Any(m => m.Mark < 0) || text.Any(c => TickedMarks.Contains(c) || "□☐◻▢".Contains(c));
        if (!boxed)
        {
            var written = Snap(Chinese(text, 2, 12, $"{what} is written in Chinese"), options, $"is not {what}");
            // A method written out with something else run into it (a neighbouring cell whose label was lost): the one
            // option it holds is offered, for a person to confirm.
            var exact = options.Where(o => text.Contains(o, StringComparison.Ordinal)).ToList();
            return !written.IsValid && exact.Count == 1 && !options.Any(o => o != exact[0] && o.Contains(exact[0], StringComparison.Ordinal))
                ? new ParsedValue(exact[0], $"'{text}' holds {exact[0]} and other text")
                : written;
        }
        // A mark that reads as a tick decides; failing that, the one option whose box does not read as empty (an
        // option at the very start with no mark read at all counts, with less certainty).
        var strong = marks.Where(m => m.Mark == 2).ToList();
        var ticked = strong.Count == 1 ? strong : marks.Where(m => m.Mark >= 0).ToList();
        if (ticked.Count == 1 && ambiguous.TryGetValue(ticked[0].Option, out var lookAlike))
        {
            return new ParsedValue(ticked[0].Option, $"the ticked option of {what} reads as {ticked[0].Option} or {lookAlike} ('{text}')");
        }
        if (ticked.Count == 1)
        {
            var certain = ticked[0].Mark > 0 ? 1.0 : 0.8;
            // Options we could not find leave some doubt.
            var allFound = marks.Count >= 2;
            return new ParsedValue(ticked[0].Option, null, ticked[0].Certainty * certain * (allFound ? 1.0 : 0.85));
        }
        return ticked.Count == 0
            ? new ParsedValue(string.Empty, $"no ticked box found among the options of {what} ('{text}')")
            : new ParsedValue(string.Empty, $"cannot tell which box is ticked for {what}: {string.Join(", ", ticked.Select(t => t.Option))} ('{text}')");
    }

    /// <summary>Characters that can only be a tick or a filled box.</summary>
    private const string StrongTicks = "■☑☒√✓✔✗✘×▣█●◼◉⊠⊗vVY";

    /// <summary>
    /// −1 when an option's box reads as empty, 2 for a tick, 1 for another mark (0, a bracket: a tick misread, or a
    /// box), 0 for nothing before it.
    /// </summary>
    private static int MarkBefore(string text, int start)
    {
        if (start == 0)
        {
            return 0;
        }
        var c = text[start - 1];
        if (EmptyMarks.Contains(c))
        {
            return -1;
        }
        if (StrongTicks.Contains(c) || TickedMarks.Contains(c))
        {
            return 2;
        }
        // Another Chinese character is the end of the previous option, its box lost.
        return TextNormalizer.IsCjk(c) ? 0 : 1;
    }

    private static (int Start, double Certainty)? FindOption(string text, string option)
    {
        var exact = text.IndexOf(option, StringComparison.Ordinal);
        if (exact >= 0)
        {
            return (exact, 1.0);
        }
        var allowed = option.Length / 4;
        (int Start, int Distance)? best = null;
        for (var start = 0; start < text.Length; start++)
        {
            for (var length = Math.Max(1, option.Length - allowed); length <= option.Length + allowed && start + length <= text.Length; length++)
            {
                var distance = TextNormalizer.EditDistance(option, text.AsSpan(start, length));
                if (distance <= allowed && (best is null || distance < best.Value.Distance))
                {
                    best = (start, distance);
                }
            }
        }
        return best is { } b ? (b.Start, 1.0 - ((double)b.Distance / option.Length)) : null;
    }

    private static string StripChoiceMarks(string text) =>
        new(text.Where(c => !TickedMarks.Contains(c) && !"□☐◻▢".Contains(c)).ToArray());

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
            // Specks add characters: next to the number (an 18-character window checks out) or inside it as a letter
            // that is no digit at all (411625S19630…, where folding S to 5 made 19). One check character in eleven
            // passes by chance, so when these readings name different valid numbers none is trusted.
            var digitsOnly = new string(text.ToUpperInvariant().Where(c => char.IsAsciiDigit(c) || c == 'X').ToArray());
            var candidates = Enumerable.Range(0, value.Length - 17).Select(i => value.Substring(i, 18)).Prepend(digitsOnly)
                .Where(c => c.Length == 18 && ResidentIdentity.IsValid(c)).Distinct().ToList();
            if (candidates.Count == 1)
            {
                return new ParsedValue(candidates[0], null, 0.9);
            }
            if (candidates.Count > 1)
            {
                return new ParsedValue(candidates[0], $"'{value}' has extra characters, and more than one reading of it is a valid resident ID: {string.Join(", ", candidates)}");
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
        if (!MobilePattern().IsMatch(value))
        {
            return new ParsedValue(value, $"'{value}' is not a mainland mobile number (1[3-9] + 9 digits)");
        }
        // A digit misread into a prefix no operator issues: the number passes the pattern but cannot be right.
        return MobilePrefixes.IsAssigned(value)
            ? new ParsedValue(value, null)
            : new ParsedValue(value, $"'{value}' starts with {value[..3]}, which no mobile operator issues: please confirm it");
    }

    private static ParsedValue Integer(string text, int min, int max, params string[] units)
    {
        var number = StripUnits(text, units);
        return int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? new ParsedValue(value.ToString(CultureInfo.InvariantCulture), Stray(text, units), FoldedCertainty(text))
            : new ParsedValue(number, $"'{text}' is not a whole number between {min} and {max}");
    }

    private static ParsedValue Decimal(string text, decimal min, decimal max, params string[] units)
    {
        var number = StripUnits(text, units);
        return decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? new ParsedValue(value.ToString("0.##", CultureInfo.InvariantCulture), Stray(text, units), FoldedCertainty(text))
            : new ParsedValue(number, $"'{text}' is not a number between {min} and {max}");
    }

    /// <summary>
    /// 30000, 30,000, ¥30,000.00, 3万, 3.5万元, 叁万伍仟元整 → yuan. Where a form prints both figures and capitals, they
    /// must agree; an amount outside the product's range is flagged.
    /// </summary>
    private ParsedValue Amount(string text)
    {
        // ¥30,000.00 with its ¥ read as a Chinese character (圣30.000.00): the figures are the amount, the mark a guess.
        if (MisreadCurrencyMark().Match(text) is { Success: true } mark && ChineseNumerals.CapitalsPart(mark.Value) is null)
        {
            var withoutMark = Amount(text[1..]);
            return withoutMark.IsValid ? withoutMark with { Problem = $"'{text}' starts with '{text[0]}' where ¥ is printed: please confirm the amount" } : withoutMark;
        }
        // "30,000(大写:叁万元整)": figures before the bracket, capitals inside it.
        var split = text.IndexOfAny(['(', '大']);
        var hasBoth = split > 0 && text[..split].Any(char.IsAsciiDigit);
        var capitals = ChineseNumerals.CapitalsPart(hasBoth ? text[split..] : text);
        var figures = hasBoth ? text[..split] : capitals is null ? text : text.Replace(capitals, " ", StringComparison.Ordinal);
        var figureValue = figures.Any(char.IsAsciiDigit) ? FigureAmount(figures) : null;
        // Whatever Chinese is left besides the capitals must be words forms print around amounts; anything else is a
        // misread numeral (壹 → 毒, 仟 → 什) and the capitals cannot be trusted.
        var words = hasBoth ? text[split..].Replace(capitals ?? "\0", string.Empty, StringComparison.Ordinal) : figures;
        var leftover = AmountWords.Aggregate(words, (current, word) => current.Replace(word, string.Empty, StringComparison.Ordinal));
        var capitalsValue = capitals is not null && !leftover.Any(TextNormalizer.IsCjk) && ChineseNumerals.TryParseAmount(capitals, out var fromCapitals)
            ? Math.Round(fromCapitals, 2).ToString("0.##", CultureInfo.InvariantCulture)
            : null;
        ParsedValue parsed;
        if (figureValue is { IsValid: true } && capitalsValue is not null)
        {
            parsed = figureValue.Value == capitalsValue
                ? figureValue
                : figureValue with { Problem = $"the amount in figures ({figureValue.Value}) and in capitals ({capitalsValue}) disagree" };
        }
        else if (figureValue is { IsValid: true })
        {
            // Figures read well next to capitals that did not: the figures stand, with a little less certainty.
            parsed = capitals is null && !leftover.Any(TextNormalizer.IsCjk)
                ? figureValue
                : !hasBoth && capitals is null
                    // Figures run together with words no amount is written with (家放年收先47000: another field's
                    // label and value) may not be the amount at all.
                    ? figureValue with { Problem = $"'{text}' has characters that are not part of an amount" }
                    : figureValue with { Certainty = 0.8 };
        }
        else if (capitalsValue is not null)
        {
            parsed = new ParsedValue(capitalsValue, null);
        }
        else if (capitals is not null || leftover.Any(TextNormalizer.IsCjk))
        {
            // Capitals with a character misread as its look-alike (拥什元整 for 捌仟元整): what they would say is offered
            // to the reviewer, never accepted unseen.
            if (figureValue is null && LookAlikeCapitals(text) is { } likely)
            {
                return new ParsedValue(likely.Yuan, $"'{text}' reads as {likely.Capitals} only with look-alike characters: please confirm the amount");
            }
            return new ParsedValue(figureValue?.Value ?? string.Empty, $"'{text}' has characters that are not part of an amount");
        }
        else
        {
            parsed = figureValue ?? FigureAmount(text);
        }
        if (parsed.IsValid && decimal.TryParse(parsed.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            && (amount < known.MinAmountYuan || amount > known.MaxAmountYuan))
        {
            return parsed with { Problem = $"{parsed.Value} yuan is outside the product's range ({known.MinAmountYuan:0}–{known.MaxAmountYuan:0})" };
        }
        return parsed;
    }

    /// <summary>
    /// Characters chi_sim reads in place of a financial capital (one shape apart: a radical or a stroke lost or added).
    /// Used only to suggest what flagged capitals say.
    /// </summary>
    private static readonly Dictionary<char, char> CapitalLookAlikes = new()
    {
        ['壶'] = '壹', ['喜'] = '壹', ['查'] = '壹', ['毒'] = '壹', ['责'] = '贰', ['武'] = '贰', ['贡'] = '贰', ['参'] = '叁', ['叄'] = '叁',
        ['肄'] = '肆', ['律'] = '肆', ['峙'] = '肆', ['任'] = '伍', ['位'] = '伍', ['陡'] = '陆', ['际'] = '陆', ['染'] = '柒', ['桨'] = '柒',
        ['拥'] = '捌', ['例'] = '捌', ['别'] = '捌', ['担'] = '捌', ['玫'] = '玖', ['坎'] = '玖', ['政'] = '玖', ['抬'] = '拾', ['恰'] = '拾',
        ['洽'] = '拾', ['伯'] = '佰', ['方'] = '万', ['兀'] = '元', ['无'] = '元', ['正'] = '整',
    };

    private (string Capitals, string Yuan)? LookAlikeCapitals(string text)
    {
        var substituted = new string(text.Select(c => CapitalLookAlikes.TryGetValue(c, out var capital) ? capital : c).ToArray());
        if (substituted == text || ChineseNumerals.CapitalsPart(substituted) is not { } capitals)
        {
            return null;
        }
        var leftover = AmountWords.Aggregate(substituted.Replace(capitals, string.Empty, StringComparison.Ordinal), (current, word) => current.Replace(word, string.Empty, StringComparison.Ordinal));
        return !leftover.Any(TextNormalizer.IsCjk) && ChineseNumerals.TryParseAmount(capitals, out var yuan)
            && yuan >= known.MinAmountYuan && yuan <= known.MaxAmountYuan
            ? (capitals, Math.Round(yuan, 2).ToString("0.##", CultureInfo.InvariantCulture))
            : null;
    }

    private static readonly string[] AmountWords = ["人民币", "大写", "小写", "元", "万", "整"];

    private static ParsedValue FigureAmount(string text)
    {
        var wan = text.Contains('万', StringComparison.Ordinal);
        // OCR often reads the thousands comma of 30,000 as a full stop; amounts never carry three decimals.
        // ¥ is read as Y or # by most fonts' OCR, and a comma next to a stop (60,.000) is one separator read twice.
        var figures = RepeatedSeparators().Replace(LeadingCurrencyMark().Replace(text.Trim(), string.Empty), ",");
        var separatorsFixed = wan ? text : ThousandsWithStops().Replace(figures, match => match.Value.Replace(".", string.Empty, StringComparison.Ordinal));
        var number = StripUnits(separatorsFixed.Replace(",", string.Empty, StringComparison.Ordinal).Replace("万", string.Empty, StringComparison.Ordinal), "元", "¥", "￥", "RMB");
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return new ParsedValue(number, $"'{text}' is not an amount in yuan");
        }
        var yuan = Math.Round(wan ? value * 10_000 : value, 2, MidpointRounding.AwayFromZero);
        // No form prints an amount with a leading zero (08万元): the 0 is a misread mark or digit, and the others may be too.
        var leadingZero = number.Length > 1 && number[0] == '0' && number[1] != '.';
        return new ParsedValue(yuan.ToString("0.##", CultureInfo.InvariantCulture), leadingZero ? $"'{text}' starts with a 0: a digit may have been misread" : null);
    }

    /// <summary>
    /// A code in one of the configured partner formats. Each format fixes which positions are letters and which digits,
    /// so look-alikes are folded per position; a reading that fits two formats differently is not guessed.
    /// </summary>
    private static IEnumerable<string> WithOneFixedCharacterRepaired(PartnerCodeFormat format, string raw)
    {
        foreach (var mask in new[] { format.Mask, format.Mask.Replace("-", string.Empty, StringComparison.Ordinal) }.Distinct())
        {
            if (mask.Length != raw.Length)
            {
                continue;
            }
            for (var i = 0; i < mask.Length; i++)
            {
                if (mask[i] is 'A' or '9' or 'X' or '-' || raw[i] == mask[i])
                {
                    continue;
                }
                var repaired = raw[..i] + mask[i] + raw[(i + 1)..];
                if (format.Match(repaired) is { } code)
                {
                    yield return code;
                }
            }
        }
    }

    private ParsedValue PartnerCode(string text)
    {
        // Hyphens are often read as a full stop, a dash or 一.
        // Case is kept for the look-alike folding (l is I among letters, 1 among digits).
        var raw = new string(text.Select(c => c == 'l' ? c : char.ToUpperInvariant(c)).Select(c => c is '.' or '一' or '—' or '–' or '_' or '~' ? '-' : c)
            .Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray()).Trim('-');
        // A reading that fits one format as printed and another only with look-alikes folded is the first.
        var candidates = known.Vocabulary.PartnerCodes.Select(f => f.Match(raw)).OfType<string>().Distinct()
            .Select(code => (Code: code, Folds: code.Replace("-", string.Empty, StringComparison.Ordinal).Zip(raw.Replace("-", string.Empty, StringComparison.Ordinal)).Count(p => p.First != p.Second)
                + Math.Max(0, code.Count(c => c == '-') - raw.Count(c => c == '-'))))
            .OrderBy(m => m.Folds)
            .ToList();
        // Two formats one look-alike apart (MS034135 as AA999999, NSD34135 as AAA-99999 with 0 read as D) cannot be
        // told apart by the reading: a person should look.
        var matches = candidates.Count > 1 && candidates[1].Folds <= candidates[0].Folds + 1
            ? candidates.Select(c => c.Code).ToList()
            : candidates.Take(1).Select(c => c.Code).ToList();
        var formats = string.Join(", ", known.Vocabulary.PartnerCodes.Select(f => f.Mask));
        if (matches.Count == 0)
        {
            // One character of a format's fixed part misread (MEI446 for MFI446): offered, for a person to confirm.
            var near = known.Vocabulary.PartnerCodes.SelectMany(f => WithOneFixedCharacterRepaired(f, raw)).Distinct().ToList();
            if (near.Count == 1)
            {
                return new ParsedValue(near[0], $"'{raw}' is one character off a partner code format; did the form say {near[0]}?");
            }
        }
        return matches.Count switch
        {
            1 => new ParsedValue(matches[0], null, matches[0].Replace("-", string.Empty, StringComparison.Ordinal) == raw.Replace("-", string.Empty, StringComparison.Ordinal) ? 1.0 : 0.9),
            0 => new ParsedValue(raw, $"'{raw}' is not a partner code in a known format ({formats})"),
            _ => new ParsedValue(raw, $"'{raw}' fits more than one partner code format: {string.Join(", ", matches)}"),
        };
    }

    private ParsedValue Date(string text)
    {
        // Between 年 and 月, or 月 and 日, a lone stroke where a number must be is a 1 read as punctuation (年)月, 月:日).
        var digits = LoneOneInDate().Replace(new string(text.Select(FoldToDigit).ToArray()), "${before}1${after}");
        var match = DatePattern().Match(digits);
        // A letter folded into a digit of the date (2024/SV15: S taken for 5 where 8/ was printed) is a guess, and
        // nothing else on the form checks a date.
        var folded = match.Success && Enumerable.Range(match.Index, match.Length).Any(i => i < text.Length && char.IsAsciiLetter(text[i]) && char.IsAsciiDigit(digits[i]));
        if (match.Success
            && int.TryParse(match.Groups["year"].Value, CultureInfo.InvariantCulture, out var year)
            && int.TryParse(match.Groups["month"].Value, CultureInfo.InvariantCulture, out var month)
            && int.TryParse(match.Groups["day"].Value, CultureInfo.InvariantCulture, out var day)
            && year is >= 2000 and <= 2100 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
        {
            var date = new DateOnly(year, month, day);
            var iso = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            // A separator OCR is known to make of / - . 年 月 is fine; any other character may have eaten a digit
            // (2024/11/14 read as 2024/1M14).
            var separators = match.Groups["s1"].Value + match.Groups["s2"].Value;
            if (separators.Any(c => !"-/.年月V明,、".Contains(c)) || match.Groups["s1"].Length > 1 || match.Groups["s2"].Length > 1)
            {
                return new ParsedValue(iso, $"'{text}' has an unclear separator; read as {iso}");
            }
            return date > known.Today.AddDays(31)
                ? new ParsedValue(iso, $"{iso} is in the future")
                : new ParsedValue(iso, folded ? $"'{text}' has a letter where a digit should be; read as {iso}" : null);
        }
        return new ParsedValue(text, $"'{text}' is not a date (2024-03-15, 2024/3/15 or 2024年3月15日)");
    }

    /// <summary>
    /// A number read with a Chinese character that is not its unit (职(亩)1 for 1.9亩) has lost part of itself to a
    /// misread: the digits left may be wrong, so it is flagged.
    /// </summary>
    private static string? Stray(string text, string[] units)
    {
        // A bracket right after the label is the label's unit, however it was read ((雷) for (亩)).
        var rest = units.Aggregate(LeadingBracket().Replace(text, string.Empty), (current, unit) => current.Replace(unit, string.Empty, StringComparison.Ordinal));
        // Anything but digits (and look-alikes), one decimal point and spaces: a bracket, a ?, an n in 29.) or 1n5
        // is a misread that may have cost a digit.
        var folded = new string(rest.Select(FoldToDigit).Where(c => !char.IsWhiteSpace(c)).ToArray());
        return CleanNumber().IsMatch(folded) ? null : $"'{text}' has characters that are not part of a number";
    }

    /// <summary>
    /// A count or an area has no check digit: a letter taken for a digit (2D人 read for 2人) is a guess that only a
    /// well-read rest of the value may carry past review.
    /// </summary>
    private static double FoldedCertainty(string text) =>
        text.Any(c => char.IsAsciiLetter(c) && char.IsAsciiDigit(FoldToDigit(c))) ? FoldedDigitCertainty : 1.0;

    private const double FoldedDigitCertainty = 0.7;

    private static string StripUnits(string text, params string[] units)
    {
        var result = text;
        foreach (var unit in units)
        {
            result = result.Replace(unit, string.Empty, StringComparison.Ordinal);
        }
        return new string(result.Select(FoldToDigit).Where(c => char.IsAsciiDigit(c) || c == '.').ToArray()).Trim('.');
    }

    private static char FoldToDigit(char c) => c == '|' ? c : LookAlikes.ToDigit(c);

    [GeneratedRegex(@"^\d{1,3}(\.\d{3})+")]
    private static partial Regex ThousandsWithStops();

    [GeneratedRegex(@"^\d+(\.\d+)?$")]
    private static partial Regex CleanNumber();

    [GeneratedRegex(@"^[^\d]*?[Yy¥￥#]+(?=\d)")]
    private static partial Regex LeadingCurrencyMark();

    [GeneratedRegex(@"^[\u4e00-\u9fff](?=\d{1,3}([.,]\d{3})+[.,]\d\d$)")]
    private static partial Regex MisreadCurrencyMark();

    [GeneratedRegex(@"[.,]{2,}")]
    private static partial Regex RepeatedSeparators();

    [GeneratedRegex(@"^\([^)]{0,3}\)")]
    private static partial Regex LeadingBracket();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex MobilePattern();

    [GeneratedRegex(@"(?<before>[年月])\s*[)\]|!:;/]\s*(?<after>[月日])")]
    private static partial Regex LoneOneInDate();

    // Any one character between the numbers is a separator: OCR reads the / of 2024/10/6 as V and 月 as 明.
    [GeneratedRegex(@"(?<year>\d{4})\s*(?<s1>[^\d\s]{1,2})\s*(?<month>\d{1,2})\s*(?<s2>[^\d\s]{1,2})\s*(?<day>\d{1,2})(?!\d)")]
    private static partial Regex DatePattern();
}
