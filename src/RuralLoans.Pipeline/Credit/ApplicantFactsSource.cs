using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;
using RuralLoans.Storage.Applications;

namespace RuralLoans.Pipeline.Credit;

/// <summary>What we know about an applicant beyond the form: debt already lent to the household, and the blacklist.</summary>
public sealed class ApplicantFactsSource(ApplicationStore applications, IReadOnlySet<string> blacklistedIdHashes)
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private sealed record BlacklistFile(IReadOnlyList<string> ResidentIds);

    public static ApplicantFactsSource Create(ApplicationStore applications, string blacklistPath)
    {
        var file = JsonSerializer.Deserialize<BlacklistFile>(File.ReadAllText(blacklistPath), WebJson)
            ?? throw new InvalidDataException($"{blacklistPath} is empty.");
        return new ApplicantFactsSource(applications, file.ResidentIds.Select(HashResidentId).ToHashSet(StringComparer.Ordinal));
    }

    public static string HashResidentId(string residentId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(residentId.Trim().ToUpperInvariant())));

    public async Task<ApplicantFacts> GetAsync(string applicationId, LoanApplication application, decimal productCapYuan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(application);
        var idHash = HashResidentId(application.IdNumber.Value);
        var existingDebt = await applications.DisbursedToApplicantAsync(idHash, applicationId, ct);
        return new ApplicantFacts(existingDebt, blacklistedIdHashes.Contains(idHash), productCapYuan);
    }
}
