using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.Domain.Applications;

/// <summary>
/// An 18-character PRC resident identity number (GB 11643-1999): 6-digit address code, 8-digit birth date,
/// 3-digit sequence (odd for men) and an ISO 7064 MOD 11-2 check character.
/// </summary>
[JsonConverter(typeof(ResidentIdNumberJsonConverter))]
public sealed record ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    // First two digits of the address code: provinces, autonomous regions, municipalities, HK/MO/TW.
    private static readonly HashSet<int> ProvinceCodes =
    [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ];

    private ResidentIdNumber(string value, DateOnly birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    /// <summary>The canonical form: 17 ASCII digits and an upper-case check character.</summary>
    public string Value { get; }

    public DateOnly BirthDate { get; }

    public string AddressCode => Value[..6];

    public bool IsMale => (Value[16] - '0') % 2 == 1;

    public int AgeOn(DateOnly date)
    {
        var age = date.Year - BirthDate.Year;
        return date < BirthDate.AddYears(age) ? age - 1 : age;
    }

    public override string ToString() => Value;

    /// <summary>The ISO 7064 MOD 11-2 check character for the first 17 digits.</summary>
    public static char CheckCharacterFor(ReadOnlySpan<char> first17Digits)
    {
        if (first17Digits.Length != 17)
        {
            throw new ArgumentException("exactly 17 digits are needed", nameof(first17Digits));
        }
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17Digits[i] - '0') * Weights[i];
        }
        return CheckCharacters[sum % 11];
    }

    /// <summary>
    /// Parses an ID number as typed or OCR'd (full-width digits, a lower-case x and spaces are tolerated).
    /// Returns the reason code and bilingual message when it is not a valid number.
    /// </summary>
    public static bool TryParse(string? text, out ResidentIdNumber? id, out FieldError? error)
    {
        id = null;
        error = null;
        var canonical = TextNormalizer.ToHalfWidth(text ?? "").Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (canonical.Length == 0)
        {
            error = Error("id.required", "请填写身份证号码", "The resident ID number is required");
            return false;
        }
        if (canonical.Length != 18 || !canonical[..17].All(char.IsAsciiDigit) || !(char.IsAsciiDigit(canonical[17]) || canonical[17] == 'X'))
        {
            error = Error("id.format", "身份证号码应为18位：17位数字加1位数字或X", "The ID number must be 17 digits followed by a digit or X");
            return false;
        }
        if (!ProvinceCodes.Contains(int.Parse(canonical.AsSpan(0, 2), CultureInfo.InvariantCulture)))
        {
            error = Error("id.region", "身份证号码的地区码无效", "The ID number's region code does not exist");
            return false;
        }
        if (!DateOnly.TryParseExact(canonical.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate.Year < 1900)
        {
            error = Error("id.birthdate", "身份证号码中的出生日期无效", "The birth date inside the ID number is not a real date");
            return false;
        }
        if (CheckCharacterFor(canonical.AsSpan(0, 17)) != canonical[17])
        {
            error = Error("id.checksum", "身份证号码校验位不符，请核对是否抄错", "The ID number's check character does not match; please check for a typo");
            return false;
        }
        id = new ResidentIdNumber(canonical, birthDate);
        return true;
    }

    public static ResidentIdNumber Parse(string text) =>
        TryParse(text, out var id, out var error) ? id! : throw new FormatException(error!.MessageEn);

    private static FieldError Error(string code, string zh, string en) => new("idNumber", code, zh, en);
}

/// <summary>Stores an ID number as its 18-character string and validates it again when read back.</summary>
public sealed class ResidentIdNumberJsonConverter : JsonConverter<ResidentIdNumber>
{
    public override ResidentIdNumber Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ResidentIdNumber.TryParse(reader.GetString(), out var id, out var error) ? id! : throw new JsonException(error!.MessageEn);

    public override void Write(Utf8JsonWriter writer, ResidentIdNumber value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Value);
    }
}
