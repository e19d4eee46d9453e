using System.Security.Cryptography;
using System.Text;

namespace RuralLoans.Domain.CoLending;

/// <summary>
/// Recognises a borrower without keeping the resident ID: HMAC-SHA256 under a secret key. A plain SHA-256 of an
/// 18-character resident ID is reversed by enumeration (region code, birth date and a 3-digit sequence leave about
/// 10⁹ candidates, far fewer once county and birth year are guessed); without the key no candidate can be tested.
/// </summary>
public sealed class ResidentIdHasher
{
    /// <summary>Shorter keys are refused: HMAC-SHA256 wants at least its output size of secret.</summary>
    public const int MinimumKeyBytes = 32;

    private static readonly byte[] DevelopmentKeyBytes = SHA256.HashData(Encoding.UTF8.GetBytes("RuralLoans development resident-ID key; published, never for real borrowers"));

    private readonly byte[] _key;

    public ResidentIdHasher(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"A resident-ID hash key needs at least {MinimumKeyBytes} bytes, got {key.Length}.", nameof(key));
        }
        _key = key.ToArray();
        IsDevelopmentKey = key.SequenceEqual(DevelopmentKeyBytes);
    }

    /// <summary>
    /// The key local development and the demo use. It is in the repository, so hashes made with it protect nothing:
    /// a host outside local development refuses to start with it.
    /// </summary>
    public static ResidentIdHasher Development { get; } = new(DevelopmentKeyBytes);

    /// <summary>The development key as a setting value (base64), for local settings files and tests.</summary>
    public static string DevelopmentKeyBase64 { get; } = Convert.ToBase64String(DevelopmentKeyBytes);

    public bool IsDevelopmentKey { get; }

    /// <summary>Reads a base64 key as kept in app settings or Key Vault; null when it is not base64 or too short.</summary>
    public static ResidentIdHasher? FromBase64(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text.Trim(), buffer, out var written) && written >= MinimumKeyBytes ? new ResidentIdHasher(buffer.AsSpan(0, written)) : null;
    }

    /// <summary>Lower-case hex of HMAC-SHA256 over the ID as written on the card (trimmed, check letter X upper-cased).</summary>
    public string Hash(string residentId)
    {
        ArgumentNullException.ThrowIfNull(residentId);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(residentId.Trim().ToUpperInvariant())));
    }

    /// <summary>Never prints the key.</summary>
    public override string ToString() => IsDevelopmentKey ? "ResidentIdHasher (development key)" : "ResidentIdHasher (key hidden)";
}
