using System.Text.RegularExpressions;

namespace RuralLoans.Ocr.Extraction;

/// <summary>A county-level division (6-digit GB/T 2260 code, the first six digits of a resident ID) or a township (9 digits).</summary>
public sealed record Division(string Code, string Name);

/// <summary>
/// The national administrative-division list (GB/T 2260 counties and the townships under them), shipped as
/// config/ocr/divisions.csv. Used to check a county and township read from a form, and to tie them to the region code
/// of the applicant's resident ID.
/// </summary>
public sealed partial class AdministrativeDivisions
{
    private static readonly Lazy<AdministrativeDivisions> LazyDefault = new(() => Parse(FormVocabulary.ReadResource("divisions.csv")));

    private readonly Dictionary<string, Division> byCode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Division>> countiesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Division>> townshipsByCounty = new(StringComparer.Ordinal);
    private readonly List<string> countyNames = [];

    public static AdministrativeDivisions Default => LazyDefault.Value;

    /// <summary>Every county-level division, including the short names forms print (镇宁县 for 镇宁布依族苗族自治县).</summary>
    public IReadOnlyList<string> CountyNames => countyNames;

    public static AdministrativeDivisions Parse(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var divisions = new AdministrativeDivisions();
        foreach (var line in csv.Split('\n'))
        {
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0)
            {
                continue;
            }
            var division = new Division(text[..comma], text[(comma + 1)..].Trim('"'));
            divisions.byCode[division.Code] = division;
            if (division.Code.Length == 6)
            {
                foreach (var name in NamesOf(division.Name))
                {
                    if (!divisions.countiesByName.TryGetValue(name, out var list))
                    {
                        divisions.countiesByName[name] = list = [];
                        divisions.countyNames.Add(name);
                    }
                    list.Add(division);
                }
            }
            else if (division.Code.Length == 9)
            {
                var county = division.Code[..6];
                if (!divisions.townshipsByCounty.TryGetValue(county, out var list))
                {
                    divisions.townshipsByCounty[county] = list = [];
                }
                list.Add(division);
            }
        }
        return divisions;
    }

    /// <summary>The county-level division a resident ID was issued in, if its region code is in the list.</summary>
    public Division? CountyOfCode(string code) =>
        code.Length >= 6 && byCode.TryGetValue(code[..6], out var division) ? division : null;

    /// <summary>Whether the first two digits of a code name a province.</summary>
    public bool IsProvinceCode(string code) => code.Length >= 2 && byCode.ContainsKey(code[..2]);

    public IReadOnlyList<Division> CountiesNamed(string name) =>
        countiesByName.TryGetValue(name, out var list) ? list : [];

    public IReadOnlyList<Division> TownshipsOf(string countyCode) =>
        townshipsByCounty.TryGetValue(countyCode, out var list) ? list : [];

    /// <summary>Whether <paramref name="name"/> is the division's name or the short form forms print for it.</summary>
    public static bool SameCounty(Division county, string name)
    {
        ArgumentNullException.ThrowIfNull(county);
        return NamesOf(county.Name).Contains(name, StringComparer.Ordinal);
    }

    /// <summary>
    /// A county's names: its full name and, for an autonomous county or banner, the name forms use (镇宁布依族苗族自治县 →
    /// 镇宁县): the place name is the first two characters, the rest names the peoples.
    /// </summary>
    public static IEnumerable<string> NamesOf(string fullName)
    {
        ArgumentNullException.ThrowIfNull(fullName);
        yield return fullName;
        var autonomous = AutonomousName().Match(fullName);
        if (autonomous.Success)
        {
            yield return autonomous.Groups["place"].Value + autonomous.Groups["kind"].Value;
        }
    }

    [GeneratedRegex(@"^(?<place>\p{IsCJKUnifiedIdeographs}{2}).+族自治(?<kind>[县旗])$")]
    private static partial Regex AutonomousName();
}
