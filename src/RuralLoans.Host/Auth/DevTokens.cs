using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RuralLoans.Host.Auth;

/// <summary>A development token request was refused; the message says why.</summary>
public sealed class DevTokenException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Mints HS256 tokens for local development with a key that never leaves the machine: taken from the settings, or
/// generated once into <c>.devservices/dev-token-key</c> (git-ignored). The host, <c>./ruralloans token</c> and the
/// portal's sign-in page all mint through this class, so a token from one is accepted by the others.
/// </summary>
public sealed partial class DevTokenIssuer(byte[] key, TimeProvider clock)
{
    public const string Issuer = "ruralloans-dev";
    public const string Audience = "ruralloans-api";
    public const string KeyFileName = "dev-token-key";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public SymmetricSecurityKey SigningKey { get; } = new(key) { KeyId = "ruralloans-dev" };

    public string Issue(string role, string subject)
    {
        if (!ApiRoles.IsKnown(role))
        {
            throw new DevTokenException("unknown-role", $"Unknown role '{role}'. Roles: {string.Join(", ", ApiRoles.All)}.");
        }
        if (subject is null || !SubjectPattern().IsMatch(subject))
        {
            throw new DevTokenException("invalid-subject", "The subject must be 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit (e.g. MFI001, VP-WANG, alice).");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, [ApiAuthentication.RoleClaim] = new[] { role } },
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The configured key (Base64, at least 32 bytes), or the machine's generated one, created on first use.</summary>
    public static byte[] LoadOrCreateKey(string root, string? configuredBase64)
    {
        if (!string.IsNullOrWhiteSpace(configuredBase64))
        {
            byte[] configured;
            try
            {
                configured = Convert.FromBase64String(configuredBase64.Trim());
            }
            catch (FormatException)
            {
                throw new DevTokenException("invalid-key", "Auth__DevTokenKey must be Base64 (e.g. openssl rand -base64 32).");
            }
            return configured.Length >= 32 ? configured : throw new DevTokenException("invalid-key", "Auth__DevTokenKey must hold at least 32 bytes.");
        }

        var folder = Path.Combine(root, ".devservices");
        var path = Path.Combine(folder, KeyFileName);
        Directory.CreateDirectory(folder);
        try
        {
            // CreateNew: two processes starting together must not both write a key and leave each other's tokens invalid.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var file = new FileStream(path, create);
            using var writer = new StreamWriter(file);
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }
        catch (IOException) when (File.Exists(path))
        {
        }
        for (var attempt = 0; ; attempt++)
        {
            var text = File.ReadAllText(path).Trim();
            if (text.Length > 0)
            {
                return Convert.FromBase64String(text);
            }
            if (attempt >= 20)
            {
                throw new DevTokenException("invalid-key", $"{path} is empty; delete it and start again.");
            }
            Thread.Sleep(25);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex SubjectPattern();
}
