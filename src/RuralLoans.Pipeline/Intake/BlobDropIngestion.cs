using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Pipeline.Products;

namespace RuralLoans.Pipeline.Intake;

public enum BlobDropOutcome
{
    /// <summary>The form started (or had already started) an application; the blob is now under processed/.</summary>
    Processed,

    /// <summary>The file was refused; the blob is now under rejected/ with the reason in its metadata.</summary>
    Rejected,

    /// <summary>Nothing to do: a settled name, a container that is no partner's inbox, or a blob that is gone.</summary>
    Ignored,
}

/// <summary>What became of one dropped blob; <see cref="ToString"/> is one line for a function's log.</summary>
public sealed record BlobDropResult(
    string Container, string BlobName, BlobDropOutcome Outcome, string? ApplicationId = null, string? ReasonCode = null, string? Reason = null, bool Duplicate = false,
    string? ContentSha256 = null)
{
    /// <summary>
    /// One line for logs. It names the file by its content hash, never by the name the partner chose (a name may hold a
    /// borrower's name or ID number); the partner finds it under processed/ or rejected/ by its own name.
    /// </summary>
    public override string ToString()
    {
        var file = ContentSha256 is { Length: >= 16 } hash ? $"{Container} file sha256:{hash[..16]}" : $"{Container} file";
        return Outcome switch
        {
            BlobDropOutcome.Processed => $"{file}: application {ApplicationId}{(Duplicate ? " (already submitted)" : "")}, moved to {BlobDropIngestion.ProcessedPrefix}",
            BlobDropOutcome.Rejected => $"{file}: rejected ({ReasonCode}), moved to {BlobDropIngestion.RejectedPrefix}",
            _ => $"{file}: ignored, {Reason}",
        };
    }
}

/// <summary>
/// Partners drop form files into their own inbox container (Storage Explorer, AzCopy); each file starts exactly one
/// application and is then moved under <c>processed/</c> (metadata <c>applicationId</c>) or <c>rejected/</c> (metadata
/// <c>reason</c> and <c>reasonCode</c>). Every step can be repeated after a crash: the submission's idempotency key comes
/// from the inbox, the name and the bytes, so a retry lands on the same application; the copy overwrites itself; and the
/// original is deleted only while it still is the version that was read (ETag), so a file re-dropped under the same name
/// in the meantime is left for its own turn.
/// </summary>
public sealed partial class BlobDropIngestion(BlobServiceClient blobs, ApplicationIntake intake, PartnerDirectory partners, ProductCatalog products, IntakeOptions? options = null)
{
    public const string InboxPrefix = "inbox-";
    public const string ProcessedPrefix = "processed/";
    public const string RejectedPrefix = "rejected/";

    /// <summary>Blob metadata naming the product, when the file is not in a folder named after it.</summary>
    public const string ProductMetadata = "product";

    public const string ApplicationIdMetadata = "applicationId";
    public const string ReasonMetadata = "reason";
    public const string ReasonCodeMetadata = "reasonCode";

    private const int MaxReasonLength = 1024;

    private readonly long _maxFileBytes = (options ?? new IntakeOptions()).MaxFileBytes;

    /// <summary>Called at "move" (submitted, nothing moved yet) and "delete" (copied, original still there); tests throw from it to simulate a crash.</summary>
    internal Func<string, CancellationToken, ValueTask>? BeforeStep { get; set; }

    /// <summary>The inbox container of a partner: <c>inbox-</c> and the partner id in lower case (a valid container name).</summary>
    public static string InboxContainerFor(string partnerId)
    {
        if (partnerId is null || !PartnerIdPattern().IsMatch(partnerId))
        {
            throw new ArgumentException($"'{partnerId}' is not a partner id (2–32 letters or digits).", nameof(partnerId));
        }
        return InboxPrefix + partnerId.ToLowerInvariant();
    }

    /// <summary>The key a dropped file is submitted under: the same inbox, name and bytes always give the same application.</summary>
    public static string IdempotencyKeyFor(string container, string blobName, ReadOnlySpan<byte> content)
    {
        var contentHash = Convert.ToHexStringLower(SHA256.HashData(content));
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{container}\n{blobName}\n{contentHash}"));
        return "blobdrop-" + Convert.ToHexStringLower(digest)[..40];
    }

