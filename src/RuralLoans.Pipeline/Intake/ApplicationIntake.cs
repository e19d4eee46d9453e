using System.Text.RegularExpressions;
using RuralLoans.Durable.Client;
using RuralLoans.Pipeline.Products;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;

namespace RuralLoans.Pipeline.Intake;

/// <summary>One uploaded form with who sent it and for which product; the file name, when known, is checked but never trusted.</summary>
public sealed record SubmitApplication(string PartnerId, string ProductCode, ReadOnlyMemory<byte> Content, string? IdempotencyKey = null, string? FileName = null);

public sealed record SubmissionResult(string ApplicationId, bool Duplicate, DocumentRef Document);

/// <summary>A submission refused at the edge, before anything was stored. <see cref="Code"/> is stable for clients.</summary>
public sealed class IntakeRejectedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

public sealed record IntakeOptions
{
    public long MaxFileBytes { get; init; } = 15 * 1024 * 1024;
}

/// <summary>
/// Accepts a form and starts exactly one application for it. Order matters for crash safety: the original is stored
/// first (content-addressed, so a retry rewrites nothing), then the application record, then the orchestration start;
/// each is idempotent, so a retry after a crash anywhere finishes the job instead of doubling it.
/// </summary>
public sealed partial class ApplicationIntake(
    ContentAddressedBlobStore documents,
    ApplicationStore applications,
    DurableClient engine,
    ProductCatalog products,
    TimeProvider clock,
    IntakeOptions? options = null)
{
    private readonly IntakeOptions _options = options ?? new IntakeOptions();

    public async Task<SubmissionResult> SubmitAsync(SubmitApplication submission, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var fileType = ValidateAtTheEdge(submission);

        if (submission.IdempotencyKey is { } key && await applications.FindByIdempotencyKeyAsync(submission.PartnerId, key, ct) is { } knownId
            && await applications.GetAsync(knownId, ct) is { } known)
        {
            await StartOrchestrationAsync(known, ct);
            return new SubmissionResult(known.Id, Duplicate: true, known.Document);
        }

        var stored = await documents.StoreAsync(submission.PartnerId, submission.Content, fileType.ContentType(), ct);
        var document = new DocumentRef(stored.Container, stored.Name, stored.Sha256, stored.ContentType, stored.Length);
        var applicationId = ApplicationStore.ApplicationIdFor(submission.PartnerId, stored.Sha256);
        if (submission.IdempotencyKey is { } newKey)
        {
            // An earlier submission under the same key wins, even if this one carries different bytes (a re-scan).
            applicationId = await applications.ClaimIdempotencyKeyAsync(submission.PartnerId, newKey, applicationId, ct);
        }

        var (record, created) = await applications.CreateIfAbsentAsync(new ApplicationRecord
        {
            Id = applicationId,
            PartnerId = submission.PartnerId,
            ProductCode = submission.ProductCode,
            IdempotencyKey = submission.IdempotencyKey,
            Document = document,
            SubmittedAt = clock.GetUtcNow(),
        }, ct);
        await StartOrchestrationAsync(record, ct);
        return new SubmissionResult(record.Id, Duplicate: !created, record.Document);
    }

    private async Task StartOrchestrationAsync(ApplicationRecord record, CancellationToken ct)
    {
        var product = products.Find(record.ProductCode) ?? throw new InvalidOperationException($"Application {record.Id} names unknown product {record.ProductCode}.");
        await engine.StartNewAsync(LoanApplicationOrchestration.Name, new ApplicationStarted(record.Id, record.PartnerId, product, record.Document, record.SubmittedAt), record.Id, ct);
    }

    private FormFileType ValidateAtTheEdge(SubmitApplication submission)
    {
        if (!PartnerIdPattern().IsMatch(submission.PartnerId ?? ""))
        {
            throw new IntakeRejectedException("invalid-partner", "The partner id must be 2–32 letters or digits.");
        }
        if (products.Find(submission.ProductCode ?? "") is null)
        {
            throw new IntakeRejectedException("unknown-product",
                $"Unknown product '{submission.ProductCode}'. Known products: {string.Join(", ", products.All.Select(p => p.Code))}.");
        }
        if (submission.IdempotencyKey is { } key && !IdempotencyKeyPattern().IsMatch(key))
        {
            throw new IntakeRejectedException("invalid-idempotency-key", "An idempotency key must be 1–100 printable ASCII characters.");
        }
        if (submission.Content.IsEmpty)
        {
            throw new IntakeRejectedException("empty-file", "The uploaded file is empty.");
        }
        if (submission.Content.Length > _options.MaxFileBytes)
        {
            throw new IntakeRejectedException("file-too-large", $"The file is {submission.Content.Length:N0} bytes; the limit is {_options.MaxFileBytes:N0}.");
        }
        if (submission.FileName is { } name && FileNameProblem(name) is { } nameProblem)
        {
            throw new IntakeRejectedException("bad-file-name", nameProblem);
        }
        var type = FormFileTypes.Detect(submission.Content.Span)
            ?? throw new IntakeRejectedException("unsupported-file-type", "The file is not a PNG, JPEG, TIFF or PDF (decided by its content, not its name).");
        if (FormFileInspection.Inspect(type, submission.Content.Span) is { } problem)
        {
            throw new IntakeRejectedException(problem.Code, problem.Reason);
        }
        return type;
    }

    /// <summary>
    /// Names are never used to store anything, but one that climbs folders or hides its real extension behind a
    /// right-to-left override is a sign of a hostile sender, and would mislead whoever later sees it in a list.
    /// </summary>
    private static string? FileNameProblem(string name)
    {
        if (name.Length > 255)
        {
            return "The file name is longer than 255 characters.";
        }
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or "..")
        {
            return "The file name contains a folder path ('/', '\\' or '..'); send the file under its plain name.";
        }
        if (name.Any(c => char.IsControl(c) || c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')))
        {
            return "The file name contains control or text-direction characters that can disguise its type; rename the file.";
        }
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9]{2,32}$")]
    private static partial Regex PartnerIdPattern();

    [GeneratedRegex("^[\\x21-\\x7E]{1,100}$")]
    private static partial Regex IdempotencyKeyPattern();
}
