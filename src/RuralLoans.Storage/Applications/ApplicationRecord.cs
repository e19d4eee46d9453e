namespace RuralLoans.Storage.Applications;

/// <summary>The original upload an application was made from, kept content-addressed in Blob storage.</summary>
public sealed record DocumentRef(string Container, string BlobName, string Sha256, string ContentType, long Length);

/// <summary>
/// An application as stored in Cosmos DB. Partition key <c>/partnerId</c>: a microfinance partner lists and polls its own
/// applications inside one partition, and the id starts with the partner id so a point read needs nothing but the id.
/// </summary>
public sealed record ApplicationRecord
{
    public required string Id { get; init; }
    public required string PartnerId { get; init; }
    public required string ProductCode { get; init; }
    public string? IdempotencyKey { get; init; }
    public required DocumentRef Document { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Document discriminator: applications and de-duplication markers share the container.</summary>
    public string Kind { get; init; } = "application";

    /// <summary>Village of the applicant once the form is read; village partners see applications by village.</summary>
    public string? Village { get; init; }

    /// <summary>The village partner asked to pre-check this application, if the product needs one.</summary>
    public string? VillagePartnerId { get; init; }

    /// <summary>The pipeline step or outcome, mirrored from the orchestration for listing and filtering.</summary>
    public string Stage { get; init; } = "Submitted";

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Keyed hash (HMAC-SHA256) of the applicant's resident ID, the borrower's key: finds a household's other loans without the ID in clear.</summary>
    public string? ApplicantIdHash { get; init; }

    /// <summary>Principal paid out, once disbursed.</summary>
    public decimal? DisbursedAmountYuan { get; init; }

    /// <summary>Cosmos ETag of the version read; not stored in the document body.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ETag { get; init; }

    public static string PartnerOf(string applicationId)
    {
        var separator = applicationId.IndexOf('-', StringComparison.Ordinal);
        return separator > 0 ? applicationId[..separator] : throw new ArgumentException($"'{applicationId}' is not an application id.", nameof(applicationId));
    }
}
