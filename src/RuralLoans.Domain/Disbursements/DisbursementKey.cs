using System.Globalization;
using System.Text.Json.Serialization;

namespace RuralLoans.Domain.Disbursements;

/// <summary>
/// The one idempotency key of a payout: application + tranche. It is sent to the payment rail and used as
/// the ledger transfer id, so a retried payout can be recognised everywhere and never paid twice.
/// </summary>
public readonly record struct DisbursementKey
{
    private const string Separator = "/tranche-";

    [JsonConstructor]
    public DisbursementKey(string applicationId, int tranche)
    {
        if (string.IsNullOrWhiteSpace(applicationId) || applicationId.Contains('/', StringComparison.Ordinal) || applicationId.Length > 100)
        {
            throw new ArgumentException("An application id must be 1-100 characters without '/'.", nameof(applicationId));
        }
        if (tranche < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(tranche), tranche, "Tranches are numbered from 1.");
        }
        ApplicationId = applicationId;
        Tranche = tranche;
    }

    public string ApplicationId { get; }
    public int Tranche { get; }

    [JsonIgnore]
    public string Value => string.Create(CultureInfo.InvariantCulture, $"{ApplicationId}{Separator}{Tranche}");

    public override string ToString() => Value;

    public static DisbursementKey Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var at = value.LastIndexOf(Separator, StringComparison.Ordinal);
        if (at <= 0 || !int.TryParse(value.AsSpan(at + Separator.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var tranche))
        {
            throw new FormatException($"'{value}' is not a disbursement key (application/tranche-N).");
        }
        return new DisbursementKey(value[..at], tranche);
    }
}
