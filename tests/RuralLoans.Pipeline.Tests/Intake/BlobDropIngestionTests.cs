using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Products;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.Intake;

/// <summary>Forms dropped into a partner's inbox container on Azurite start exactly one application each and are moved aside.</summary>
public sealed class BlobDropIngestionTests(DevServicesFixture services) : IAsyncLifetime
{
    private const string Partner = "MFI001";

    private PipelineHarness _pipeline = null!;
    private BlobContainerClient _inbox = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private BlobDropIngestion Drops => _pipeline.Runtime.BlobDrop;

    public async ValueTask InitializeAsync()
    {
        _pipeline = await PipelineHarness.StartAsync(services, Cancel);
        await Drops.EnsureInboxesAsync(Cancel);
        _inbox = services.CreateBlobServiceClient().GetBlobContainerClient(BlobDropIngestion.InboxContainerFor(Partner));
    }

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    /// <summary>A name no other test uses, in the given folder.</summary>
    private static string NameIn(string? folder, string extension = "pdf") =>
        (folder is null ? "" : folder + "/") + $"scan-{Guid.NewGuid():N}.{extension}";

    private async Task DropAsync(string name, byte[] content, string? product = null)
    {
        var metadata = product is null ? null : new Dictionary<string, string> { [BlobDropIngestion.ProductMetadata] = product };
        await _inbox.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Metadata = metadata }, Cancel);
    }

    private async Task<IDictionary<string, string>?> MetadataOfAsync(string name)
    {
        var blob = _inbox.GetBlobClient(name);
        return await blob.ExistsAsync(Cancel) ? (await blob.GetPropertiesAsync(cancellationToken: Cancel)).Value.Metadata : null;
    }

    private static string? Get(IDictionary<string, string> metadata, string key) =>
        metadata.FirstOrDefault(pair => string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    private async Task<int> ApplicationCountAsync() => (await _pipeline.Runtime.Applications.ListByPartnerAsync(Partner, 100, null, Cancel)).Items.Count;

    private static byte[] Form(string idFirst17) => TestForms.TextPdf(TestForms.GoodHousehold(idFirst17));

    [Fact]
    public void Each_partner_has_an_inbox_named_after_it_in_lower_case()
    {
        Assert.Equal("inbox-mfi001", BlobDropIngestion.InboxContainerFor("MFI001"));
        Assert.Throws<ArgumentException>(() => BlobDropIngestion.InboxContainerFor("MFI 001"));
        Assert.Throws<ArgumentException>(() => BlobDropIngestion.InboxContainerFor("../x"));
    }

    [Fact]
    public async Task A_form_dropped_in_a_product_folder_starts_one_application_and_moves_to_processed()
    {
        var name = NameIn("farm-310");
        await DropAsync(name, Form("43062619820315123"));

        var result = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(BlobDropOutcome.Processed, result.Outcome);
        Assert.False(result.Duplicate);
        var record = await _pipeline.Runtime.Applications.GetAsync(result.ApplicationId!, Cancel);
        Assert.Equal(("farm-310", Partner), (record!.ProductCode, record.PartnerId));
        Assert.Null(await MetadataOfAsync(name));
        Assert.Equal(result.ApplicationId, Get((await MetadataOfAsync(BlobDropIngestion.ProcessedPrefix + name))!, BlobDropIngestion.ApplicationIdMetadata));
        Assert.Equal(1, await ApplicationCountAsync());
        Assert.Contains(result.ApplicationId!, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_bytes_dropped_twice_make_one_application()
    {
        var form = Form("43062619780502231");
        var first = NameIn(null);
        var second = NameIn(null);
        await DropAsync(first, form, product: "farm-310");
        var one = await Drops.ProcessAsync(_inbox.Name, first, Cancel);
        await DropAsync(second, form, product: "FARM-310");
        await DropAsync(first, form, product: "farm-310");

        var two = await Drops.ProcessAsync(_inbox.Name, second, Cancel);
        var three = await Drops.ProcessAsync(_inbox.Name, first, Cancel);

        Assert.Equal(BlobDropOutcome.Processed, one.Outcome);
        Assert.Equal(one.ApplicationId, two.ApplicationId);
        Assert.Equal(one.ApplicationId, three.ApplicationId);
        Assert.True(two.Duplicate);
        Assert.Equal(1, await ApplicationCountAsync());
        Assert.Null(await MetadataOfAsync(first));
        Assert.Null(await MetadataOfAsync(second));
    }

    [Fact]
    public async Task A_file_that_is_not_a_form_moves_to_rejected_with_the_reason_and_leaves_nothing_behind()
    {
        var name = NameIn("farm-310", "png");
        var executable = Encoding.ASCII.GetBytes("MZ\u0090\0 this is an executable renamed .png " + Guid.NewGuid());
        await DropAsync(name, executable);

        var result = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(BlobDropOutcome.Rejected, result.Outcome);
        Assert.Equal("unsupported-file-type", result.ReasonCode);
        var receipt = (await MetadataOfAsync(BlobDropIngestion.RejectedPrefix + name))!;
        Assert.Equal("unsupported-file-type", Get(receipt, BlobDropIngestion.ReasonCodeMetadata));
        Assert.Contains("not a PNG, JPEG, TIFF or PDF", Get(receipt, BlobDropIngestion.ReasonMetadata), StringComparison.Ordinal);
        Assert.Null(await MetadataOfAsync(name));
        Assert.Equal(0, await ApplicationCountAsync());
        var documents = services.CreateBlobServiceClient().GetBlobContainerClient(PipelineRuntime.DocumentsContainer);
        Assert.False(await documents.GetBlobClient($"{Partner}/{Convert.ToHexStringLower(SHA256.HashData(executable))}").ExistsAsync(Cancel));
    }

    [Theory]
    [InlineData("farm-999", null, "unknown-product")]
    [InlineData(null, "no-such-loan", "unknown-product")]
    [InlineData(null, null, "no-product")]
    public async Task A_form_without_a_known_product_is_rejected_with_the_known_products(string? folder, string? product, string code)
    {
        var name = NameIn(folder);
        await DropAsync(name, Form("43062619900101301"), product);

        var result = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(BlobDropOutcome.Rejected, result.Outcome);
        Assert.Equal(code, result.ReasonCode);
        Assert.Contains("farm-310", Get((await MetadataOfAsync(BlobDropIngestion.RejectedPrefix + name))!, BlobDropIngestion.ReasonMetadata), StringComparison.Ordinal);
        Assert.Equal(0, await ApplicationCountAsync());
    }

    [Fact]
    public async Task A_file_over_the_size_cap_is_rejected_without_submitting()
    {
        var capped = new BlobDropIngestion(services.CreateBlobServiceClient(), _pipeline.Runtime.Intake, _pipeline.Runtime.Partners, ProductCatalog.Default,
            new IntakeOptions { MaxFileBytes = 1_000 });
        var name = NameIn("farm-310");
        await DropAsync(name, Form("43062619850712551"));

        var result = await capped.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(("file-too-large", BlobDropOutcome.Rejected), (result.ReasonCode, result.Outcome));
        Assert.NotNull(await MetadataOfAsync(BlobDropIngestion.RejectedPrefix + name));
        Assert.Equal(0, await ApplicationCountAsync());
    }

    [Theory]
    [InlineData("move")]
    [InlineData("delete")]
    public async Task A_crash_after_submitting_is_finished_by_the_retry_without_a_second_application(string crashBefore)
    {
        var name = NameIn("farm-310");
        await DropAsync(name, Form("43062619750818402"));
        var crashing = new BlobDropIngestion(services.CreateBlobServiceClient(), _pipeline.Runtime.Intake, _pipeline.Runtime.Partners, ProductCatalog.Default)
        {
            BeforeStep = (step, _) => step == crashBefore ? throw new IOException($"host died before {step}") : ValueTask.CompletedTask,
        };

        await Assert.ThrowsAsync<IOException>(() => crashing.ProcessAsync(_inbox.Name, name, Cancel));
        Assert.NotNull(await MetadataOfAsync(name));
        var retried = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(BlobDropOutcome.Processed, retried.Outcome);
        Assert.True(retried.Duplicate);
        Assert.Equal(1, await ApplicationCountAsync());
        Assert.Null(await MetadataOfAsync(name));
        Assert.Equal(retried.ApplicationId, Get((await MetadataOfAsync(BlobDropIngestion.ProcessedPrefix + name))!, BlobDropIngestion.ApplicationIdMetadata));
    }

    [Fact]
    public async Task A_submission_made_under_the_drop_key_before_a_crash_is_the_application_the_drop_reports()
    {
        var name = NameIn("farm-acquaintance");
        var form = Form("43062619820315123");
        await DropAsync(name, form);
        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(
            new SubmitApplication(Partner, "farm-acquaintance", form, BlobDropIngestion.IdempotencyKeyFor(_inbox.Name, name, form)), Cancel);

        var result = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(submitted.ApplicationId, result.ApplicationId);
        Assert.Equal(1, await ApplicationCountAsync());
    }

    [Fact]
    public async Task Settled_names_gone_blobs_and_containers_that_are_no_inbox_are_left_alone()
    {
        var name = NameIn("farm-310");
        await DropAsync(name, Form("43062619780502231"));
        var processed = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        var settled = await Drops.ProcessAsync(_inbox.Name, BlobDropIngestion.ProcessedPrefix + name, Cancel);
        var again = await Drops.ProcessAsync(_inbox.Name, name, Cancel);
        var foreign = await Drops.ProcessAsync(PipelineRuntime.DocumentsContainer, processed.ApplicationId!, Cancel);
        var missing = await Drops.ProcessAsync(_inbox.Name, NameIn("farm-310"), Cancel);

        Assert.Equal(BlobDropOutcome.Ignored, settled.Outcome);
        Assert.Equal((BlobDropOutcome.Processed, processed.ApplicationId), (again.Outcome, again.ApplicationId));
        Assert.Equal(BlobDropOutcome.Ignored, foreign.Outcome);
        Assert.Equal(BlobDropOutcome.Ignored, missing.Outcome);
        Assert.NotNull(await MetadataOfAsync(BlobDropIngestion.ProcessedPrefix + name));
        Assert.Equal(1, await ApplicationCountAsync());
    }

    [Fact]
    public async Task Pollers_see_only_the_names_still_waiting_and_every_partner_has_an_inbox()
    {
        var waiting = NameIn("farm-310");
        var done = NameIn("farm-310");
        await DropAsync(waiting, [1, 2, 3]);
        await DropAsync(done, Encoding.ASCII.GetBytes("not a form"));
        await Drops.ProcessAsync(_inbox.Name, done, Cancel);

        var pending = new List<string>();
        await foreach (var name in Drops.ListPendingAsync(_inbox.Name, Cancel))
        {
            pending.Add(name);
        }

        Assert.Contains(waiting, pending);
        Assert.DoesNotContain(done, pending);
        Assert.DoesNotContain(pending, n => n.StartsWith(BlobDropIngestion.ProcessedPrefix, StringComparison.Ordinal) || n.StartsWith(BlobDropIngestion.RejectedPrefix, StringComparison.Ordinal));
        foreach (var partner in _pipeline.Runtime.Partners.MicrofinancePartners)
        {
            Assert.True(await services.CreateBlobServiceClient().GetBlobContainerClient(BlobDropIngestion.InboxContainerFor(partner.Id)).ExistsAsync(Cancel));
        }
    }

    [Fact]
    public async Task The_log_line_of_a_drop_names_the_file_by_content_hash_never_by_the_partners_file_name()
    {
        var name = "farm-310/刘建华-430626198203151234.pdf";
        var form = Form("43062619820315122");
        await DropAsync(name, form);

        var result = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(BlobDropOutcome.Processed, result.Outcome);
        var line = result.ToString();
        Assert.DoesNotContain("刘建华", line, StringComparison.Ordinal);
        Assert.DoesNotContain("430626198203151234", line, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(form))[..16], line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_file_whose_name_hides_its_type_is_rejected_like_an_upload()
    {
        var name = "farm-310/scan-\u202Efdp.exe";
        await DropAsync(name, Form("43062619820315123"));

        var result = await Drops.ProcessAsync(_inbox.Name, name, Cancel);

        Assert.Equal(BlobDropOutcome.Rejected, result.Outcome);
        Assert.Equal("bad-file-name", result.ReasonCode);
        Assert.Equal(0, await ApplicationCountAsync());
    }
}
