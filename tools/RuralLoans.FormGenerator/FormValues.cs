using System.Globalization;
using System.Text;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.FormGenerator;

/// <summary>What is printed in one field of a form, and the normalised value a reader must extract from it.</summary>
public sealed record PrintedField(string Label, string Printed, string Expected);

/// <summary>
/// One applicant's form content, keyed by the extractor's field names. <see cref="Body"/> is what is printed in the
/// form's body, in print order, including fields the application does not use; <see cref="Header"/> what is printed
/// above it.
/// </summary>
public sealed record FormValues(IReadOnlyList<KeyValuePair<string, PrintedField>> Fields)
{
    public IReadOnlyDictionary<string, string> Expected => Fields.ToDictionary(f => f.Key, f => f.Value.Expected);

    public string? Title { get; init; }

    /// <summary>Scales every body font: partners print at different sizes.</summary>
    public float FontScale { get; init; } = 1f;

    public IReadOnlyList<(string Label, string Printed)> Header { get; init; } = [];

    public IReadOnlyList<(string Label, string Printed)>? BodyItems { get; init; }

    public IEnumerable<(string Label, string Printed)> Body => BodyItems ?? Fields.Select(f => (f.Value.Label, f.Value.Printed));
}

/// <summary>Which label wordings a form uses: those the extractor was developed on, or others kept for measuring.</summary>
public enum FormSplit
{
    Development,
    HeldOut,
}

