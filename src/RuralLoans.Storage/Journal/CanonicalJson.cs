using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RuralLoans.Storage.Journal;

/// <summary>
/// SHA-256 over a canonical form of a JSON text: object members sorted by name, no whitespace, every number written as
/// the shortest text of its double value (the RFC 8785 idea). Stores rewrite JSON they keep — Cosmos drops trailing
/// zeros and reorders members, Table storage keeps what it got — so only the meaning may count, not the spelling.
/// </summary>
public static class CanonicalJson
{
    /// <summary>The hash of JSON that is absent (an activity with no input or no result).</summary>
    public static string AbsentHash { get; } = Sha256("null");

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>Lowercase hex SHA-256 of the canonical form of <paramref name="json"/>; null or blank JSON hashes as <c>null</c>.</summary>
    public static string Hash(string? json) =>
        string.IsNullOrWhiteSpace(json) ? AbsentHash : Sha256(Canonical(JsonNode.Parse(json)));

    /// <summary>The hash of a parsed document; top-level members named in <paramref name="leaveOut"/> are not part of it.</summary>
    public static string Hash(JsonNode? node, Func<string, bool>? leaveOut = null)
    {
        if (leaveOut is not null && node is JsonObject obj)
        {
            var kept = new JsonObject();
            foreach (var (name, value) in obj)
            {
                if (!leaveOut(name))
                {
                    kept[name] = value?.DeepClone();
                }
            }
            node = kept;
        }
        return Sha256(Canonical(node));
    }

    public static string Canonical(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, node);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(member => member.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                var element = node.AsValue().TryGetValue<JsonElement>(out var parsed) ? parsed : JsonSerializer.SerializeToElement(node);
                switch (element.ValueKind)
                {
                    case JsonValueKind.Number:
                        writer.WriteRawValue(element.GetDouble().ToString("R", CultureInfo.InvariantCulture));
                        break;
                    case JsonValueKind.String:
                        writer.WriteStringValue(element.GetString());
                        break;
                    default:
                        element.WriteTo(writer);
                        break;
                }
                break;
        }
    }
}
