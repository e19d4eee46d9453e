using System.Globalization;
using System.Text.RegularExpressions;

namespace RuralLoans.Domain.Applications;

/// <summary>
/// Turns the ways people and OCR write form values into one canonical value each. Public so that the
/// OCR extractor and the portal parse exactly as validation does.
/// </summary>
public static partial class FieldNormalizers
{
    private const decimal TenThousand = 10_000m;

    /// <summary>
    /// Reads an amount in yuan: <c>30000</c>, <c>30,000</c>, <c>¥30,000.00</c>, <c>30000元</c>, <c>3万</c>, <c>3.5万元</c>.
    /// Fails (rather than rounds) when the amount has more precision than a fen.
    /// </summary>
    public static bool TryNormalizeAmountYuan(string? text, out decimal yuan)
    {
        yuan = 0;
        var cleaned = TextNormalizer.Clean(text).Replace(" ", "", StringComparison.Ordinal);
        var match = AmountPattern().Match(cleaned);
        if (!match.Success)
        {
            return false;
        }
        var digits = match.Groups["number"].Value.Replace(",", "", StringComparison.Ordinal);
        if (!decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        var value = match.Groups["wan"].Success ? number * TenThousand : number;
        if (decimal.Round(value, 2) != value)
        {
            return false;
        }
        yuan = value;
        return true;
    }

    /// <summary>Reads a date written <c>2024-03-15</c>, <c>2024/3/15</c>, <c>2024.3.15</c> or <c>2024年3月15日</c>.</summary>
    public static bool TryNormalizeDate(string? text, out DateOnly date)
    {
        date = default;
        var cleaned = TextNormalizer.Clean(text).Replace(" ", "", StringComparison.Ordinal);
        var match = DatePattern().Match(cleaned);
        if (!match.Success)
        {
            return false;
        }
        var year = int.Parse(match.Groups["y"].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
        var day = int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture);
        if (year < 1900 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>Reads a mainland mobile number, tolerating spaces, dashes and a +86 / 0086 prefix.</summary>
    public static bool TryNormalizeMobile(string? text, out string mobile)
    {
        mobile = "";
        var digits = TextNormalizer.Clean(text).Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (digits.StartsWith("+86", StringComparison.Ordinal))
        {
            digits = digits[3..];
        }
        else if (digits.StartsWith("0086", StringComparison.Ordinal))
        {
            digits = digits[4..];
        }
        if (!MobilePattern().IsMatch(digits))
        {
            return false;
        }
        mobile = digits;
        return true;
    }

    /// <summary>Reads a whole count with an optional unit suffix (人, 口, 个月, 月, 期): <c>5</c>, <c>5人</c>, <c>12个月</c>.</summary>
    public static bool TryNormalizeWholeNumber(string? text, out int value)
    {
        value = 0;
        var cleaned = TextNormalizer.Clean(text).Replace(" ", "", StringComparison.Ordinal);
        var match = WholeNumberPattern().Match(cleaned);
        return match.Success && int.TryParse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads a land area in mu (亩) with up to two decimals: <c>8</c>, <c>8.5</c>, <c>8.5亩</c>.</summary>
    public static bool TryNormalizeLandAreaMu(string? text, out decimal mu)
    {
        mu = 0;
        var cleaned = TextNormalizer.Clean(text).Replace(" ", "", StringComparison.Ordinal);
        var match = LandAreaPattern().Match(cleaned);
        return match.Success
            && decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out mu);
    }

    /// <summary>Reads a repayment method from its Chinese name, its English name or its code.</summary>
    public static bool TryNormalizeRepaymentMethod(string? text, out RepaymentMethod method)
    {
        var key = NormalizeKeyword(text);
        switch (key)
        {
            case "等额本息" or "equalinstalment" or "equalinstallment" or "annuity" or "equal_instalment":
                method = RepaymentMethod.EqualInstalment;
                return true;
            case "先息后本" or "按月付息到期还本" or "interestthenbullet" or "interestonly" or "interest_then_bullet":
                method = RepaymentMethod.InterestThenBullet;
                return true;
            case "到期一次还本付息" or "一次还本付息" or "bullet" or "lumpsum":
                method = RepaymentMethod.Bullet;
                return true;
            case "等额本金" or "equalprincipal" or "equal_principal":
                method = RepaymentMethod.EqualPrincipal;
                return true;
            case "按季结息" or "按季付息" or "按季结息到期还本" or "按季付息到期还本" or "quarterlyinterest" or "quarterly_interest":
                method = RepaymentMethod.QuarterlyInterest;
                return true;
            default:
                method = default;
                return false;
        }
    }

    /// <summary>Reads a farming project from a Chinese or English description; unknown projects are <see cref="FarmingProject.Other"/>.</summary>
    public static bool TryNormalizeFarmingProject(string? text, out FarmingProject project)
    {
        project = FarmingProject.Other;
        var key = NormalizeKeyword(text);
        if (key.Length == 0)
        {
            return false;
        }
        project = key switch
        {
            _ when ContainsAny(key, "粮", "稻", "麦", "玉米", "grain", "rice", "wheat", "maize", "corn") => FarmingProject.GrainCrops,
            _ when ContainsAny(key, "果", "林", "orchard", "forest", "fruit") => FarmingProject.Orchard,
            _ when ContainsAny(key, "猪", "牛", "羊", "鸡", "鸭", "鹅", "畜", "禽", "livestock", "pig", "cattle", "sheep", "poultry") => FarmingProject.Livestock,
            _ when ContainsAny(key, "鱼", "虾", "蟹", "水产", "aquaculture", "fish", "shrimp") => FarmingProject.Aquaculture,
            _ when ContainsAny(key, "加工", "旅游", "农家乐", "电商", "民宿", "processing", "tourism", "ecommerce", "services") => FarmingProject.ProcessingAndServices,
            _ when ContainsAny(key, "蔬菜", "茶", "棉", "油", "菜", "烟", "药", "经济作物", "cash", "vegetable", "tea", "cotton") => FarmingProject.CashCrops,
            _ => FarmingProject.Other,
        };
        return true;
    }

    private static bool ContainsAny(string text, params string[] needles) =>
        needles.Any(n => text.Contains(n, StringComparison.Ordinal));

    private static string NormalizeKeyword(string? text) =>
        TextNormalizer.Clean(text).Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    [GeneratedRegex(@"^(?:¥|￥|RMB|CNY)?(?<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?<wan>万)?(?:元|元整|圆)?$")]
    private static partial Regex AmountPattern();

    [GeneratedRegex(@"^(?<y>\d{4})(?:[-/.]|年)(?<m>\d{1,2})(?:[-/.]|月)(?<d>\d{1,2})日?$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex MobilePattern();

    [GeneratedRegex(@"^(?<number>\d{1,6})(?:人|口|个月|月|期)?$")]
    private static partial Regex WholeNumberPattern();

    [GeneratedRegex(@"^(?<number>\d{1,7}(?:\.\d{1,2})?)(?:亩)?$")]
    private static partial Regex LandAreaPattern();
}
