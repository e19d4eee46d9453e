using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RuralLoans.Pipeline.Audit;

/// <summary>One place where two JSON documents disagree: a JSON path and the two values there (null when absent).</summary>
public sealed record JsonDifference(string Path, string? Recorded, string? Recomputed)
{
    public override string ToString() => $"{Path}: recorded {Recorded ?? "(absent)"} vs recomputed {Recomputed ?? "(absent)"}";
}

/// <summary>
/// Compares two JSON documents by meaning rather than by text: property order and number spelling (30000 and 30000.00)
/// do not count, since two serializers may write the same value differently; everything else does.
/// </summary>
public static class JsonDifferences
{
    public const int DefaultLimit = 20;

    public static IReadOnlyList<JsonDifference> Find(string? recordedJson, string? recomputedJson, int limit = DefaultLimit) =>
        Find(Parse(recordedJson), Parse(recomputedJson), limit);

    public static IReadOnlyList<JsonDifference> Find(JsonNode? recorded, JsonNode? recomputed, int limit = DefaultLimit)
    {
        var differences = new List<JsonDifference>();
        Compare("$", recorded, recomputed, differences, limit);
        return differences;
    }

    /// <summary>Text that is not JSON is compared as a JSON string, so a corrupted payload still shows as a difference.</summary>
    private static JsonNode? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static void Compare(string path, JsonNode? recorded, JsonNode? recomputed, List<JsonDifference> differences, int limit)
    {
        if (differences.Count >= limit)
        {
            return;
        }

        switch (recorded, recomputed)
        {
            case (null, null):
                return;
            case (JsonObject left, JsonObject right):
                foreach (var name in left.Select(p => p.Key).Union(right.Select(p => p.Key), StringComparer.Ordinal))
                {
                    left.TryGetPropertyValue(name, out var leftValue);
                    right.TryGetPropertyValue(name, out var rightValue);
                    Compare($"{path}.{name}", leftValue, rightValue, differences, limit);
                }

                return;
            case (JsonArray left, JsonArray right):
                for (var index = 0; index < Math.Max(left.Count, right.Count); index++)
                {
                    Compare(string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]"),
                        index < left.Count ? left[index] : null, index < right.Count ? right[index] : null, differences, limit);
                }

                return;
            case (JsonValue left, JsonValue right) when SameValue(left, right):
                return;
            default:
                differences.Add(new JsonDifference(path, recorded?.ToJsonString(RuralLoans.TaskHub.TaskHubJson.Options), recomputed?.ToJsonString(RuralLoans.TaskHub.TaskHubJson.Options)));
                return;
        }
    }

    private static bool SameValue(JsonValue left, JsonValue right)
    {
        var leftKind = left.GetValueKind();
        if (leftKind != right.GetValueKind())
        {
            return false;
        }

        if (leftKind == JsonValueKind.Number)
        {
            var leftText = left.ToJsonString();
            var rightText = right.ToJsonString();
            return decimal.TryParse(leftText, NumberStyles.Float, CultureInfo.InvariantCulture, out var leftNumber)
                && decimal.TryParse(rightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rightNumber)
                ? leftNumber == rightNumber
                : double.Parse(leftText, CultureInfo.InvariantCulture).Equals(double.Parse(rightText, CultureInfo.InvariantCulture));
        }

        return leftKind == JsonValueKind.String
            ? string.Equals(left.GetValue<string>(), right.GetValue<string>(), StringComparison.Ordinal)
            : leftKind == right.GetValueKind();
    }
}
