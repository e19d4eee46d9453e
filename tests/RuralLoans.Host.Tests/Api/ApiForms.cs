using RuralLoans.Domain.Applications;
using RuralLoans.FormGenerator;

namespace RuralLoans.Host.Tests.Api;

/// <summary>Application forms with chosen content, rendered as partners send them.</summary>
internal static class ApiForms
{
    private static readonly FormImages Images = new(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));
    private static int _next;

    public static string IdNumber(string first17) => first17 + ResidentIdNumber.CheckCharacterFor(first17);

    /// <summary>A fresh 17-digit ID stem for a Pingjiang household born in 1980, different on every call.</summary>
    public static string NewIdStem()
    {
        var sequence = Interlocked.Increment(ref _next) + (Environment.ProcessId % 500 * 2);
        return $"43062619800101{sequence % 1000:D3}";
    }

    /// <summary>A household the scorecard approves; the village decides which village partner (if any) covers it.</summary>
    public static Dictionary<string, string> Household(string idStem, string village = "柳树村", string township = "安定镇") =>
        DemoSamples.Household("刘建华", idStem, "4", "8", "水稻种植", "30000", "12", "购买化肥种子", "等额本息", village, township,
            DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The same household with a wrong check character in its resident ID.</summary>
    public static Dictionary<string, string> WithWrongCheckCharacter(Dictionary<string, string> household)
    {
        var right = household["idNumber"];
        return new Dictionary<string, string>(household) { ["idNumber"] = right[..17] + (right[17] == '0' ? '1' : '0') };
    }

    public static byte[] TextPdf(IReadOnlyDictionary<string, string> values) => Images.TextPdf(DemoSamples.Values(values), FormLayout.LabelValueLines, asciiColon: false);

    public static byte[] CleanScan(IReadOnlyDictionary<string, string> values) => Images.CleanScan(DemoSamples.Values(values), FormLayout.LabelValueLines, asciiColon: false);
}
