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

    /// <summary>
    /// Uses loan money may not be put to, by kind. Loans to individuals and farm households may not fund securities,
    /// futures or similar speculative investment, nor the purchase of housing outside a housing loan, nor anything
    /// unlawful (CBIRC/PBoC notice on preventing the misuse of business and consumer loans, 银保监办发〔2021〕39号;
    /// 个人贷款管理办法 2024). Order matters only for the reason shown, not for the refusal.
    /// </summary>
    private static readonly (ProhibitedUse Use, string[] Keywords)[] ProhibitedRules =
    [
        (new("securities", "证券、期货、股票等投资", "securities, futures or stock investment"),
            ["股票", "炒股", "股市", "证券", "期货", "配资", "打新", "理财产品", "基金投资", "买基金", "stock", "securit", "futures", "shares"]),
        (new("real-estate", "购买住房或投资房地产", "buying housing or investing in real estate"),
            ["购房", "买房", "商品房", "房地产", "首付", "楼盘", "购买住房", "购买房产", "house purchase", "buy a house", "real estate", "down payment"]),
        (new("speculation", "虚拟货币、博彩等投机或非法用途", "crypto-assets, gambling or other speculative or unlawful use"),
            ["虚拟货币", "比特币", "数字货币", "赌", "博彩", "彩票", "crypto", "bitcoin", "gambl", "lottery"]),
        (new("relending", "转贷或放贷牟利", "lending the money on"),
            ["放贷", "转贷", "借给别人", "民间借贷", "relend", "lend it"]),
    ];

    /// <summary>The prohibited use the purpose names; null when it names none.</summary>
    public static ProhibitedUse? Prohibited(string? purpose)
    {
        var text = (purpose ?? "").ToLowerInvariant();
        foreach (var (use, keywords) in ProhibitedRules)
        {
            if (keywords.Any(k => text.Contains(k, StringComparison.Ordinal)))
            {
                return use;
            }
        }
        return null;
    }

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

/// <summary>A kind of use loan money may not be put to, as a reason reads it.</summary>
public sealed record ProhibitedUse(string Code, string Zh, string En);