/// <summary>Deterministic, plausible applicant data for a seed, printed the many ways partners' forms print it.</summary>
public sealed class FormValuesGenerator(Random random, FormSplit split = FormSplit.Development)
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
    private static readonly string[] GivenNameCharacters = ["伟", "芳", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "玉", "华", "建", "国", "文", "海", "春"];
    private static readonly string[] PlacePrefixes = ["大王", "李家", "石桥", "柳树", "新华", "东山", "南湾", "红星", "三合", "青山", "白河", "长岭", "太平", "双龙", "永和", "清水", "杨庄", "高坪", "古城", "金沙"];
    private static readonly string[] FarmingProjects = ["生猪养殖", "肉牛养殖", "蔬菜种植", "水稻种植", "茶叶种植", "食用菌种植", "蛋鸡养殖", "中药材种植", "苹果种植", "小龙虾养殖"];
    private static readonly string[] Purposes = ["购买饲料和仔猪", "购买化肥种子", "建设蔬菜大棚", "购买农机具", "扩大养殖规模", "修建圈舍", "购买茶苗", "支付土地流转费"];
    private static readonly string[] Titles = ["农户小额信用贷款申请表", "农户贷款申请书", "小额信贷借款申请表", "普惠金融贷款申请登记表", "农村信用借款申请单"];

    /// <summary>
    /// Label wordings per field: the first set is what the extractor was developed against, the second is kept apart
    /// for measuring (other partners' wordings).
    /// </summary>
    private static readonly Dictionary<string, (string[] Development, string[] HeldOut)> Wordings = new()
    {
        [LoanFormFields.ApplicantName] = (["借款人姓名", "申请人姓名", "姓名"], ["客户姓名", "借款人", "户主姓名"]),
        [LoanFormFields.IdNumber] = (["身份证号码", "身份证号", "公民身份号码"], ["身份证件号码", "借款人身份证号", "证件号码"]),
        [LoanFormFields.Phone] = (["联系电话", "手机号码", "手机号"], ["手机", "移动电话", "联系方式"]),
        [LoanFormFields.Village] = (["所在村", "行政村", "村(社区)"], ["村委会", "所在行政村", "村(居)委会"]),
        [LoanFormFields.Township] = (["所属乡镇", "乡镇", "乡(镇)"], ["乡镇(街道)", "所在乡镇", "镇(乡)"]),
        [LoanFormFields.County] = (["所属县区", "县(区)", "县区"], ["县(市、区)", "所在县", "区县"]),
        [LoanFormFields.HouseholdSize] = (["家庭人口", "家庭人口数", "家庭成员数"], ["家庭人数", "户籍人口", "家庭成员人数"]),
        [LoanFormFields.LandAreaMu] = (["承包地面积(亩)", "耕地面积", "土地面积(亩)"], ["种植面积", "承包经营面积(亩)", "经营规模"]),
        [LoanFormFields.FarmingProject] = (["种养项目", "经营项目", "生产项目"], ["产业类型", "从事项目", "主营项目"]),
        [LoanFormFields.RequestedAmountYuan] = (["申请金额", "借款金额", "贷款金额(元)"], ["申请借款金额", "授信额度(元)", "贷款额度"]),
        [LoanFormFields.TermMonths] = (["借款期限", "贷款期限(月)", "期限(月)"], ["申请期限", "借款期限(个月)", "期限"]),
        [LoanFormFields.Purpose] = (["借款用途", "贷款用途", "资金用途"], ["用途", "资金使用用途", "贷款使用用途"]),
        [LoanFormFields.RepaymentMethod] = (["还款方式", "偿还方式"], ["还本付息方式", "还款方法"]),
        [LoanFormFields.PartnerCode] = (["合作机构代码", "合作方编码", "服务站编号"], ["推荐人编号", "网点代码", "推荐机构编号"]),
        [LoanFormFields.ApplicationDate] = (["申请日期", "填表日期"], ["申报日期", "借款申请日期", "日期"]),
    };

    private static readonly Lazy<IReadOnlyList<(Division County, string Name, IReadOnlyList<string> Townships)>> RuralCounties = new(() =>
    {
        var divisions = AdministrativeDivisions.Default;
        return divisions.CountyNames
            .SelectMany(name => divisions.CountiesNamed(name).Select(c => (County: c, Name: name)))
            .Where(c => c.Name.EndsWith('县') && c.Name == c.County.Name)
            .Select(c => (c.County, Name: AdministrativeDivisions.NamesOf(c.County.Name).Last(),
                Townships: (IReadOnlyList<string>)divisions.TownshipsOf(c.County.Code).Select(t => t.Name).Where(t => t.EndsWith('镇') || t.EndsWith('乡')).ToList()))
            .Where(c => c.Townships.Count > 0)
            .OrderBy(c => c.County.Code, StringComparer.Ordinal)
            .ToList();
    });

    public FormValues Next()
    {
        var surname = Pick(Surnames);
        var name = surname + Pick(GivenNameCharacters) + (random.Next(3) == 0 ? string.Empty : Pick(GivenNameCharacters));
        var place = Pick(RuralCounties.Value);
        // Most applicants apply where their ID was issued; some moved, and the reader must flag, not "fix", that.
        var idCounty = random.Next(8) == 0 ? Pick(RuralCounties.Value).County : place.County;
        var date = new DateOnly(2024, 1, 1).AddDays(random.Next(0, 900));
        var (id, birth) = NextIdNumber(idCounty.Code);
        var phone = "1" + Pick(["3", "5", "7", "8", "9"]) + Digits(9);
        // Real numbers only (154, 179, 194 are issued to nobody); mapped without a further draw, so every other value
        // of every form stays as it was.
        phone = RuralLoans.Ocr.Extraction.MobilePrefixes.IsAssigned(phone) ? phone : RuralLoans.Ocr.Extraction.MobilePrefixes.NearestAssigned(phone[..3]) + phone[3..];
        var village = Pick(PlacePrefixes) + "村";
        var township = Pick(place.Townships);
        var household = random.Next(2, 9);
        var landTenths = random.Next(10, 400);
        var land = landTenths % 10 == 0 ? (landTenths / 10).ToString(CultureInfo.InvariantCulture) : (landTenths / 10.0).ToString("0.0", CultureInfo.InvariantCulture);
        var amount = Pick([5, 8, 10, 15, 20, 25, 30, 35, 40, 50, 60, 80, 100, 150, 200]) * 1000;
        var term = Pick([6, 12, 18, 24, 36]);
        var repayment = Pick(LoanFormFields.RepaymentMethods);
        var partnerCode = PartnerCode(Pick(FormVocabulary.Default.PartnerCodes).Mask);

        var fields = new List<KeyValuePair<string, PrintedField>>
        {
            Field(LoanFormFields.ApplicantName, name, name),
            Field(LoanFormFields.IdNumber, id, id),
            Field(LoanFormFields.Phone, PrintPhone(phone), phone),
            Field(LoanFormFields.Village, village, village),
            Field(LoanFormFields.Township, township, township),
            Field(LoanFormFields.County, place.Name, place.Name),
            Field(LoanFormFields.HouseholdSize, PrintCount(household), household.ToString(CultureInfo.InvariantCulture)),
            Field(LoanFormFields.LandAreaMu, land + Pick(["", "亩"]), land),
            Field(LoanFormFields.FarmingProject, Pick(FarmingProjects), null),
            Field(LoanFormFields.RequestedAmountYuan, PrintAmount(amount), amount.ToString(CultureInfo.InvariantCulture)),
            Field(LoanFormFields.TermMonths, PrintTerm(term), term.ToString(CultureInfo.InvariantCulture)),
            Field(LoanFormFields.Purpose, Pick(Purposes), null),
            Field(LoanFormFields.RepaymentMethod, PrintChoice(repayment), repayment),
            Field(LoanFormFields.PartnerCode, partnerCode, partnerCode),
            Field(LoanFormFields.ApplicationDate, PrintDate(date), date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        };

        var age = date.Year - birth.Year - (date < birth.AddYears(date.Year - birth.Year) ? 1 : 0);
        var extras = new List<(string, string)>
        {
            ("性别", Pick(["男", "女"])),
            ("民族", Pick(["汉族", "苗族", "土家族"])),
            ("家庭住址", village + Pick(["一", "二", "三", "五"]) + "组"),
            ("家庭年收入(元)", (random.Next(20, 120) * 1000).ToString("#,0", CultureInfo.InvariantCulture)),
            ("紧急联系人", Pick(Surnames) + Pick(GivenNameCharacters) + Pick(GivenNameCharacters)),
            ("紧急联系人电话", "1" + Pick(["3", "5", "8"]) + Digits(9)),
            ("年龄", age.ToString(CultureInfo.InvariantCulture)),
            ("婚姻状况", Pick(["已婚", "未婚"])),
        };
        var chosenExtras = extras.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).ToList();

        // Metadata in the header, as many partners print it; the rest of the body in the partner's own order.
        var header = new List<(string, string)>();
        var body = fields.ToList();
        if (random.Next(5) < 2)
        {
            header.Add(("编号", "No." + Digits(8)));
            foreach (var field in new[] { LoanFormFields.PartnerCode, LoanFormFields.ApplicationDate })
            {
                var printed = body.Single(f => f.Key == field);
                header.Add((printed.Value.Label, printed.Value.Printed));
                body.Remove(printed);
            }
        }
        var items = body.Select(f => (f.Value.Label, f.Value.Printed)).ToList();
        if (random.Next(2) == 0)
        {
            items = [.. items.OrderBy(_ => random.Next())];
        }
        foreach (var extra in chosenExtras)
        {
            items.Insert(random.Next(items.Count + 1), extra);
        }
        return new FormValues(fields)
        {
            Title = Pick(Titles),
            FontScale = (float)(0.92 + (random.NextDouble() * 0.16)),
            Header = header,
            BodyItems = items,
        };
    }

    private KeyValuePair<string, PrintedField> Field(string name, string printed, string? expected)
    {
        var (development, heldOut) = Wordings[name];
        var label = Pick(split == FormSplit.Development ? development : heldOut);
        return new(name, new PrintedField(label, printed, expected ?? printed));
    }

    private string PrintPhone(string phone) => random.Next(4) switch
    {
        0 => $"{phone[..3]} {phone[3..7]} {phone[7..]}",
        1 => $"{phone[..3]}-{phone[3..7]}-{phone[7..]}",
        _ => phone,
    };

    private string PrintCount(int count) => random.Next(5) switch
    {
        0 => count + "人",
        1 => count + "口人",
        2 => ToChinese(count) + "人",
        _ => count.ToString(CultureInfo.InvariantCulture),
    };

    private string PrintTerm(int months) => random.Next(4) switch
    {
        0 when months % 12 == 0 => (months / 12) + "年",
        1 => months + "个月",
        _ => months.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Half the forms print the repayment methods as boxes with the chosen one ticked.</summary>
    private string PrintChoice(string chosen)
    {
        if (random.Next(2) == 0)
        {
            return chosen;
        }
        var offered = LoanFormFields.RepaymentMethods.Where(m => m != chosen).OrderBy(_ => random.Next()).Take(random.Next(1, 3)).Append(chosen).Order(StringComparer.Ordinal).ToList();
        var tick = Pick(["■", "√", "☑"]);
        return string.Join("  ", offered.Select(m => (m == chosen ? tick : "□") + m));
    }

    private string PrintAmount(int amount)
    {
        var plain = amount.ToString(CultureInfo.InvariantCulture);
        var grouped = amount.ToString("#,0", CultureInfo.InvariantCulture);
        var wan = (amount / 10000m).ToString("0.##", CultureInfo.InvariantCulture) + "万";
        return random.Next(8) switch
        {
            0 => plain,
            1 => grouped,
            2 => grouped + "元",
            3 => wan + (random.Next(2) == 0 ? "元" : string.Empty),
            4 => "¥" + grouped + ".00",
            5 => Capitals(amount),
            6 => $"{grouped}(大写:{Capitals(amount)})",
            _ => plain + "元",
        };
    }

    /// <summary>Financial capitals for a whole number of thousands up to 990,000 (叁万伍仟元整).</summary>
    private static string Capitals(int amount)
    {
        const string Digits = "零壹贰叁肆伍陆柒捌玖";
        var wan = amount / 10000;
        var thousands = amount / 1000 % 10;
        var text = new StringBuilder();
        if (wan >= 10)
        {
            text.Append(Digits[wan / 10]).Append('拾');
            if (wan % 10 > 0)
            {
                text.Append(Digits[wan % 10]);
            }
        }
        else if (wan > 0)
        {
            text.Append(Digits[wan]);
        }
        if (wan > 0)
        {
            text.Append('万');
        }
        if (thousands > 0)
        {
            text.Append(Digits[thousands]).Append('仟');
        }
        return text + "元整";
    }

    private static string ToChinese(int count) => count < 10 ? "零一二三四五六七八九"[count].ToString() : "十" + (count == 10 ? string.Empty : "零一二三四五六七八九"[count - 10].ToString());

    private string PrintDate(DateOnly date) => random.Next(4) switch
    {
        0 => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        1 => date.ToString("yyyy/M/d", CultureInfo.InvariantCulture),
        2 => date.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture),
        _ => date.ToString("yyyy年M月d日", CultureInfo.InvariantCulture),
    };

    private string PartnerCode(string mask) => string.Concat(mask.Select(m => m switch
    {
        'A' => (char)('A' + random.Next(26)),
        '9' => (char)('0' + random.Next(10)),
        'X' => random.Next(2) == 0 ? (char)('A' + random.Next(26)) : (char)('0' + random.Next(10)),
        _ => m,
    }));

    private (string Id, DateOnly Birth) NextIdNumber(string regionCode)
    {
        var birth = new DateOnly(1960, 1, 1).AddDays(random.Next(0, 365 * 40));
        var body = regionCode + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + Digits(3);
        return (body + ResidentIdentity.CheckCharacter(body), birth);
    }

    private string Digits(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => (char)('0' + random.Next(10))));

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
