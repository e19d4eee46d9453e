namespace RuralLoans.Ocr.Extraction;

/// <summary>The fields read from a loan application form, and the labels printed forms use for each.</summary>
public static class LoanFormFields
{
    public const string ApplicantName = "applicantName";
    public const string IdNumber = "idNumber";
    public const string Phone = "phone";
    public const string Village = "village";
    public const string Township = "township";
    public const string County = "county";
    public const string HouseholdSize = "householdSize";
    public const string LandAreaMu = "landAreaMu";
    public const string FarmingProject = "farmingProject";
    public const string RequestedAmountYuan = "requestedAmountYuan";
    public const string TermMonths = "termMonths";
    public const string Purpose = "purpose";
    public const string RepaymentMethod = "repaymentMethod";
    public const string PartnerCode = "partnerCode";
    public const string ApplicationDate = "applicationDate";

    public static IReadOnlyList<string> All { get; } =
    [
        ApplicantName, IdNumber, Phone, Village, Township, County, HouseholdSize, LandAreaMu, FarmingProject,
        RequestedAmountYuan, TermMonths, Purpose, RepaymentMethod, PartnerCode, ApplicationDate,
    ];

    /// <summary>Label wordings seen on partner forms; the first is the one our own template prints.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Labels { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [ApplicantName] = ["借款人姓名", "申请人姓名", "姓名"],
        [IdNumber] = ["身份证号码", "身份证号", "公民身份号码"],
        [Phone] = ["联系电话", "手机号码", "手机号"],
        [Village] = ["所在村", "行政村", "村(社区)"],
        [Township] = ["所属乡镇", "乡镇", "乡(镇)"],
        [County] = ["所属县区", "县(区)", "县区"],
        [HouseholdSize] = ["家庭人口", "家庭人口数", "家庭成员数"],
        [LandAreaMu] = ["承包地面积(亩)", "耕地面积", "土地面积(亩)"],
        [FarmingProject] = ["种养项目", "经营项目", "生产项目"],
        [RequestedAmountYuan] = ["申请金额", "借款金额", "贷款金额(元)"],
        [TermMonths] = ["借款期限", "贷款期限(月)", "期限(月)"],
        [Purpose] = ["借款用途", "贷款用途", "资金用途"],
        [RepaymentMethod] = ["还款方式", "偿还方式"],
        [PartnerCode] = ["合作机构代码", "合作方编码", "服务站编号"],
        [ApplicationDate] = ["申请日期", "填表日期"],
    };

    /// <summary>The repayment methods the lending product offers, in the wording forms usually print.</summary>
    public static IReadOnlyList<string> RepaymentMethods { get; } = ["等额本息", "等额本金", "按月付息到期还本", "到期一次还本付息"];

    /// <summary>
    /// Every wording the application validator accepts for those methods and for quarterly interest: 先息后本 is the
    /// common name of 按月付息到期还本, so a form printing it names an offered method and must not be flagged as one it does not.
    /// </summary>
    public static IReadOnlyList<string> RepaymentWordings { get; } = [.. RepaymentMethods, "先息后本", "按季结息", "按季付息"];
}

/// <summary>PRC resident identity number check (GB 11643-1999, ISO 7064 MOD 11-2).</summary>
public static class ResidentIdentity
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    /// <param name="body">The first 17 digits.</param>
    public static char CheckCharacter(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length != 17 || !body.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("An identity number body is 17 digits.", nameof(body));
        }
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (body[i] - '0') * Weights[i];
        }
        return CheckCharacters[sum % 11];
    }

    public static bool IsValid(string number) =>
        number is { Length: 18 } && number[..17].All(char.IsAsciiDigit) && CheckCharacter(number[..17]) == number[17];
}
