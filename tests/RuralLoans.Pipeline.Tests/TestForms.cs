using RuralLoans.Domain.Applications;
using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Pipeline.Tests;

/// <summary>Application forms with chosen content, rendered the way partners send them.</summary>
internal static class TestForms
{
    private static readonly FormImages Images = new(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));

    public static string IdNumber(string first17) => first17 + ResidentIdNumber.CheckCharacterFor(first17);

    /// <summary>A household the rural scorecard approves on the automatic path.</summary>
    public static Dictionary<string, string> GoodHousehold(string idFirst17 = "43062619820315123") =>
        DemoSamples.Household("刘建华", idFirst17, "4", "8", "水稻种植", "30000", "12", "购买化肥种子", "等额本息", "柳树村", "安定镇",
            DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    public static byte[] TextPdf(IReadOnlyDictionary<string, string> values) => Images.TextPdf(DemoSamples.Values(values), FormLayout.LabelValueLines, asciiColon: false);

    public static byte[] CleanScan(IReadOnlyDictionary<string, string> values) => Images.CleanScan(DemoSamples.Values(values), FormLayout.LabelValueLines, asciiColon: false);
}
