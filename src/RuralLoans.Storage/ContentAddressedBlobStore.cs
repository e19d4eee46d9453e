using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace RuralLoans.Storage;

/// <summary>Where an uploaded original ended up. <see cref="AlreadyStored"/> tells a re-upload of identical bytes apart.</summary>
public sealed record StoredBlob(string Container, string Name, string Sha256, long Length, string ContentType, bool AlreadyStored);

/// <summary>
/// Keeps originals (forms, photos) under the SHA-256 of their bytes and never overwrites one: identical bytes land on the
/// same name, and the create is conditional (If-None-Match: *) so two concurrent uploads cannot replace each other.
/// </summary>
public sealed class ContentAddressedBlobStore(BlobContainerClient container)
{
    public async Task<StoredBlob> StoreAsync(string prefix, ReadOnlyMemory<byte> content, string contentType, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (content.IsEmpty)
        {
            throw new ArgumentException("An empty file cannot be stored.", nameof(content));
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var name = $"{prefix.Trim('/')}/{sha256}";
        var blob = container.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Metadata = new Dictionary<string, string> { ["sha256"] = sha256 },
            }, ct);
            return new StoredBlob(container.Name, name, sha256, content.Length, contentType, AlreadyStored: false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return new StoredBlob(container.Name, name, sha256, content.Length, contentType, AlreadyStored: true);
        }
    }

    public async Task<BinaryData> ReadAsync(string name, CancellationToken ct) =>
        (await container.GetBlobClient(name).DownloadContentAsync(ct)).Value.Content;

    public async Task DeleteIfExistsAsync(string name, CancellationToken ct) =>
        await container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: ct);
}
