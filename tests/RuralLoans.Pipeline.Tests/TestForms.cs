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
    public static Dictionary<string, string> GoodHousehold(string idFirst17 = "43062619820315123") => new()
    {
        [LoanFormFields.ApplicantName] = "刘建华",
        [LoanFormFields.IdNumber] = IdNumber(idFirst17),
        [LoanFormFields.Phone] = "13812345678",
        [LoanFormFields.Village] = "柳树村",
        [LoanFormFields.Township] = "安定镇",
        [LoanFormFields.County] = "平江县",
        [LoanFormFields.HouseholdSize] = "4",
        [LoanFormFields.LandAreaMu] = "8",
        [LoanFormFields.FarmingProject] = "水稻种植",
        [LoanFormFields.RequestedAmountYuan] = "30000",
        [LoanFormFields.TermMonths] = "12",
        [LoanFormFields.Purpose] = "购买化肥种子",
        [LoanFormFields.RepaymentMethod] = "等额本息",
        [LoanFormFields.PartnerCode] = "HN430626",
        [LoanFormFields.ApplicationDate] = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
    };

    public static byte[] TextPdf(IReadOnlyDictionary<string, string> values) => Images.TextPdf(Values(values), FormLayout.LabelValueLines, asciiColon: false);

    public static byte[] CleanScan(IReadOnlyDictionary<string, string> values) => Images.CleanScan(Values(values), FormLayout.LabelValueLines, asciiColon: false);

    private static FormValues Values(IReadOnlyDictionary<string, string> values) =>
        new(LoanFormFields.All.Select(name => new KeyValuePair<string, PrintedField>(name, new PrintedField(LoanFormFields.Labels[name][0], values[name], values[name]))).ToList());
}
