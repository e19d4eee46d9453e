using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.FormGenerator;

/// <summary>What the demo does when an application stops to wait for a person.</summary>
public sealed record DemoAction(string When, IReadOnlyDictionary<string, string>? PreCheck = null, bool? ReviewApproves = null);

/// <summary>One demo application: the file a partner uploads, what is really on the paper form, and who answers which question.</summary>
public sealed record DemoCase(string Name, string File, string Partner, string Product, string ExpectedStage, IReadOnlyDictionary<string, string> Truth, IReadOnlyList<DemoAction> Actions);

/// <summary>
/// The sample applications <c>./ruralloans demo</c> pushes through the pipeline, one per path a real application can take.
/// The households are made up; their figures are chosen so the rural scorecard lands where each case needs it.
/// </summary>
public static class DemoSamples
{
    public const string CasesFile = "cases.json";

    /// <summary>The photo the village partner "takes" during the demo's pre-check.</summary>
    public const string PreCheckPhoto = "precheck-cattle-shed.jpg";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<DemoCase> Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var images = new FormImages(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));
        var serif = new FormImages(new FormRenderer(FormFonts.Load("Noto Serif CJK SC")));
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var cases = new List<DemoCase>();

        var approved = Household("刘建华", "43062619820315123", "4", "8", "水稻种植", "30000", "12", "购买化肥种子", "等额本息", "柳树村", "安定镇", today);
        File.WriteAllBytes(Path.Combine(directory, "01-approved-310.png"), images.CleanScan(Values(approved), FormLayout.LabelValueLines, asciiColon: false));
        cases.Add(new("310 data path, clean scan", "01-approved-310.png", "MFI001", "farm-310", "Disbursed", approved, []));

        var blacklisted = Household("陈国强", "43062619850712551", "5", "12", "生猪养殖", "50000", "24", "购买饲料和仔猪", "等额本息", "石桥村", "安定镇", today);
        File.WriteAllBytes(Path.Combine(directory, "02-declined-blacklist.pdf"), images.TextPdf(Values(blacklisted), FormLayout.RuledTable, asciiColon: false));
        cases.Add(new("household on the blacklist", "02-declined-blacklist.pdf", "MFI001", "farm-310", "Declined", blacklisted, []));

        var referred = Household("周小燕", "43062619990101301", "3", "3", "蔬菜种植", "100000", "24", "建设蔬菜大棚", "先息后本", "新塘村", "三市镇", today);
        File.WriteAllBytes(Path.Combine(directory, "03-referred-review.pdf"), serif.TextPdf(Values(referred), FormLayout.TwoColumns, asciiColon: false));
        cases.Add(new("thin margins, a loan officer decides", "03-referred-review.pdf", "MFI002", "farm-310", "Disbursed", referred,
            [new DemoAction("AwaitingHumanReview", ReviewApproves: true)]));

        // The form was filled in with one digit wrong in the ID; the partner corrects it from the ID card.
        var typo = Household("黄桂兰", "43062619680923204", "6", "15", "茶叶种植", "60000", "36", "购买茶苗", "等额本息", "青石村", "三市镇", today);
        var printed = new Dictionary<string, string>(typo) { [LoanFormFields.IdNumber] = Mistype(typo[LoanFormFields.IdNumber]) };
        File.WriteAllBytes(Path.Combine(directory, "04-needs-correction.png"), images.CleanScan(Values(printed), FormLayout.TwoColumns, asciiColon: true));
        cases.Add(new("ID typo on the form, partner corrects it", "04-needs-correction.png", "MFI002", "farm-310", "Disbursed", typo,
            [new DemoAction("NeedsCorrection")]));

        var acquaintance = Household("王德明", "43062619750818402", "4", "6", "肉牛养殖", "40000", "24", "购买牛犊", "等额本息", "柳树村", "安定镇", today);
        File.WriteAllBytes(Path.Combine(directory, "05-acquaintance-precheck.pdf"), images.TextPdf(Values(acquaintance), FormLayout.LabelValueLines, asciiColon: false));
        cases.Add(new("thin-file acquaintance loan, village partner vouches", "05-acquaintance-precheck.pdf", "MFI001", "farm-acquaintance", "Disbursed", acquaintance,
            [new DemoAction("AwaitingPreCheck", PreCheck: new Dictionary<string, string> { ["villagePartner"] = "VP-WANG", ["remarks"] = "认识王德明一家，牛棚和承包地已看过 / know the family, saw the cattle shed and the land" })]));

        File.WriteAllBytes(Path.Combine(directory, PreCheckPhoto), CattleShedPhoto());
        File.WriteAllText(Path.Combine(directory, CasesFile), JsonSerializer.Serialize(new { cases }, Json) + "\n");
        return cases;
    }

    /// <summary>A Pingjiang county household's form values (phone derived from the ID so every household differs).</summary>
    public static Dictionary<string, string> Household(string name, string idFirst17, string household, string land, string project, string amount, string term,
        string purpose, string repayment, string village, string township, string date) => new()
    {
        [LoanFormFields.ApplicantName] = name,
        [LoanFormFields.IdNumber] = idFirst17 + ResidentIdentity.CheckCharacter(idFirst17),
        [LoanFormFields.Phone] = "139" + idFirst17[9..17],
        [LoanFormFields.Village] = village,
        [LoanFormFields.Township] = township,
        [LoanFormFields.County] = "平江县",
        [LoanFormFields.HouseholdSize] = household,
        [LoanFormFields.LandAreaMu] = land,
        [LoanFormFields.FarmingProject] = project,
        [LoanFormFields.RequestedAmountYuan] = amount,
        [LoanFormFields.TermMonths] = term,
        [LoanFormFields.Purpose] = purpose,
        [LoanFormFields.RepaymentMethod] = repayment,
        [LoanFormFields.PartnerCode] = "HN430626",
        [LoanFormFields.ApplicationDate] = date,
    };

    /// <summary>A simple drawn picture standing in for a phone photo of a cattle shed: sky, pasture, a shed and a caption.</summary>
    private static byte[] CattleShedPhoto()
    {
        using var bitmap = new SkiaSharp.SKBitmap(640, 480);
        using (var canvas = new SkiaSharp.SKCanvas(bitmap))
        {
            canvas.Clear(new SkiaSharp.SKColor(150, 200, 240));
            using var grass = new SkiaSharp.SKPaint { Color = new SkiaSharp.SKColor(90, 160, 70) };
            canvas.DrawRect(0, 300, 640, 180, grass);
            using var wall = new SkiaSharp.SKPaint { Color = new SkiaSharp.SKColor(150, 100, 60) };
            canvas.DrawRect(180, 200, 280, 140, wall);
            using var roof = new SkiaSharp.SKPaint { Color = new SkiaSharp.SKColor(110, 60, 40) };
            canvas.DrawRect(160, 170, 320, 40, roof);
            using var font = new SkiaSharp.SKFont(FormFonts.Load("Noto Sans CJK SC"), 28);
            using var ink = new SkiaSharp.SKPaint { Color = SkiaSharp.SKColors.White, IsAntialias = true };
            canvas.DrawText("王德明家牛棚 柳树村", 190, 420, SkiaSharp.SKTextAlign.Left, font, ink);
        }
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }

    private static string Mistype(string id) => id[..10] + (id[10] == '9' ? '8' : (char)(id[10] + 1)) + id[11..];

    /// <summary>Form content printing each value under the template's first label.</summary>
    public static FormValues Values(IReadOnlyDictionary<string, string> values) =>
        new(LoanFormFields.All.Select(name => new KeyValuePair<string, PrintedField>(name, new PrintedField(LoanFormFields.Labels[name][0], values[name], values[name]))).ToList());
}
