using System.Text;

namespace RuralLoans.Domain.Applications;

/// <summary>Character-level clean-up shared by every field normaliser (OCR output and hand-keyed text alike).</summary>
public static class TextNormalizer
{
    /// <summary>Turns full-width ASCII (０-９, Ａ-Ｚ, ，．／ and the ideographic space) into their half-width forms.</summary>
    public static string ToHalfWidth(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\u3000' => ' ',
                >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                _ => c,
            });
        }
        return builder.ToString();
    }

    /// <summary>Half-width, trimmed, with inner runs of white space collapsed to one space.</summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        var halfWidth = ToHalfWidth(text);
        var builder = new StringBuilder(halfWidth.Length);
        var pendingSpace = false;
        foreach (var c in halfWidth.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