    public static bool IsSettled(string blobName) =>
        blobName.StartsWith(ProcessedPrefix, StringComparison.Ordinal) || blobName.StartsWith(RejectedPrefix, StringComparison.Ordinal);

    public async Task<BlobDropResult> ProcessAsync(string container, string blobName, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(container);
        ArgumentException.ThrowIfNullOrWhiteSpace(blobName);
        if (IsSettled(blobName))
        {
            return new BlobDropResult(container, blobName, BlobDropOutcome.Ignored, Reason: "already settled");
        }
        if (PartnerFor(container) is not { } partner)
        {
            // Never move anything out of a container that is not an inbox: a misrouted trigger must not touch other data.
            return new BlobDropResult(container, blobName, BlobDropOutcome.Ignored, Reason: $"{container} is not the inbox of a known partner");
        }

        var inbox = blobs.GetBlobContainerClient(container);
        var blob = inbox.GetBlobClient(blobName);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return await AlreadySettledAsync(inbox, blobName, ct);
        }

        var drop = new Drop(inbox, blob, properties.ETag, properties.Metadata);
        if (properties.ContentLength > _maxFileBytes)
        {
            return await RejectAsync(drop, "file-too-large", $"The file is {properties.ContentLength:N0} bytes; the limit is {_maxFileBytes:N0}.", ct);
        }
        var productCode = Metadata(properties.Metadata, ProductMetadata) ?? FolderOf(blobName);
        if (productCode is null)
        {
            return await RejectAsync(drop, "no-product",
                $"Say which product the form is for: drop it in a folder named after the product (farm-310/form.pdf) or set the blob's '{ProductMetadata}' metadata. Known products: {KnownProducts()}.", ct);
        }
        if (products.Find(productCode) is not { } product)
        {
            return await RejectAsync(drop, "unknown-product", $"Unknown product '{productCode}'. Known products: {KnownProducts()}.", ct);
        }

