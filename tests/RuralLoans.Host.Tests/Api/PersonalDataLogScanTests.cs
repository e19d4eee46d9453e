using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.DurableTask.Client;
using RuralLoans.FormGenerator;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;
using RuralLoans.Testing;
using SkiaSharp;

namespace RuralLoans.Host.Tests.Api;

/// <summary>
/// Applications carrying resident IDs, phone numbers and names — in every file type the edge accepts and in every
/// spelling the validator reads — go through the paths the demo and partners use (upload, correction, pre-check remarks,
/// contract, review request, review note). Not one of those values may appear in the host's logs or traces, however it is spelled.
/// </summary>
public sealed class PersonalDataLogScanTests(DevServicesFixture services) : IAsyncLifetime
{
    private static readonly FormImages Images = new(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));
    private static readonly string[] Surnames = ["欧阳", "司马", "上官", "诸葛", "东方"];
    private static readonly string[] GivenNames = ["明轩", "若曦", "子涵", "浩然", "雨桐"];

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _traces = new();
    private ActivityListener? _listener;
    private ApiHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _traces.Enqueue(
                $"{activity.DisplayName} {string.Join(" ", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))} "
                + string.Join(" ", activity.Events.Select(e => $"{e.Name} {string.Join(" ", e.Tags.Select(t => $"{t.Key}={t.Value}"))}"))),
        };
        ActivitySource.AddActivityListener(_listener);
        _host = await ApiHost.StartAsync(services, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _listener?.Dispose();
    }

    /// <summary>One borrower: who they are, how the form spells it and which file carries it.</summary>
    private sealed record Borrower(string FileType, string Name, string IdNumber, string Phone, Dictionary<string, string> Form, byte[] File);

    [Fact]
    public async Task No_resident_id_phone_or_name_reaches_logs_or_traces_whatever_the_file_type_or_spelling()
    {
        var ct = TestContext.Current.CancellationToken;
        var borrowers = Borrowers();
        // A household on the blacklist: declined by the model, so the review request and the review note paths run too.
        var blacklisted = NewBorrower("text PDF (blacklisted)", "陈国强", "43062619850712551", 5, ApiForms.TextPdf);
        var all = borrowers.Append(blacklisted).ToList();

        var ids = new Dictionary<string, Borrower>(StringComparer.Ordinal);
        foreach (var borrower in all)
        {
            ids[await _host.SubmitAsync("MFI001", borrower.File, "farm-acquaintance", ct)] = borrower;
        }
        var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, borrower) in ids)
        {
            outcomes[borrower.FileType] = await DriveToEndAsync(id, borrower, ct);
        }

        // The paths ran: every file type was read and every application went as far as a person could take it.
        Assert.All(outcomes, o => Assert.True(o.Value is "Disbursed" or "Declined", $"{o.Key} ended {o.Value}"));
        Assert.Equal("Declined", outcomes[blacklisted.FileType]);

        var logs = _host.Logs.Lines;
        Assert.NotEmpty(logs);
        Assert.NotEmpty(_traces);
        // A snapshot: background work may still add traces while this reads them.
        var scanned = logs.Concat(_traces.ToArray()).Select(Flatten).ToList();
        foreach (var borrower in all)
        {
            // The digits that make a resident ID or a phone personal: the birth date and sequence of the ID, the
            // subscriber part of the phone. Masks keep the first and last digits, so these never appear even masked.
            var idCore = borrower.IdNumber[6..17];
            var phoneCore = borrower.Phone[3..7] + borrower.Phone[7..];
            Assert.DoesNotContain(scanned, line => line.Contains(idCore, StringComparison.Ordinal));
            Assert.DoesNotContain(scanned, line => line.Contains(phoneCore, StringComparison.Ordinal));
            Assert.DoesNotContain(scanned, line => line.Contains(borrower.Name, StringComparison.Ordinal));
        }
    }

    /// <summary>Answers as each person the application waits on until it ends or waits on nobody we play.</summary>
    private async Task<string> DriveToEndAsync(string id, Borrower borrower, CancellationToken ct)
    {
        var done = new HashSet<ApplicationStage>();
        var deadline = DateTime.UtcNow.AddSeconds(150);
        while (DateTime.UtcNow < deadline)
        {
            var state = await _host.Runtime.Client.GetInstanceAsync(id, getInputsAndOutputs: true, ct);
            var progress = state?.ReadCustomStatusAs<ApplicationProgress>();
            if (state?.RuntimeStatus is OrchestrationRuntimeStatus.Completed)
            {
                return state.ReadOutputAs<ApplicationOutcome>()!.Stage.ToString();
            }
            if (state?.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
            {
                return $"{state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}";
            }
            if (progress is not null && done.Add(progress.Stage))
            {
                if (progress.Stage == ApplicationStage.Declined && done.Contains(ApplicationStage.AwaitingHumanReview))
                {
                    return "Declined";
                }
                await ActAsync(id, borrower, progress, ct);
            }
            await Task.Delay(150, ct);
        }
        return "timed out";
    }

    private async Task ActAsync(string id, Borrower borrower, ApplicationProgress progress, CancellationToken ct)
    {
        // Free text as people type it: the ID spaced and full-width, the phone dashed with a country code.
        var spacedId = string.Join(' ', borrower.IdNumber.Chunk(6).Select(c => new string(c)));
        var fullWidthId = new string([.. borrower.IdNumber.Select(c => char.IsAsciiDigit(c) ? (char)(c - '0' + '０') : c)]);
        var dashedPhone = $"+86 {borrower.Phone[..3]}-{borrower.Phone[3..7]}-{borrower.Phone[7..]}";
        switch (progress.Stage)
        {
            case ApplicationStage.NeedsCorrection:
                // The partner re-keys every flagged field from the paper form, spelling ID and phone as people do.
                var values = new Dictionary<string, string>(borrower.Form)
                {
                    ["idNumber"] = borrower.IdNumber,
                    ["phone"] = $"{borrower.Phone[..3]} {borrower.Phone[3..7]} {borrower.Phone[7..]}",
                };
                var flagged = (progress.Errors ?? []).Select(e => e.Field).Distinct().Where(values.ContainsKey).ToDictionary(f => f, f => values[f]);
                await PostJsonAsync(ApiRoles.Partner, "MFI001", $"/api/applications/{id}/corrections", new { fields = flagged }, ct);
                break;
            case ApplicationStage.AwaitingPreCheck:
                using (var client = _host.Client(ApiRoles.VillagePartner, "VP-WANG"))
                {
                    using var form = new MultipartFormDataContent
                    {
                        { new StringContent("true"), "approve" },
                        { new StringContent("true"), "identitySeen" },
                        { new StringContent("true"), "householdRegisterSeen" },
                        { new StringContent("true"), "homesteadCertificateSeen" },
                        { new StringContent($"{borrower.Name} 身份证 {fullWidthId} 已核对，电话 {dashedPhone}"), "remarks" },
                    };
                    using var response = await client.PostAsync($"/api/applications/{id}/precheck", form, ct);
                    Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"pre-check of {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
                break;
            case ApplicationStage.Declined when progress.WaitingUntilUtc is not null:
                await PostJsonAsync(ApiRoles.Partner, "MFI001", $"/api/applications/{id}/review-request",
                    new { reason = $"{borrower.Name}（{spacedId}，{dashedPhone}）已还清旧欠款" }, ct);
                break;
            case ApplicationStage.AwaitingContract:
                // The village partner's app shows the borrower the contract and collects the acceptance.
                using (var client = _host.Client(ApiRoles.VillagePartner, "VP-WANG"))
                {
                    using var contract = await client.GetAsync($"/api/applications/{id}/contract", ct);
                    Assert.True(contract.StatusCode == HttpStatusCode.OK, $"contract of {id}: {(int)contract.StatusCode}");
                    var hash = contract.Headers.GetValues("X-Contract-Sha256").Single();
                    await PostJsonAsync(ApiRoles.VillagePartner, "VP-WANG", $"/api/applications/{id}/contract/acceptance", new { contractSha256 = hash }, ct);
                }
                break;
            case ApplicationStage.AwaitingHumanReview:
                await PostJsonAsync(ApiRoles.Operator, "oscar", $"/api/applications/{id}/review",
                    new { approve = false, note = $"与 {borrower.Name} 电话 {borrower.Phone} 核实，身份证 {borrower.IdNumber[..6]}-{borrower.IdNumber[6..14]}-{borrower.IdNumber[14..]} 仍在名单上" }, ct);
                break;
        }
    }

    private async Task PostJsonAsync<T>(string role, string subject, string path, T body, CancellationToken ct)
    {
        using var client = _host.Client(role, subject);
        using var response = await client.PostAsJsonAsync(path, body, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>One borrower per file type the edge accepts, each with its own ID, phone and name.</summary>
    private static List<Borrower> Borrowers() =>
    [
        NewBorrower("text PDF", null, null, 0, ApiForms.TextPdf),
        NewBorrower("PNG scan", null, null, 1, ApiForms.CleanScan),
        NewBorrower("JPEG scan", null, null, 2, values => Reencode(ApiForms.CleanScan(values), SKEncodedImageFormat.Jpeg)),
        NewBorrower("TIFF scan", null, null, 3, values => GrayTiff(ApiForms.CleanScan(values))),
        NewBorrower("image-only PDF", null, null, 4, values => FormImages.ImageOnlyPdf(Reencode(ApiForms.CleanScan(values), SKEncodedImageFormat.Jpeg))),
    ];

    private static Borrower NewBorrower(string fileType, string? name, string? idStem, int index, Func<IReadOnlyDictionary<string, string>, byte[]> render)
    {
        name ??= Surnames[index % Surnames.Length] + GivenNames[index % GivenNames.Length];
        idStem ??= ApiForms.NewIdStem();
        var form = DemoSamples.Household(name, idStem, "4", "8", "水稻种植", "30000", "12", "购买化肥种子", "等额本息", "柳树村", "安定镇",
            DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var idNumber = form["idNumber"];
        var phone = form["phone"];
        // The form itself spells the phone the way many partners print it.
        var printed = new Dictionary<string, string>(form) { ["phone"] = index % 2 == 0 ? $"{phone[..3]}-{phone[3..7]}-{phone[7..]}" : $"{phone[..3]} {phone[3..7]} {phone[7..]}" };
        return new Borrower(fileType, name, idNumber, phone, form, render(printed));
    }

    /// <summary>Lower-cases, folds full-width forms (NFKC) and drops spaces, hyphens and mask stars so any spelling matches.</summary>
    private static string Flatten(string line)
    {
        var normal = line.Normalize(NormalizationForm.FormKC);
        var builder = new StringBuilder(normal.Length);
        foreach (var c in normal)
        {
            if (!char.IsWhiteSpace(c) && c is not ('-' or '*' or '_'))
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    private static byte[] Reencode(byte[] png, SKEncodedImageFormat format)
    {
        using var bitmap = SKBitmap.Decode(png);
        using var data = bitmap.Encode(format, 85);
        return data.ToArray();
    }

    /// <summary>An uncompressed 8-bit grayscale baseline TIFF, the way a flatbed scanner's "TIFF, no compression" setting writes it.</summary>
    private static byte[] GrayTiff(byte[] png)
    {
        using var decoded = SKBitmap.Decode(png);
        using var gray = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(gray))
        {
            using var image = SKImage.FromBitmap(decoded);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }
        var pixels = gray.GetPixelSpan().ToArray();
        var (width, height) = (gray.Width, gray.Height);
        (ushort Tag, ushort Type, uint Value)[] entries =
        [
            (256, 4, (uint)width), (257, 4, (uint)height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 0), (277, 3, 1), (278, 4, (uint)height), (279, 4, (uint)pixels.Length),
        ];
        var ifdSize = 2 + (entries.Length * 12) + 4;
        var dataOffset = (uint)(8 + ifdSize);
        var tiff = new byte[dataOffset + pixels.Length];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), (ushort)entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var at = 10 + (i * 12);
            var (tag, type, value) = entries[i];
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), 1);
            var field = tag == 273 ? dataOffset : value;
            if (type == 3)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 8), (ushort)field);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), field);
            }
        }
        pixels.CopyTo(tiff.AsSpan((int)dataOffset));
        return tiff;
    }
}
