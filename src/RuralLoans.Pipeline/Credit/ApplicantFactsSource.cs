using System.Text.Json;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Scoring;
using RuralLoans.Storage.Applications;

namespace RuralLoans.Pipeline.Credit;

/// <summary>What we know about an applicant beyond the form: debt already lent to the household, and the blacklist.</summary>
public sealed class ApplicantFactsSource(ApplicationStore applications, ResidentIdHasher residentIds, IReadOnlySet<string> blacklistedIdHashes)
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The blacklist file: keyed hashes of resident IDs (<see cref="ResidentIdHasher"/>), never the IDs. Hashes made under
    /// one key match nothing under another, so a deployment keeps its own file made with its own key.
    /// </summary>
    public sealed record BlacklistFile(string? Description, IReadOnlyList<string> ResidentIdHashes);

    /// <summary>
    /// The demo blacklist ships in config/ for local runs only and is left out of deployment packages, so a deployed app
    /// without a file of its own starts with an empty one (and says so through <paramref name="onMissing"/>).
    /// </summary>
    public static ApplicantFactsSource Create(ApplicationStore applications, ResidentIdHasher residentIds, string blacklistPath, Action<string>? onMissing = null)
    {
        ArgumentNullException.ThrowIfNull(residentIds);
        if (!File.Exists(blacklistPath))
        {
            onMissing?.Invoke(blacklistPath);
            return new ApplicantFactsSource(applications, residentIds, new HashSet<string>());
        }
        return new ApplicantFactsSource(applications, residentIds, ReadBlacklist(blacklistPath).ResidentIdHashes.ToHashSet(StringComparer.Ordinal));
    }

    public static BlacklistFile ReadBlacklist(string path)
    {
        var file = JsonSerializer.Deserialize<BlacklistFile>(File.ReadAllText(path), WebJson)
            ?? throw new InvalidDataException($"{path} is empty.");
        if (file.ResidentIdHashes is null || file.ResidentIdHashes.Any(h => h.Length != 64 || !h.All(char.IsAsciiHexDigitLower)))
        {
            // A clear resident ID (or an old unkeyed file) must not be taken as "nobody is blacklisted".
            throw new InvalidDataException($"{path}: residentIdHashes must hold lower-case hex HMAC-SHA256 hashes only; add entries with ./ruralloans blacklist add.");
        }
        return file;
    }

    /// <summary>Adds the keyed hash of a resident ID to the blacklist file; false when it was already there.</summary>
    public static bool AddToBlacklist(string path, ResidentIdHasher residentIds, string residentId)
    {
        ArgumentNullException.ThrowIfNull(residentIds);
        var file = ReadBlacklist(path);
        var hash = residentIds.Hash(residentId);
        if (file.ResidentIdHashes.Contains(hash, StringComparer.Ordinal))
        {
            return false;
        }
        File.WriteAllText(path, JsonSerializer.Serialize(file with { ResidentIdHashes = [.. file.ResidentIdHashes, hash] }, WebJson) + "\n");
        return true;
    }

    /// <summary>The borrower's keyed hash under this deployment's key: how every step names a borrower without the ID.</summary>
    public string HashResidentId(string residentId) => residentIds.Hash(residentId);

    public async Task<ApplicantFacts> GetAsync(string applicationId, LoanApplication application, decimal productCapYuan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(application);
        var idHash = residentIds.Hash(application.IdNumber.Value);
        var existingDebt = await applications.DisbursedToApplicantAsync(idHash, applicationId, ct);
        return new ApplicantFacts(existingDebt, blacklistedIdHashes.Contains(idHash), productCapYuan);
    }
}
