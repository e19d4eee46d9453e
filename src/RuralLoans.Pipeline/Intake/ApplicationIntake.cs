using System.Text.RegularExpressions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Storage.Journal;
using RuralLoans.TaskHub;
using RuralLoans.Pipeline.Products;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;

namespace RuralLoans.Pipeline.Intake;

/// <summary>One uploaded form with who sent it and for which product; the file name, when known, is checked but never trusted.</summary>
public sealed record SubmitApplication(string PartnerId, string ProductCode, ReadOnlyMemory<byte> Content, string? IdempotencyKey = null, string? FileName = null);

public sealed record SubmissionResult(string ApplicationId, bool Duplicate, DocumentRef Document);

/// <summary>
/// An upload (a form, or a pre-check's photos) refused at the edge, before anything was stored. <see cref="Code"/> is
/// stable for clients.
/// </summary>
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
    DurableTaskClient engine,
    ProductCatalog products,
    TimeProvider clock,
    AuditJournal journal,
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
        // Every state counts as "already there": a re-submitted form never runs its application a second time.
        var once = new StartOrchestrationOptions(record.Id) { DedupeStatuses = Enum.GetNames<OrchestrationRuntimeStatus>() };
        var started = new ApplicationStarted(record.Id, record.PartnerId, product, record.Document, record.SubmittedAt);
        try
        {
            await engine.ScheduleNewOrchestrationInstanceAsync(LoanApplicationOrchestration.Name, started, once, ct);
        }
        catch (Exception e) when (AzureStorageTaskHubClient.IsAlreadyExists(e))
        {
            // Started by the first submission (or a concurrent duplicate of it).
        }
        // Also on a duplicate, in case the first submission stopped before journaling; the journal keeps the first start.
        await journal.RecordAsync(record.Id, JournalFact.Start(LoanApplicationOrchestration.Name, PayloadHash.Of(started)), ct);
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
        var (type, problem) = UploadInspection.Inspect(submission.Content.Span, submission.FileName, UploadRules.Form(_options.MaxFileBytes));
        return type ?? throw new IntakeRejectedException(problem!.Code, problem.Reason);
    }

    [GeneratedRegex("^[A-Za-z0-9]{2,32}$")]
    private static partial Regex PartnerIdPattern();

    [GeneratedRegex("^[\\x21-\\x7E]{1,100}$")]
    private static partial Regex IdempotencyKeyPattern();
}
