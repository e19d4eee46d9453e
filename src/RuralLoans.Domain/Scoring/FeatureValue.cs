using System.Globalization;
using System.Text.Json.Serialization;

namespace RuralLoans.Domain.Scoring;

/// <summary>One input value to a scorecard feature: a number for numeric features, a category code otherwise.</summary>
public readonly record struct FeatureValue
{
    [JsonConstructor]
    public FeatureValue(double? number, string? category)
    {
        Number = number;
        Category = category;
    }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Number { get; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Category { get; }

    public static FeatureValue Of(double number) => new(number, null);

    public static FeatureValue Of(string category) => new(null, category);

    /// <summary>A value the source left empty; only a numeric feature with a bin for missing values accepts it.</summary>
    public static FeatureValue Missing => default;

    [JsonIgnore]
    public bool IsMissing => Number is null && string.IsNullOrEmpty(Category);

    public override string ToString() =>
        Number?.ToString("G17", CultureInfo.InvariantCulture) ?? Category ?? "";
}
