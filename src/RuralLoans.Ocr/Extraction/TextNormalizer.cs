using System.Text;

namespace RuralLoans.Ocr.Extraction;

/// <summary>Canonical text for matching: what two readings of the same print have in common.</summary>
public static class TextNormalizer
{
    /// <summary>
    /// NFKC folds full-width digits, letters, colons and brackets to ASCII and the Kangxi radical code points some PDF
    /// fonts map to (⼈ U+2F08) back to ordinary ideographs (人); whitespace and stray quote/bar marks OCR reads from
    /// specks and table rules are dropped.
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var folded = text.Normalize(NormalizationForm.FormKC);
        var builder = new StringBuilder(folded.Length);
        foreach (var original in folded)
        {
            var c = RadicalEquivalents.TryGetValue(original, out var ideograph) ? ideograph : original;
            if (char.IsWhiteSpace(c) || IsNoise(c))
            {
                continue;
            }
            builder.Append(c switch
            {
                '（' or '【' or '[' => '(',
                '）' or '】' or ']' => ')',
                '：' or ';' or '；' => ':',
                _ => c,
            });
        }
        return builder.ToString();
    }

    /// <summary>
    /// CJK Radicals Supplement code points that NFKC leaves alone but PDF fonts map shared glyphs to (Noto's ToUnicode
    /// turns 马 into ⻢ U+2EE2), with the ideograph each stands for (Unicode EquivalentUnifiedIdeograph data).
    /// </summary>
    private static readonly Dictionary<char, char> RadicalEquivalents = new()
    {
        ['⺠'] = '民', ['⺧'] = '牛', ['⺮'] = '竹', ['⺶'] = '羊', ['⻄'] = '西', ['⻅'] = '见', ['⻆'] = '角',
        ['⻉'] = '贝', ['⻋'] = '车', ['⻓'] = '长', ['⻔'] = '门', ['⻗'] = '雨', ['⻘'] = '青', ['⻙'] = '韦',
        ['⻚'] = '页', ['⻛'] = '风', ['⻜'] = '飞', ['⻝'] = '食', ['⻢'] = '马', ['⻣'] = '骨', ['⻤'] = '鬼',
        ['⻥'] = '鱼', ['⻦'] = '鸟', ['⻧'] = '卤', ['⻨'] = '麦', ['⻩'] = '黄', ['⻪'] = '黾', ['⻬'] = '齐',
        ['⻮'] = '齿', ['⻰'] = '龙', ['⻳'] = '龟',

        // Kangxi radicals (⼾ U+2F3E, ⾨ U+2FA8 …) that NFKC folds to the traditional ideograph, where forms print the
        // simplified one: 客⼾姓名 must read as 客户姓名.
        ['戶'] = '户', ['門'] = '门', ['見'] = '见', ['長'] = '长', ['馬'] = '马', ['車'] = '车', ['貝'] = '贝',
        ['頁'] = '页', ['風'] = '风', ['飛'] = '飞', ['魚'] = '鱼', ['鳥'] = '鸟', ['麥'] = '麦', ['黃'] = '黄',
        ['齊'] = '齐', ['齒'] = '齿', ['龍'] = '龙', ['龜'] = '龟', ['韋'] = '韦', ['鹵'] = '卤', ['黽'] = '黾',
    };

    public static bool IsCjk(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF';

    /// <summary>Characters that never belong to a form value but that OCR produces from dust, shadows and rules.</summary>
    public static bool IsNoise(char c) => c is '"' or '\'' or '“' or '”' or '‘' or '’' or '|' or '「' or '」' or '`' or '_' or '~' or '—' or '‖';

    /// <summary>Edit distance (insertions, deletions, substitutions), used for fuzzy label and vocabulary matching.</summary>
    public static int EditDistance(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        Span<int> previous = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            current.CopyTo(previous);
        }
        return previous[b.Length];
    }
}
