using RuralLoans.Pipeline.Steps;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Api.HostileInputs;

/// <summary>
/// Bad uploads and bad field values through the real API: each gets a clear 4xx with a code and a reason (or, for field
/// problems, NeedsCorrection), nothing crashes, and no blob or Cosmos record is left behind by a refused upload.
/// </summary>
public sealed class HostileInputTests(DevServicesFixture services) : IAsyncLifetime
{
    private ApiHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ApiHost.StartAsync(services, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string, int, string> Uploads() => new()
    {
        { "zero-bytes", "empty.pdf", 400, "empty-file" },
        { "truncated-png", "scan.png", 400, "damaged-file" },
        { "wrong-magic-bytes", "scan.png", 400, "damaged-file" },
        { "decompression-bomb", "bomb.png", 413, "image-too-large" },
        { "elf-renamed-png", "scan.png", 415, "unsupported-file-type" },
        { "html-renamed-pdf", "form.pdf", 415, "unsupported-file-type" },
        { "pdf-javascript-openaction", "form.pdf", 400, "pdf-active-content" },
        { "pdf-escaped-javascript", "form.pdf", 400, "pdf-active-content" },
        { "encrypted-pdf", "form.pdf", 400, "encrypted-pdf" },
        { "sixty-page-pdf", "form.pdf", 400, "too-many-pages" },
        { "zip-renamed-jpg", "photo.jpg", 415, "unsupported-file-type" },
        { "svg-with-script", "form.svg", 415, "unsupported-file-type" },
        { "oversize", "big.pdf", 413, "file-too-large" },
        { "path-traversal-name", "../../etc/passwd.pdf", 400, "bad-file-name" },
        { "rtl-override-name", "invoice\u202Efdp.exe", 400, "bad-file-name" },
    };

    private static byte[] Content(string kind) => kind switch
    {
        "zero-bytes" => [],
        "truncated-png" => HostileFiles.TruncatedPng(),
        "wrong-magic-bytes" => HostileFiles.WrongMagicBytes(),
        "decompression-bomb" => HostileFiles.DecompressionBombPng(),
        "elf-renamed-png" => HostileFiles.ElfExecutable(),
        "html-renamed-pdf" => HostileFiles.Html(),
        "pdf-javascript-openaction" => HostileFiles.PdfWithJavaScript(),
        "pdf-escaped-javascript" => HostileFiles.PdfWithEscapedJavaScript(),
        "encrypted-pdf" => HostileFiles.EncryptedPdf(),
        "sixty-page-pdf" => HostileFiles.SixtyPagePdf(),
        "zip-renamed-jpg" => HostileFiles.Zip(),
        "svg-with-script" => HostileFiles.SvgWithScript(),
        "oversize" => HostileFiles.Oversize(new IntakeOptions().MaxFileBytes),
        "path-traversal-name" or "rtl-override-name" => ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Uploads))]
    public async Task A_hostile_upload_is_refused_with_its_reason_and_leaves_nothing_behind(string kind, string fileName, int status, string code)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await InventoryAsync(ct);
        using var client = _host.Client(ApiRoles.Partner, "MFI001");

        using var response = await client.PostAsync("/api/applications", ApiHost.Upload(Content(kind), fileName), ct);

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before, await InventoryAsync(ct));
        using var health = await client.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    public static TheoryData<string, string, int, string> PreCheckPhotos() => new()
    {
        { "zero-bytes", "IMG_0002.jpg", 400, "empty-file" },
        { "truncated-jpeg", "IMG_0002.jpg", 400, "damaged-file" },
        { "truncated-png", "IMG_0002.png", 400, "damaged-file" },
        { "wrong-magic-bytes", "IMG_0002.png", 400, "damaged-file" },
        { "jpeg-decompression-bomb", "IMG_0002.jpg", 413, "image-too-large" },
        { "png-decompression-bomb", "IMG_0002.png", 413, "image-too-large" },
        { "wider-than-any-phone", "IMG_0002.png", 413, "image-too-large" },
        { "pdf-renamed-jpg", "IMG_0002.jpg", 415, "unsupported-file-type" },
        { "tiff-scan", "IMG_0002.jpg", 415, "unsupported-file-type" },
        { "elf-renamed-jpg", "IMG_0002.jpg", 415, "unsupported-file-type" },
        { "html-renamed-jpg", "IMG_0002.jpg", 415, "unsupported-file-type" },
        { "oversize", "IMG_0002.jpg", 413, "file-too-large" },
        { "path-traversal-name", "../../IMG_0002.jpg", 400, "bad-file-name" },
        { "thirteen-photos", "IMG_0002.jpg", 400, "too-many-files" },
    };

    private static byte[] PhotoContent(string kind) => kind switch
    {
        "zero-bytes" => [],
        "truncated-jpeg" => HostileFiles.TruncatedJpeg(),
        "truncated-png" => HostileFiles.TruncatedPng(),
        "wrong-magic-bytes" => HostileFiles.WrongMagicBytes(),
        "jpeg-decompression-bomb" => HostileFiles.JpegBomb(),
        "png-decompression-bomb" => HostileFiles.DecompressionBombPng(),
        "wider-than-any-phone" => HostileFiles.WiderThanAnyPhone(),
        "pdf-renamed-jpg" => HostileFiles.Pdf(),
        "tiff-scan" => HostileFiles.SmallTiff(),
        "elf-renamed-jpg" => HostileFiles.ElfExecutable(),
        "html-renamed-jpg" => HostileFiles.Html(),
        "oversize" => HostileFiles.OversizeJpeg(ApplicationActions.MaxPhotoBytes),
        "path-traversal-name" or "thirteen-photos" => HostileFiles.PhonePhoto(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(PreCheckPhotos))]
    public async Task A_hostile_pre_check_photo_refuses_the_whole_answer_and_stores_nothing(string kind, string fileName, int status, string code)
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())), "farm-acquaintance", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.AwaitingPreCheck, ct);
        var before = await InventoryAsync(ct);
        var historyBefore = (await _host.Runtime.Client.GetOrchestrationHistoryAsync(id, ct)).Count;
        using var client = _host.Client(ApiRoles.VillagePartner, "VP-WANG");

        // A good photo goes first: the bad one after it must still leave nothing stored.
        using var answer = new MultipartFormDataContent
        {
            { new StringContent("true"), "approve" },
            { new StringContent("true"), "identitySeen" },
            { new ByteArrayContent(HostileFiles.PhonePhoto()), "photos", "IMG_0001.jpg" },
        };
        var extra = kind == "thirteen-photos" ? ApplicationActions.MaxPhotos : 1;
        for (var i = 0; i < extra; i++)
        {
            answer.Add(new ByteArrayContent(PhotoContent(kind)), "photos", fileName);
        }
        using var response = await client.PostAsync($"/api/applications/{id}/precheck", answer, ct);

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before, await InventoryAsync(ct));
        await Task.Delay(300, ct);
        Assert.Equal(historyBefore, (await _host.Runtime.Client.GetOrchestrationHistoryAsync(id, ct)).Count);
        var state = await _host.Runtime.Client.GetInstanceAsync(id, getInputsAndOutputs: true, ct);
        Assert.Equal(ApplicationStage.AwaitingPreCheck, state!.ReadCustomStatusAs<ApplicationProgress>()!.Stage);
    }

    [Fact]
    public async Task Good_phone_photos_are_accepted_and_stored_beside_the_application()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())), "farm-acquaintance", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.AwaitingPreCheck, ct);
        var before = await InventoryAsync(ct);
        using var client = _host.Client(ApiRoles.VillagePartner, "VP-WANG");

        using var answer = new MultipartFormDataContent
        {
            { new StringContent("true"), "approve" },
            { new ByteArrayContent(HostileFiles.PhonePhoto()), "photos", "IMG_0001.jpg" },
            { new ByteArrayContent(HostileFiles.SmallPng(640, 480)), "photos", "screenshot.png" },
        };
        using var response = await client.PostAsync($"/api/applications/{id}/precheck", answer, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var after = await InventoryAsync(ct);
        Assert.NotEqual(before, after);
        Assert.Equal(2, after.Split(',').Count(name => name.Contains($"prechecks/{id}/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_valid_form_sent_again_is_the_same_application_not_a_second_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var form = ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem()));
        using var client = _host.Client(ApiRoles.Partner, "MFI001");

        using var first = await client.PostAsync("/api/applications", ApiHost.Upload(form), ct);
        var afterFirst = await InventoryAsync(ct);
        using var again = await client.PostAsync("/api/applications", ApiHost.Upload(form, "same-form-renamed.pdf"), ct);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>(ct);
        var againBody = await again.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.False(firstBody.GetProperty("duplicate").GetBoolean());
        Assert.True(againBody.GetProperty("duplicate").GetBoolean());
        Assert.Equal(firstBody.GetProperty("applicationId").GetString(), againBody.GetProperty("applicationId").GetString());
        Assert.Equal(afterFirst, await InventoryAsync(ct));
    }

    public static TheoryData<string, string, string> BadFieldValues() => new()
    {
        { "wrong ID check character", "idNumber", "WRONG_CHECK" },
        { "negative amount", "requestedAmountYuan", "-30000" },
        { "absurd amount", "requestedAmountYuan", "999999999999" },
        { "unparseable date", "applicationDate", "2024-13-45" },
        { "injection-like name", "applicantName", "'); DROP TABLE applications;--<script>alert(1)</script>" },
        { "injection-like phone", "phone", "13800000000' OR '1'='1" },
    };

    [Theory]
    [MemberData(nameof(BadFieldValues))]
    public async Task A_bad_corrected_value_sends_the_application_back_for_correction_naming_the_field(string why, string field, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        var household = ApiForms.Household(ApiForms.NewIdStem());
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.WithWrongCheckCharacter(household)), "farm-310", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, ct);
        var before = await _host.Runtime.Client.GetInstanceAsync(id, getInputsAndOutputs: true, ct);
        using var client = _host.Client(ApiRoles.Partner, "MFI001");
        var corrected = new Dictionary<string, string> { [field] = value == "WRONG_CHECK" ? ApiForms.WithWrongCheckCharacter(household)["idNumber"] : value };
        if (field != "idNumber")
        {
            corrected["idNumber"] = household["idNumber"];
        }

        using var response = await client.PostAsJsonAsync($"/api/applications/{id}/corrections", new { fields = corrected }, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // The second validation round lands in the task hub after the answer; wait until the history shows it done
        // (and the status it set), then read through the API.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && RuralLoans.TaskHub.HistoryEntries.Describe(await _host.Runtime.Client.GetOrchestrationHistoryAsync(id, ct))
            .Count(e => e.Type == "TaskCompleted" && e.Name == FieldValidation.Name) < 2)
        {
            await Task.Delay(150, ct);
        }
        while (DateTime.UtcNow < deadline && (await _host.Runtime.Client.GetInstanceAsync(id, getInputsAndOutputs: false, ct))!.LastUpdatedAt == before!.LastUpdatedAt)
        {
            await Task.Delay(150, ct);
        }
        await Task.Delay(300, ct);
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/applications/{id}", ct);
        Assert.Equal("NeedsCorrection", detail.GetProperty("stage").GetString());
        var errors = detail.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.True(errors.Contains(field), $"{why}: expected a problem with {field}, got {string.Join(", ", errors)}");
    }

    [Fact]
    public async Task A_ten_thousand_character_field_or_an_unknown_field_is_refused_at_the_door()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.WithWrongCheckCharacter(ApiForms.Household(ApiForms.NewIdStem()))), "farm-310", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, ct);
        var historyBefore = (await _host.Runtime.Client.GetOrchestrationHistoryAsync(id, ct)).Count;
        using var client = _host.Client(ApiRoles.Partner, "MFI001");

        using var tooLong = await client.PostAsJsonAsync($"/api/applications/{id}/corrections", new { fields = new { purpose = new string('肥', 10_000) } }, ct);
        using var unknown = await client.PostAsJsonAsync($"/api/applications/{id}/corrections", new { fields = new { salary = "1" } }, ct);
        using var notJson = await client.PostAsync($"/api/applications/{id}/corrections", new StringContent("{fields:", System.Text.Encoding.UTF8, "application/json"), ct);

        Assert.Equal(("field-too-long", 400), await CodeOf(tooLong));
        Assert.Equal(("unknown-field", 400), await CodeOf(unknown));
        Assert.Equal(("invalid-json", 400), await CodeOf(notJson));
        await Task.Delay(500, ct);
        Assert.Equal(historyBefore, (await _host.Runtime.Client.GetOrchestrationHistoryAsync(id, ct)).Count);

        async Task<(string?, int)> CodeOf(HttpResponseMessage response) =>
            ((await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString(), (int)response.StatusCode);
    }

    /// <summary>Every blob in the documents container and every document in the applications container.</summary>
    private async Task<string> InventoryAsync(CancellationToken ct)
    {
        var blobs = new List<string>();
        var container = new BlobContainerClient(services.StorageConnectionString, PipelineRuntime.DocumentsContainer);
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: ct))
        {
            blobs.Add(blob.Name);
        }
        using var cosmos = services.CreateCosmosClient();
        var records = new List<string>();
        using var iterator = cosmos.GetContainer(_host.Database, "applications").GetItemQueryIterator<string>("SELECT VALUE c.id FROM c");
        while (iterator.HasMoreResults)
        {
            records.AddRange(await iterator.ReadNextAsync(ct));
        }
        blobs.Sort(StringComparer.Ordinal);
        records.Sort(StringComparer.Ordinal);
        return $"{blobs.Count} blobs: {string.Join(",", blobs)} | {records.Count} records: {string.Join(",", records)}";
    }
}
