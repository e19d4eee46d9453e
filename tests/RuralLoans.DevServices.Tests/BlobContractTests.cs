using Azure;
using Azure.Storage.Blobs.Models;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>Blob behaviours the product relies on for optimistic concurrency (e.g. claiming a document once).</summary>
public sealed class BlobContractTests(DevServicesFixture services)
{
    [Fact]
    public async Task Upload_with_a_stale_if_match_etag_is_rejected_with_412()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = services.CreateBlobServiceClient().GetBlobContainerClient(UniqueNames.BlobContainer("etag"));
        await container.CreateAsync(cancellationToken: ct);
        var blob = container.GetBlobClient("application.json");
        var first = await blob.UploadAsync(BinaryData.FromString("{\"v\":1}"), cancellationToken: ct);
        await blob.UploadAsync(BinaryData.FromString("{\"v\":2}"), overwrite: true, ct);

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(
            BinaryData.FromString("{\"v\":3}"),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = first.Value.ETag } },
            ct));

        Assert.Equal(412, stale.Status);
        Assert.Equal("{\"v\":2}", (await blob.DownloadContentAsync(ct)).Value.Content.ToString());
    }

    [Fact]
    public async Task Create_only_upload_onto_an_existing_blob_is_rejected_with_409()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = services.CreateBlobServiceClient().GetBlobContainerClient(UniqueNames.BlobContainer("create-only"));
        await container.CreateAsync(cancellationToken: ct);
        var blob = container.GetBlobClient("claim");
        var createOnly = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        await blob.UploadAsync(BinaryData.FromString("first"), createOnly, ct);

        var second = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(BinaryData.FromString("second"), createOnly, ct));

        Assert.Equal(409, second.Status);
        Assert.Equal("first", (await blob.DownloadContentAsync(ct)).Value.Content.ToString());
    }
}
