using System.Security.Cryptography;
using System.Text;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Storage;

/// <summary>
/// Keeps large payloads in blobs named by instance and SHA-256, so an upload repeated after a crash
/// writes the same blob and a read can prove the content is what the history referenced.
/// </summary>
internal sealed class PayloadStore(EngineStorage storage)
{
    /// <summary>Table string properties hold at most 32K UTF-16 characters; stay clear of that.</summary>
    public const int MaxInlineTableChars = 30_000;

    public async Task<Payload> OffloadIfLargeAsync(string instanceId, string? json, int thresholdBytes, CancellationToken cancellationToken)
    {
        if (json is null || Encoding.UTF8.GetByteCount(json) <= thresholdBytes)
        {
            return Payload.Of(json);
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        var blobName = $"{instanceId}/{Convert.ToHexStringLower(SHA256.HashData(bytes))}";
        await storage.Options.BeforeWriteAsync("upload-payload", cancellationToken).ConfigureAwait(false);
        await storage.Payloads.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, cancellationToken).ConfigureAwait(false);
        return new Payload(null, blobName);
    }

    public async Task<string?> ResolveAsync(Payload payload, CancellationToken cancellationToken)
    {
        if (payload.BlobName is not { } blobName)
        {
            return payload.Inline;
        }

        var content = await storage.Payloads.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        var bytes = content.Value.Content.ToArray();
        var expected = blobName[(blobName.LastIndexOf('/') + 1)..];
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), expected, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Payload blob '{blobName}' does not match its content hash; it was altered.");
        }

        return Encoding.UTF8.GetString(bytes);
    }

    public async Task DeleteInstancePayloadsAsync(string instanceId, CancellationToken cancellationToken)
    {
        await foreach (var blob in storage.Payloads.GetBlobsAsync(default, default, $"{instanceId}/", cancellationToken).ConfigureAwait(false))
        {
            await storage.Payloads.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