        var content = (await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = drop.ETag } }, ct)).Value.Content;
        var hash = Convert.ToHexStringLower(SHA256.HashData(content.ToMemory().Span));
        SubmissionResult submitted;
        try
        {
            // The file-name rules of an upload apply to a dropped file's own name (the folder names the product).
            var fileName = blobName[(blobName.LastIndexOf('/') + 1)..];
            submitted = await intake.SubmitAsync(new SubmitApplication(partner.Id, product.Code, content.ToMemory(), IdempotencyKeyFor(container, blobName, content.ToMemory().Span), fileName), ct);
        }
        catch (IntakeRejectedException e)
        {
            return await RejectAsync(drop, e.Code, e.Message, ct) with { ContentSha256 = hash };
        }

        await StepAsync("move", ct);
        await MoveAsync(drop, ProcessedPrefix, new Dictionary<string, string> { [ApplicationIdMetadata] = submitted.ApplicationId }, ct);
        return new BlobDropResult(container, blobName, BlobDropOutcome.Processed, submitted.ApplicationId, Duplicate: submitted.Duplicate, ContentSha256: hash);
    }

    /// <summary>Names in the inbox still waiting to be processed, for pollers (the settled prefixes are skipped).</summary>
    public async IAsyncEnumerable<string> ListPendingAsync(string container, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(container);
        await foreach (var item in blobs.GetBlobContainerClient(container).GetBlobsAsync(default, default, null, ct))
        {
            if (!IsSettled(item.Name))
            {
                yield return item.Name;
            }
        }
    }

    /// <summary>Creates the inbox container of every microfinance partner in config/partners.json.</summary>
    public async Task EnsureInboxesAsync(CancellationToken ct)
    {
        foreach (var partner in partners.MicrofinancePartners)
        {
            await blobs.GetBlobContainerClient(InboxContainerFor(partner.Id)).CreateIfNotExistsAsync(cancellationToken: ct);
        }
    }

    private MicrofinancePartner? PartnerFor(string container) =>
        container.StartsWith(InboxPrefix, StringComparison.Ordinal)
            ? partners.MicrofinancePartners.FirstOrDefault(p => PartnerIdPattern().IsMatch(p.Id) && InboxContainerFor(p.Id) == container)
            : null;

    private async Task<BlobDropResult> RejectAsync(Drop drop, string code, string reason, CancellationToken ct)
    {
        await StepAsync("move", ct);
        await MoveAsync(drop, RejectedPrefix, new Dictionary<string, string> { [ReasonCodeMetadata] = AsciiMetadata(code), [ReasonMetadata] = AsciiMetadata(reason) }, ct);
        return new BlobDropResult(drop.Inbox.Name, drop.Blob.Name, BlobDropOutcome.Rejected, ReasonCode: code, Reason: reason);
    }

    /// <summary>
    /// Server-side copy of exactly the version that was read (source ETag), keeping the partner's metadata, then delete of
    /// that version only. Repeating it rewrites the same copy; a newer upload under the same name survives both steps.
    /// </summary>
    private async Task MoveAsync(Drop drop, string prefix, Dictionary<string, string> metadata, CancellationToken ct)
    {
        var merged = new Dictionary<string, string>(drop.Metadata, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in metadata)
        {
            merged[key] = value;
        }
        var target = drop.Inbox.GetBlobClient(prefix + drop.Blob.Name);
        var copy = await target.StartCopyFromUriAsync(drop.Blob.Uri, new BlobCopyFromUriOptions
        {
            Metadata = merged,
            SourceConditions = new BlobRequestConditions { IfMatch = drop.ETag },
        }, ct);
        await copy.WaitForCompletionAsync(ct);

        await StepAsync("delete", ct);
        try
        {
            await drop.Blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = drop.ETag }, ct);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already (an earlier attempt) or replaced by a new drop, which its own event will process.
        }
    }

    /// <summary>The original is gone: an earlier attempt finished. Report what it did from the receipt it left.</summary>
    private static async Task<BlobDropResult> AlreadySettledAsync(BlobContainerClient inbox, string blobName, CancellationToken ct)
    {
        foreach (var prefix in new[] { ProcessedPrefix, RejectedPrefix })
        {
            try
            {
                var receipt = (await inbox.GetBlobClient(prefix + blobName).GetPropertiesAsync(cancellationToken: ct)).Value.Metadata;
                return prefix == ProcessedPrefix
                    ? new BlobDropResult(inbox.Name, blobName, BlobDropOutcome.Processed, Metadata(receipt, ApplicationIdMetadata), Duplicate: true)
                    : new BlobDropResult(inbox.Name, blobName, BlobDropOutcome.Rejected, ReasonCode: Metadata(receipt, ReasonCodeMetadata), Reason: Metadata(receipt, ReasonMetadata));
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
        return new BlobDropResult(inbox.Name, blobName, BlobDropOutcome.Ignored, Reason: "the blob no longer exists");
    }

    private ValueTask StepAsync(string step, CancellationToken ct) => BeforeStep?.Invoke(step, ct) ?? ValueTask.CompletedTask;

    private string KnownProducts() => string.Join(", ", products.All.Select(p => p.Code));

    private static string? FolderOf(string blobName)
    {
        var slash = blobName.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? blobName[..slash] : null;
    }

    private static string? Metadata(IDictionary<string, string> metadata, string key) =>
        metadata.FirstOrDefault(pair => string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } value ? value.Trim() : null;

    /// <summary>Blob metadata travels in HTTP headers: printable ASCII only, so anything else is replaced rather than refused.</summary>
    private static string AsciiMetadata(string text)
    {
        var ascii = new StringBuilder(Math.Min(text.Length, MaxReasonLength));
        foreach (var c in text.Take(MaxReasonLength))
        {
            ascii.Append(c switch
            {
                >= ' ' and <= '~' => c,
                '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212' => '-',
                _ => '?',
            });
        }
        return ascii.ToString().Trim();
    }

    [GeneratedRegex("^[A-Za-z0-9]{2,32}$")]
    private static partial Regex PartnerIdPattern();

    /// <summary>The version of a dropped blob that was read, and the partner's own metadata on it.</summary>
    private sealed record Drop(BlobContainerClient Inbox, BlobClient Blob, ETag ETag, IDictionary<string, string> Metadata);
}
