using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RuralLoans.Host.Api;

/// <summary>
/// Masks the two pieces of personal data that identify a borrower on their own: the resident ID number and the mobile
/// number. Whoever does not need them sees <c>110105********002X</c> and <c>138****5678</c>: enough to tell two
/// applicants apart on a call, not enough to use. Used for API answers, logs and anything else that leaves the pipeline.
/// </summary>
public static partial class PersonalData
{
    /// <summary>Field names whose values are a resident ID or a phone number, wherever they appear in a payload.</summary>
    private static readonly HashSet<string> IdFields = new(StringComparer.OrdinalIgnoreCase) { "idNumber", "residentId", "residentIdNumber" };

    private static readonly HashSet<string> PhoneFields = new(StringComparer.OrdinalIgnoreCase) { "phone", "mobile", "phoneNumber" };

    /// <summary>Keeps the region code (6) and the last 4 characters; OCR misreads of other lengths keep less.</summary>
    public static string MaskResidentId(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? "";
        }
        return value.Length >= 14 ? value[..6] + new string('*', value.Length - 10) + value[^4..]
            : value.Length >= 6 ? new string('*', value.Length - 2) + value[^2..]
            : new string('*', value.Length);
    }

    /// <summary>Keeps the carrier prefix (3) and the last 4 digits.</summary>
    public static string MaskPhone(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? "";
        }
        return value.Length >= 10 ? value[..3] + new string('*', value.Length - 7) + value[^4..]
            : value.Length >= 5 ? new string('*', value.Length - 2) + value[^2..]
            : new string('*', value.Length);
    }

    /// <summary>
    /// Masks anything in free text that looks like a resident ID (18 or 15 digits) or a mainland mobile number, also
    /// when written with full-width digits or broken up by spaces or hyphens (the text is NFKC-normalised first, and a
    /// match is masked in its compact form).
    /// </summary>
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        var normalised = text.Normalize(System.Text.NormalizationForm.FormKC);
        var masked = ResidentIdPattern().Replace(normalised, m => Compact(m.Value) is { Length: 18 or 15 } id ? MaskResidentId(id) : m.Value);
        return MobilePattern().Replace(masked, m => Compact(m.Value) is var phone && phone.Length > 11 ? phone[..^11] + MaskPhone(phone[^11..]) : MaskPhone(phone));
    }

    private static string Compact(string value) => new([.. value.Where(c => c is not (' ' or '-'))]);

    /// <summary>A copy of the JSON with ID and phone fields masked by name and any other string redacted by pattern.</summary>
    public static JsonNode? Mask(JsonNode? node) => MaskNode(node?.DeepClone(), Sensitivity.None);

    /// <summary>Masks a JSON text; text that is not JSON is redacted as free text.</summary>
    public static JsonNode? MaskJsonText(string? json)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            return MaskNode(JsonNode.Parse(json), Sensitivity.None);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(Redact(json));
        }
    }

    private enum Sensitivity
    {
        None,
        ResidentId,
        Phone,
    }

    private static JsonNode? MaskNode(JsonNode? node, Sensitivity sensitivity)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    var inner = IdFields.Contains(name) ? Sensitivity.ResidentId : PhoneFields.Contains(name) ? Sensitivity.Phone : sensitivity;
                    // Objects and arrays are masked in place; putting the same node back would give it a second parent.
                    if (MaskNode(child, inner) is var masked && !ReferenceEquals(masked, child))
                    {
                        obj[name] = masked;
                    }
                }
                return obj;
            case JsonArray array:
                for (var index = 0; index < array.Count; index++)
                {
                    if (MaskNode(array[index], sensitivity) is var masked && !ReferenceEquals(masked, array[index]))
                    {
                        array[index] = masked;
                    }
                }
                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                return JsonValue.Create(sensitivity switch
                {
                    Sensitivity.ResidentId => MaskResidentId(text),
                    Sensitivity.Phone => MaskPhone(text),
                    // Payloads nest JSON inside strings (history data); mask those by name too.
                    _ when LooksLikeJson(text) => MaskJsonText(text)!.ToJsonString(),
                    _ => Redact(text),
                });
            case JsonValue number when sensitivity != Sensitivity.None:
                var digits = number.ToJsonString();
                return JsonValue.Create(sensitivity == Sensitivity.ResidentId ? MaskResidentId(digits) : MaskPhone(digits));
            // A computed number (score points, rates) is not personal data, however many digits its fraction has.
            case JsonValue number when number.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                return number;
            case JsonValue other:
                var raw = other.ToJsonString();
                return Redact(raw) == raw ? other : JsonValue.Create(Redact(raw));
            default:
                return node;
        }
    }

    private static bool LooksLikeJson(string text) => text.Length > 1 && text[0] is '{' or '[' && text[^1] is '}' or ']';

    // Letters or digits on either side mean the digits are part of something else (a hash, a longer number).
    // Single spaces or hyphens may separate the digits (4306 2619 9001 0130 1X, 138-1234-5678).
    [GeneratedRegex(@"(?<![0-9A-Za-z])\d(?:[ -]?\d){14}(?:(?:[ -]?\d){2}[ -]?[0-9Xx])?(?![0-9A-Za-z])")]
    private static partial Regex ResidentIdPattern();

    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[ -]?[3-9](?:[ -]?\d){9}(?![0-9A-Za-z])")]
    private static partial Regex MobilePattern();
}
