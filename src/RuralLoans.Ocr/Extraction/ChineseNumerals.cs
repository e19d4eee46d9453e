using System.Globalization;
using System.Text;

namespace RuralLoans.Ocr.Extraction;

/// <summary>Numbers written in Chinese: financial capitals (叁万伍仟元整) on amounts, everyday numerals (四口人, 三年) elsewhere.</summary>
public static class ChineseNumerals
{
    private static readonly Dictionary<char, int> Digits = new()
    {
        ['零'] = 0, ['〇'] = 0, ['壹'] = 1, ['一'] = 1, ['贰'] = 2, ['貳'] = 2, ['二'] = 2, ['两'] = 2, ['叁'] = 3, ['參'] = 3, ['参'] = 3, ['三'] = 3,
        ['肆'] = 4, ['四'] = 4, ['伍'] = 5, ['五'] = 5, ['陆'] = 6, ['陸'] = 6, ['六'] = 6, ['柒'] = 7, ['七'] = 7,
        ['捌'] = 8, ['八'] = 8, ['玖'] = 9, ['九'] = 9,
    };

    private static readonly Dictionary<char, int> SmallUnits = new()
    {
        ['拾'] = 10, ['十'] = 10, ['佰'] = 100, ['百'] = 100, ['仟'] = 1000, ['千'] = 1000,

        // chi_sim reads 仟 as 什 in most fonts; 什 has no place in an amount, so it can only be 仟.
        ['什'] = 1000,
    };

    private static bool IsNumeral(char c) => Digits.ContainsKey(c) || SmallUnits.ContainsKey(c) || c is '万' or '萬' or '亿';

    /// <summary>
    /// The longest run of Chinese numerals with its 元/角/分/整 (叁万伍仟元整), or null when the text has none but a lone
    /// 万 after figures (3.5万 is figures).
    /// </summary>
    public static string? CapitalsPart(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? best = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (!IsNumeral(text[i]) || text[i] is '万' or '萬' or '亿')
            {
                continue;
            }
            var j = i;
            while (j < text.Length && (IsNumeral(text[j]) || text[j] is '元' or '圆' or '角' or '分' or '整' or '正'))
            {
                j++;
            }
            if (best is null || j - i > best.Length)
            {
                best = text[i..j];
            }
            i = j;
        }
        return best;
    }

    /// <summary>Parses 叁万伍仟元整, 壹拾万元, 贰仟伍佰元伍角, 三万五 (a trailing digit after 万 counts thousands).</summary>
    public static bool TryParseAmount(string text, out decimal yuan)
    {
        ArgumentNullException.ThrowIfNull(text);
        yuan = 0;
        decimal total = 0, section = 0, fraction = 0;
        var number = -1;
        var lastUnit = 0;
        var any = false;
        var inFraction = false;
        foreach (var c in text)
        {
            if (Digits.TryGetValue(c, out var digit))
            {
                number = digit;
                any = true;
            }
            else if (SmallUnits.TryGetValue(c, out var unit))
            {
                section += (number < 0 ? 1 : number) * unit;
                lastUnit = unit;
                number = -1;
                any = true;
            }
            else if (c is '万' or '萬' or '亿')
            {
                var big = c == '亿' ? 100_000_000m : 10_000m;
                total += (section + Math.Max(number, 0)) * big;
                section = 0;
                number = -1;
                lastUnit = (int)Math.Min(big, int.MaxValue);
            }
            else if (c is '元' or '圆')
            {
                section += Math.Max(number, 0);
                number = -1;
                inFraction = true;
            }
            else if (c == '角' && inFraction)
            {
                fraction += Math.Max(number, 0) * 0.1m;
                number = -1;
            }
            else if (c == '分' && inFraction)
            {
                fraction += Math.Max(number, 0) * 0.01m;
                number = -1;
            }
            else if (c is not ('整' or '正' or '零'))
            {
                return false;
            }
        }
        if (!any)
        {
            return false;
        }
        if (number >= 0)
        {
            // 三万五 means 35,000: a last digit counts in the unit below the last one written.
            section += lastUnit >= 10 ? number * (lastUnit == 10_000 ? 1000 : lastUnit / 10) : number;
        }
        yuan = total + section + fraction;
        return yuan > 0;
    }

    /// <summary>Replaces a Chinese number in everyday text with its figures (四口人 → 4口人, 三年 → 3年).</summary>
    public static string DigitsFor(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Any(char.IsAsciiDigit))
        {
            return text;
        }
        var result = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var j = i;
            while (j < text.Length && (Digits.ContainsKey(text[j]) || SmallUnits.ContainsKey(text[j])))
            {
                j++;
            }
            if (j > i && TryParseAmount(text[i..j], out var value))
            {
                result.Append(value.ToString("0", CultureInfo.InvariantCulture));
                i = j;
            }
            else
            {
                result.Append(text[i]);
                i++;
            }
        }
        return result.ToString();
    }
}
