using SkiaSharp;

namespace RuralLoans.FormGenerator;

/// <summary>The CJK typefaces forms are printed in: sans, serif, two Hei faces and a Ming (Song-style) face.</summary>
public static class FormFonts
{
    public const string AptPackages = "fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-gbsn00lp";

    public static IReadOnlyList<string> Families { get; } =
        ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "AR PL SungtiL GB"];

    public static IReadOnlyList<string> PdfFamilies { get; } = ["Noto Sans CJK SC", "Noto Serif CJK SC"];

    public static SKTypeface Load(string family)
    {
        var typeface = SKFontManager.Default.MatchFamily(family);
        if (typeface is null || !typeface.FamilyName.Equals(family, StringComparison.OrdinalIgnoreCase) || !HasChineseGlyphs(typeface))
        {
            typeface?.Dispose();
            throw new InvalidOperationException($"Font '{family}' with Chinese glyphs is not installed: apt-get install {AptPackages}");
        }
        return typeface;
    }

    private static bool HasChineseGlyphs(SKTypeface typeface)
    {
        using var font = new SKFont(typeface);
        return font.ContainsGlyphs("借款人");
    }
}
