using System.Globalization;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.FormGenerator;

/// <summary>What is printed in one field of a form, and the normalised value a reader must extract from it.</summary>
public sealed record PrintedField(string Label, string Printed, string Expected);

/// <summary>One applicant's form content, keyed by the extractor's field names, in print order.</summary>
public sealed record FormValues(IReadOnlyList<KeyValuePair<string, PrintedField>> Fields)
{
    public IReadOnlyDictionary<string, string> Expected => Fields.ToDictionary(f => f.Key, f => f.Value.Expected);
}

/// <summary>Deterministic, plausible applicant data for a seed, printed the many ways real forms print it.</summary>
public sealed class FormValuesGenerator(Random random)
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
    private static readonly string[] GivenNameCharacters = ["伟", "芳", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "玉", "华", "建", "国", "文", "海", "春"];
    private static readonly string[] PlacePrefixes = ["大王", "李家", "石桥", "柳树", "新华", "东山", "南湾", "红星", "三合", "青山", "白河", "长岭", "太平", "双龙", "永和", "清水", "杨庄", "高坪", "古城", "金沙"];
    private static readonly string[] Counties = ["平山县", "阜平县", "岚县", "临泉县", "镇宁县", "隆德县", "紫云县", "丹凤县", "望谟县", "宁陕县"];
    private static readonly string[] FarmingProjects = ["生猪养殖", "肉牛养殖", "蔬菜种植", "水稻种植", "茶叶种植", "食用菌种植", "蛋鸡养殖", "中药材种植", "苹果种植", "小龙虾养殖"];
    private static readonly string[] Purposes = ["购买饲料和仔猪", "购买化肥种子", "建设蔬菜大棚", "购买农机具", "扩大养殖规模", "修建圈舍", "购买茶苗", "支付土地流转费"];
    private static readonly string[] PartnerPrefixes = ["HB", "GZ", "SX", "AH", "NX", "YN"];

    public FormValues Next()
    {
        var surname = Pick(Surnames);
        var name = surname + Pick(GivenNameCharacters) + (random.Next(3) == 0 ? string.Empty : Pick(GivenNameCharacters));
        var id = NextIdNumber();
        var phone = "1" + Pick(["3", "5", "7", "8", "9"]) + Digits(9);
        var village = Pick(PlacePrefixes) + "村";
        var township = Pick(PlacePrefixes) + Pick(["镇", "乡"]);
        var county = Pick(Counties);
        var household = random.Next(2, 9);
        var landTenths = random.Next(10, 400);
        var land = (landTenths % 10 == 0 ? (landTenths / 10).ToString(CultureInfo.InvariantCulture) : (landTenths / 10.0).ToString("0.0", CultureInfo.InvariantCulture));
        var amountThousands = Pick([5, 8, 10, 15, 20, 25, 30, 35, 40, 50, 60, 80, 100, 150, 200]);
        var amount = amountThousands * 1000;
        var term = Pick([6, 12, 18, 24, 36]);
        var date = new DateOnly(2024, 1, 1).AddDays(random.Next(0, 900));

        var fields = new List<KeyValuePair<string, PrintedField>>
        {
            Field(LoanFormFields.ApplicantName, name, name),
            Field(LoanFormFields.IdNumber, id, id),
            Field(LoanFormFields.Phone, phone, phone),
            Field(LoanFormFields.Village, village, village),
            Field(LoanFormFields.Township, township, township),
            Field(LoanFormFields.County, county, county),
            Field(LoanFormFields.HouseholdSize, household.ToString(CultureInfo.InvariantCulture) + Pick(["", "人"]), household.ToString(CultureInfo.InvariantCulture)),
            Field(LoanFormFields.LandAreaMu, land + Pick(["", "亩"]), land),
            Field(LoanFormFields.FarmingProject, Pick(FarmingProjects), null),
            Field(LoanFormFields.RequestedAmountYuan, PrintAmount(amount), amount.ToString(CultureInfo.InvariantCulture)),
            Field(LoanFormFields.TermMonths, term.ToString(CultureInfo.InvariantCulture) + Pick(["", "个月"]), term.ToString(CultureInfo.InvariantCulture)),
            Field(LoanFormFields.Purpose, Pick(Purposes), null),
            Field(LoanFormFields.RepaymentMethod, Pick(LoanFormFields.RepaymentMethods), null),
            Field(LoanFormFields.PartnerCode, Pick(PartnerPrefixes) + Digits(6), null),
            Field(LoanFormFields.ApplicationDate, PrintDate(date), date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        };
        return new FormValues(fields);
    }

    private KeyValuePair<string, PrintedField> Field(string name, string printed, string? expected)
    {
        var label = Pick(LoanFormFields.Labels[name]);
        return new(name, new PrintedField(label, printed, expected ?? printed));
    }

    private string PrintAmount(int amount)
    {
        var plain = amount.ToString(CultureInfo.InvariantCulture);
        var grouped = amount.ToString("#,0", CultureInfo.InvariantCulture);
        var wan = (amount / 10000m).ToString("0.##", CultureInfo.InvariantCulture) + "万";
        return random.Next(5) switch
        {
            0 => plain,
            1 => grouped,
            2 => grouped + "元",
            3 => amount % 1000 == 0 ? wan + (random.Next(2) == 0 ? "元" : string.Empty) : plain,
            _ => plain + "元",
        };
    }

    private string PrintDate(DateOnly date) => random.Next(3) switch
    {
        0 => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        1 => date.ToString("yyyy/M/d", CultureInfo.InvariantCulture),
        _ => date.ToString("yyyy年M月d日", CultureInfo.InvariantCulture),
    };

    private string NextIdNumber()
    {
        var birth = new DateOnly(1960, 1, 1).AddDays(random.Next(0, 365 * 40));
        var body = Pick(["130131", "130624", "341221", "520423", "640423", "611022", "610926"]) + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + Digits(3);
        return body + ResidentIdentity.CheckCharacter(body);
    }

    private string Digits(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => (char)('0' + random.Next(10))));

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
