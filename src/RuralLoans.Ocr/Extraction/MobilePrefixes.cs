namespace RuralLoans.Ocr.Extraction;

/// <summary>
/// The three-digit prefixes mainland operators issue personal mobile numbers under (China Mobile, China Unicom, China
/// Telecom, China Broadnet and the virtual operators, as allocated by the MIIT up to 2024). A number that matches
/// 1[3-9] and nine digits but starts with another prefix (154, 179, 16x apart from 162/165–167, 14x data and IoT
/// ranges) was misread or mistyped: no person can be called on it. Kept as data so a new allocation is one line.
/// </summary>
public static class MobilePrefixes
{
    private static readonly HashSet<string> Assigned =
    [
        "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
        "145", "147", "149",
        "150", "151", "152", "153", "155", "156", "157", "158", "159",
        "162", "165", "166", "167",
        "170", "171", "172", "173", "174", "175", "176", "177", "178",
        "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
        "190", "191", "192", "193", "195", "196", "197", "198", "199",
    ];

    /// <summary>Whether <paramref name="number"/> (11 digits) starts with a prefix issued to personal mobiles.</summary>
    public static bool IsAssigned(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        return number.Length >= 3 && Assigned.Contains(number[..3]);
    }

    /// <summary>The issued prefix at or after <paramref name="prefix"/> (wrapping round to 130).</summary>
    public static string NearestAssigned(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var ordered = Assigned.Order(StringComparer.Ordinal).ToList();
        return ordered.FirstOrDefault(p => string.CompareOrdinal(p, prefix) >= 0) ?? ordered[0];
    }
}
