namespace RuralLoans.Domain.Scoring;

/// <summary>Groups the free-text loan purpose into the categories the rural scorecard bins on.</summary>
public static class LoanPurposeCategory
{
    public const string ProductionInputs = "production-inputs";
    public const string EquipmentAndFacilities = "equipment-and-facilities";
    public const string Expansion = "expansion";
    public const string Consumption = "consumption";
    public const string Other = "other";

    private static readonly (string Category, string[] Keywords)[] Rules =
    [
        (Consumption, ["装修", "婚", "购车", "买车", "消费", "旅游", "还债", "还款", "彩礼", "wedding", "car", "consum", "debt"]),
        (EquipmentAndFacilities, ["农机", "机械", "设备", "大棚", "温室", "圈舍", "棚", "冷库", "拖拉机", "equipment", "machine", "greenhouse", "barn", "tractor"]),
        (Expansion, ["扩大", "扩建", "新建", "承包", "流转", "租地", "expand", "lease", "new site"]),
        (ProductionInputs, ["种子", "种苗", "苗", "化肥", "肥料", "农药", "饲料", "仔猪", "鱼苗", "虾苗", "雏", "幼崽", "农资", "购买", "seed", "fertili", "feed", "piglet", "fry", "inputs"]),
    ];

    public static string Classify(string? purpose)
    {
        var text = (purpose ?? "").ToLowerInvariant();
        foreach (var (category, keywords) in Rules)
        {
            if (keywords.Any(k => text.Contains(k, StringComparison.Ordinal)))
            {
                return category;
            }
        }
        return Other;
    }
}
