using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.Domain.Scoring.Training;

/// <summary>One protected attribute and how to recognise its columns.</summary>
/// <param name="Names">Column-name tokens (case-insensitive; a name is split at camelCase humps, digits and separators,
/// so "sex" matches <c>sex</c>, <c>applicantSex</c> and <c>SEX_CODE</c> but "age" does not match <c>percentage</c>);
/// a name with non-ASCII letters (性别) matches wherever it appears in a column name.</param>
/// <param name="GermanAttributes">UCI German credit attribute numbers (A1…A20) that carry it.</param>
public sealed record ProtectedCharacteristic(string Attribute, IReadOnlyList<string> Names, IReadOnlyList<int>? GermanAttributes = null);

/// <summary>A column left out of a model because it carries a protected attribute.</summary>
public sealed record ProtectedExclusion(string Column, string Attribute, string Because);

/// <summary>What the screen decided for a dataset: columns excluded, and whether and why age may be used.</summary>
/// <param name="AgeColumns">Age columns the model may use (only with a justification); empty otherwise.</param>
public sealed record ProtectedScreen(IReadOnlyList<ProtectedExclusion> Excluded, IReadOnlyList<string> AgeColumns, string? AgeJustification);

/// <summary>
/// Fair-scoring configuration: attributes a credit model must never use (sex, marital status, ethnicity,
/// nationality …) and how to find them in a dataset's columns, plus age, which may be used only with a stated
/// justification (it is then recorded in the model card). Read from <c>config/protected-attributes.json</c>.
/// </summary>
public sealed record ProtectedAttributePolicy
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public required string Version { get; init; }
    public required IReadOnlyList<ProtectedCharacteristic> Attributes { get; init; }

    /// <summary>How age columns are recognised; excluded unless a justification is given.</summary>
    public required ProtectedCharacteristic Age { get; init; }

    public static ProtectedAttributePolicy FromJson(string json)
    {
        var policy = JsonSerializer.Deserialize<ProtectedAttributePolicy>(json, Json) ?? throw new InvalidDataException("The protected-attribute configuration is empty.");
        if (policy.Attributes.Count == 0 || policy.Attributes.Any(a => a.Names.Count == 0 && (a.GermanAttributes?.Count ?? 0) == 0))
        {
            throw new InvalidDataException("The protected-attribute configuration must list attributes, each with column names or German attribute numbers.");
        }
        return policy;
    }

    /// <summary>
    /// Screens a dataset's columns. <paramref name="germanFormat"/>: the columns are the UCI German attributes A1…A20 in
    /// order, so the configured attribute numbers apply too. Age columns are excluded unless
    /// <paramref name="ageJustification"/> says why age may be used.
    /// </summary>
    public ProtectedScreen Screen(IReadOnlyList<string> columns, bool germanFormat, string? ageJustification)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var excluded = new List<ProtectedExclusion>();
        var ageColumns = new List<string>();
        var justified = string.IsNullOrWhiteSpace(ageJustification) ? null : ageJustification.Trim();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var hits = Attributes.Select(a => (a.Attribute, Because: Match(a, column, germanFormat ? i + 1 : null))).Where(h => h.Because is not null).ToList();
            if (hits.Count > 0)
            {
                excluded.Add(new ProtectedExclusion(column, string.Join(" / ", hits.Select(h => h.Attribute)), string.Join("; ", hits.Select(h => h.Because).Distinct())));
            }
            else if (Match(Age, column, germanFormat ? i + 1 : null) is { } because)
            {
                if (justified is null)
                {
                    excluded.Add(new ProtectedExclusion(column, Age.Attribute, because + "; no age justification given"));
                }
                else
                {
                    ageColumns.Add(column);
                }
            }
        }
        return new ProtectedScreen(excluded, ageColumns, ageColumns.Count > 0 ? justified : null);
    }

    /// <summary>Whether a feature name is an age column under the default wording (for reason selection).</summary>
    public static bool IsAgeName(string name) => Tokens(name).Contains("age") || name.Contains("年龄", StringComparison.Ordinal);

    private static string? Match(ProtectedCharacteristic attribute, string column, int? germanAttribute)
    {
        if (germanAttribute is { } number && attribute.GermanAttributes?.Contains(number) == true)
        {
            return $"German credit attribute A{number}";
        }
        var tokens = Tokens(column);
        foreach (var name in attribute.Names)
        {
            var matches = name.Any(ch => ch > 127)
                ? column.Contains(name, StringComparison.Ordinal)
                : string.Concat(Tokens(name)) is var wanted && (tokens.Contains(wanted) || string.Concat(tokens) == wanted
                    || ConsecutiveTokens(tokens).Contains(wanted));
            if (matches)
            {
                return $"column name matches '{name}'";
            }
        }
        return null;
    }

    /// <summary>Joins of neighbouring tokens, so a configured "foreignWorker" matches <c>foreign_worker</c>.</summary>
    private static IEnumerable<string> ConsecutiveTokens(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var joined = tokens[i];
            for (var j = i + 1; j < tokens.Count; j++)
            {
                joined += tokens[j];
                yield return joined;
            }
        }
    }

    /// <summary>Lower-case words of a column name: split at separators, digits and lower-to-upper case changes.</summary>
    internal static List<string> Tokens(string name)
    {
        var tokens = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var ch = name[i];
            var boundary = !char.IsLetter(ch)
                || (char.IsUpper(ch) && i > 0 && char.IsLower(name[i - 1]))
                || (char.IsUpper(ch) && i > 0 && i + 1 < name.Length && char.IsUpper(name[i - 1]) && char.IsLower(name[i + 1]));
            if (boundary && current.Length > 0)
            {
                tokens.Add(current.ToString());
                current.Clear();
            }
            if (char.IsLetter(ch))
            {
                current.Append(char.ToLowerInvariant(ch));
            }
        }
        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }
        return tokens;
    }
}
