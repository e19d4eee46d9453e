using System.Text.Json;
using Microsoft.Playwright;
using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Extraction;
using static Microsoft.Playwright.Assertions;

namespace RuralLoans.Host.Tests.Portal;

/// <summary>
/// A working day in the portal, in a real Chromium against the real host and pipeline: a partner uploads and follows
/// applications and fixes one the validator sent back, a village partner approves a pre-check on a phone, an operator
/// approves a referral, and an auditor reads the timeline, the score chart and replays the audit.
/// </summary>
public sealed class PortalWorkingDayTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    private const float Pipeline = 180_000;

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private sealed record DemoCase(string Name, string File, string Partner, string Product, string ExpectedStage, Dictionary<string, string> Truth);

    private sealed record CasesFile(List<DemoCase> Cases);

    private static List<DemoCase> Cases { get; } = JsonSerializer.Deserialize<CasesFile>(
        File.ReadAllText(Path.Combine(PortalFixture.Samples, "cases.json")), WebJson)!.Cases;

    private static DemoCase Case(string file) => Cases.Single(c => c.File == file);

    [Fact]
    public async Task A_partner_drops_a_form_on_the_page_and_watches_it_go_through_the_five_steps_to_Disbursed()
    {
        var demo = Case("01-approved-310.png");
        var page = await portal.NewPageAsync();
        await SignInAsync(page, "partner", demo.Partner);
        var rows = page.Locator("#applications tbody tr");
        await Expect(page.Locator("#product option")).Not.ToHaveCountAsync(0);
        var before = await rows.CountAsync();

        // A file that is not a form is refused with the API's reason, shown on the page, and nothing is added.
        await DropFileAsync(page, "notes.png", "text/plain", "this is not an image"u8.ToArray());
        await page.SelectOptionAsync("#product", demo.Product);
        await page.ClickAsync("#upload-button");
        await Expect(page.GetByTestId("error")).ToContainTextAsync("unsupported-file-type");
        await page.ClickAsync("#refresh");
        await Expect(rows).ToHaveCountAsync(before);

        await DropFileAsync(page, demo.File, "image/png", await File.ReadAllBytesAsync(Path.Combine(PortalFixture.Samples, demo.File), TestContext.Current.CancellationToken));
        await Expect(page.Locator("#chosen")).ToContainTextAsync(demo.File);
        await page.ClickAsync("#upload-button");
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("已受理");

        // Progress is followed live: the stage line moves on and every step ends ticked.
        var stepper = page.GetByTestId("stepper");
        await Expect(stepper.Locator("li")).ToHaveCountAsync(5);
        // The borrower reads the contract on the partner's page and accepts it there.
        await Expect(page.Locator("#accept-contract")).ToBeVisibleAsync(new() { Timeout = Pipeline });
        await Expect(page.Locator("#contract-hash")).Not.ToBeEmptyAsync();
        await page.ClickAsync("#accept-contract");
        await Expect(page.Locator("#detail-stage [data-stage]")).ToHaveAttributeAsync("data-stage", "Disbursed", new() { Timeout = Pipeline });
        await Expect(stepper.Locator("li.done")).ToHaveCountAsync(5);
        await Expect(page.Locator("#detail-name")).ToHaveTextAsync(demo.Truth["applicantName"]);
        await Expect(page.GetByTestId("outcome")).ToContainTextAsync("放款编号");
        await Expect(rows).ToHaveCountAsync(before + 1);
        await Expect(page.Locator("#applications tr.selected")).ToContainTextAsync("已放款");
        await PortalFixture.SaveScreenshotAsync(page, "partner", forReadme: true);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_partner_corrects_the_field_the_validator_flagged_and_the_application_goes_on_to_Disbursed()
    {
        var ct = TestContext.Current.CancellationToken;
        var demo = Case("04-needs-correction.png");
        var id = await portal.SubmitAsync(demo.Partner, demo.Product, await File.ReadAllBytesAsync(Path.Combine(PortalFixture.Samples, demo.File), ct), demo.File, ct);
        await portal.WaitForStageAsync(id, "NeedsCorrection", ct);
        var waiting = await portal.GetApplicationAsync(id, ct, "partner", demo.Partner);
        var errors = waiting.GetProperty("errors").EnumerateArray().Select(e => (Field: e.GetProperty("field").GetString()!, Code: e.GetProperty("code").GetString()!)).ToList();
        var flagged = errors.Select(e => e.Field).Distinct().ToList();
        // Fields OCR only doubts (ocr.unsure) may be right: the partner confirms them; the rest failed a check.
        var wrong = errors.Where(e => e.Code != "ocr.unsure").Select(e => e.Field).ToHashSet();
        Assert.Contains("idNumber", wrong);

        var page = await portal.NewPageAsync();
        await SignInAsync(page, "partner", demo.Partner);
        await page.ClickAsync($"#applications tr[data-application-id='{id}']");
        var form = page.Locator("#correction-form");
        await Expect(form).ToBeVisibleAsync();
        foreach (var field in flagged)
        {
            // Prefilled with what was read, so the partner sees what is wrong, and marked with the validator's message.
            var input = form.Locator($"input[name='{field}']");
            await Expect(input).ToHaveValueAsync(waiting.GetProperty("fields").GetProperty(field).GetString() ?? "");
            if (wrong.Contains(field))
            {
                await Expect(input).Not.ToHaveValueAsync(demo.Truth[field]);
            }
            await input.FillAsync(demo.Truth[field]);
        }
        await Expect(form.Locator(".field-error")).Not.ToHaveCountAsync(0);
        await PortalFixture.SaveScreenshotAsync(page, "partner-correction");
        await page.ClickAsync("#send-correction");
        await Expect(page.GetByTestId("notice")).ToBeVisibleAsync();
        await Expect(form).ToBeHiddenAsync();
        // The borrower reads the contract on the partner's page and accepts it there.
        await Expect(page.Locator("#accept-contract")).ToBeVisibleAsync(new() { Timeout = Pipeline });
        await Expect(page.Locator("#contract-hash")).Not.ToBeEmptyAsync();
        await page.ClickAsync("#accept-contract");
        await Expect(page.Locator("#detail-stage [data-stage]")).ToHaveAttributeAsync("data-stage", "Disbursed", new() { Timeout = Pipeline });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_partner_sees_why_an_automated_decline_was_made_and_asks_for_a_human_review()
    {
        var demo = Case("02-declined-blacklist.pdf");
        var page = await portal.NewPageAsync();
        await SignInAsync(page, "partner", demo.Partner);
        await Expect(page.Locator("#product option")).Not.ToHaveCountAsync(0);
        await DropFileAsync(page, demo.File, "application/pdf", await File.ReadAllBytesAsync(Path.Combine(PortalFixture.Samples, demo.File), TestContext.Current.CancellationToken));
        await page.SelectOptionAsync("#product", demo.Product);
        await page.ClickAsync("#upload-button");

        // The decline is shown with its reasons while the review window is open, and the page offers the review.
        await Expect(page.Locator("#detail-stage [data-stage]")).ToHaveAttributeAsync("data-stage", "Declined", new() { Timeout = Pipeline });
        await Expect(page.GetByTestId("outcome").Locator("ul.reasons li")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("#review-request-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#review-request-help")).ToContainTextAsync("人工复核");
        await page.FillAsync("#review-request-reason", "借款人称黑名单记录已结清");
        await page.ClickAsync("#send-review-request");
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("已申请复核");
        await Expect(page.Locator("#detail-stage [data-stage]")).ToHaveAttributeAsync("data-stage", "AwaitingHumanReview", new() { Timeout = Pipeline });
        await Expect(page.Locator("#review-request-form")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_village_partner_on_a_phone_approves_a_thin_file_pre_check_with_a_photo()
    {
        var ct = TestContext.Current.CancellationToken;
        var demo = Case("05-acquaintance-precheck.pdf");
        var id = await portal.SubmitAsync(demo.Partner, demo.Product, await File.ReadAllBytesAsync(Path.Combine(PortalFixture.Samples, demo.File), ct), demo.File, ct);
        await portal.WaitForStageAsync(id, "AwaitingPreCheck", ct);

        var page = await portal.NewPageAsync(390, 844, isMobile: true);
        await SignInAsync(page, "village-partner", "VP-WANG");
        var tile = page.Locator($"button.tile[data-application-id='{id}']");
        await Expect(tile).ToContainTextAsync(demo.Truth["applicantName"]);
        await tile.ClickAsync();

        await Expect(page.Locator("#check-name")).ToHaveTextAsync(demo.Truth["applicantName"]);
        var photos = page.Locator("#photos");
        await Expect(photos).ToHaveAttributeAsync("accept", "image/*");
        await Expect(photos).ToHaveAttributeAsync("capture", "environment");
        await page.CheckAsync("#identity-seen");
        await page.CheckAsync("#household-register-seen");
        await page.CheckAsync("#homestead-certificate-seen");
        await photos.SetInputFilesAsync(Path.Combine(PortalFixture.Samples, "precheck-cattle-shed.jpg"));
        await Expect(page.Locator("#thumbnails img")).ToHaveCountAsync(1);
        await page.FillAsync("#remarks", "认识王德明一家，牛棚和承包地已看过");
        // The page fits the phone: nothing wider than the screen.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the village page scrolls sideways on a 390 px phone");
        await PortalFixture.SaveScreenshotAsync(page, "village", forReadme: true);

        await page.ClickAsync("#approve");
        await Expect(page.GetByTestId("notice")).ToBeVisibleAsync();
        await Expect(page.Locator("#list-view")).ToBeVisibleAsync();
        await Expect(tile).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await portal.AcceptContractAsync(id, demo.Partner, ct);
        await portal.WaitForStageAsync(id, "Disbursed", ct);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_operator_approves_a_referred_application_from_the_review_queue()
    {
        var ct = TestContext.Current.CancellationToken;
        var demo = Case("03-referred-review.pdf");
        var id = await portal.SubmitAsync(demo.Partner, demo.Product, await File.ReadAllBytesAsync(Path.Combine(PortalFixture.Samples, demo.File), ct), demo.File, ct);
        await portal.WaitForStageAsync(id, "AwaitingHumanReview", ct);

        var page = await portal.NewPageAsync();
        await SignInAsync(page, "operator", "OP-01");
        var row = page.Locator($"#review-queue tr[data-application-id='{id}']");
        await Expect(row).ToContainTextAsync(demo.Truth["applicantName"]);
        await row.Locator("input.note-input").FillAsync("收入稳定，同意放款");
        await Expect(page.Locator("#failed")).ToBeVisibleAsync();
        await PortalFixture.SaveScreenshotAsync(page, "operator", forReadme: true);

        await row.Locator("button[data-action='approve']").ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync(id);
        await Expect(row).ToHaveCountAsync(0);
        await portal.AcceptContractAsync(id, demo.Partner, ct);
        await portal.WaitForStageAsync(id, "Disbursed", ct);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_auditor_reads_the_timeline_and_score_chart_and_the_replay_verifies_every_step()
    {
        var ct = TestContext.Current.CancellationToken;
        // A household of its own, so no other test's loan counts as this applicant's existing debt.
        var household = DemoSamples.Household("赵春梅", "43062619790605" + Random.Shared.Next(100, 999), "4", "10", "水稻种植", "30000", "12", "购买化肥种子", "等额本息",
            "柳树村", "安定镇", DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        var pdf = new FormImages(new FormRenderer(FormFonts.Load("Noto Sans CJK SC"))).TextPdf(DemoSamples.Values(household), FormLayout.LabelValueLines, asciiColon: false);
        var id = await portal.SubmitAsync("MFI002", "farm-310", pdf, "zhao.pdf", ct);
        await portal.AcceptContractAsync(id, "MFI002", ct);
        await portal.WaitForStageAsync(id, "Disbursed", ct);

        var page = await portal.NewPageAsync(1440, 1000);
        await SignInAsync(page, "auditor", "AUD-01");
        await page.FillAsync("#open-id", id);
        await page.ClickAsync("#open-form button[type=submit]");

        await Expect(page.Locator("#summary-id")).ToHaveTextAsync(id);
        var events = page.Locator("#timeline li.event");
        await Expect(events.First).ToBeVisibleAsync();
        Assert.True(await events.CountAsync() >= 10, "the timeline shows every history event of a five-step application");
        await Expect(page.Locator("#timeline")).ToContainTextAsync("DataScoring");
        await Expect(page.Locator("#timeline .payload").First).ToBeAttachedAsync();

        var chart = page.GetByTestId("score-chart");
        await Expect(chart).ToBeVisibleAsync();
        var points = await chart.Locator("text.value").AllTextContentsAsync();
        Assert.True(points.Count >= 3, "the score chart has a bar per scorecard feature");
        Assert.All(points, p => Assert.True(double.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out _), $"a bar is labelled '{p}', not a number of points"));
        await Expect(page.GetByTestId("split-table").Locator("tbody tr")).Not.ToHaveCountAsync(0);

        // The card of the very model version the decision names, with its age justification.
        var cardLink = page.GetByTestId("model-card");
        await Expect(cardLink).ToHaveAttributeAsync("href", "/models/rural-household/1.0.0/card.txt");
        var card = await page.APIRequest.GetAsync((await cardLink.GetAttributeAsync("href"))!);
        Assert.True(card.Ok, $"the model card link answers {card.Status}");
        var cardText = await card.TextAsync();
        Assert.Contains("# Model card: rural-household 1.0.0", cardText, StringComparison.Ordinal);
        Assert.Contains("Age is used (age). Justification:", cardText, StringComparison.Ordinal);

        await page.ClickAsync("#replay");
        var verdict = page.GetByTestId("verdict");
        await Expect(verdict.Locator(".verdict")).ToHaveAttributeAsync("data-verified", "true", new() { Timeout = 60_000 });
        await Expect(verdict.Locator("tbody tr")).Not.ToHaveCountAsync(0);
        await Expect(verdict.Locator("tr.bad")).ToHaveCountAsync(0);
        await Expect(verdict.Locator("td.mark").First).ToHaveTextAsync("✓");
        await PortalFixture.SaveScreenshotAsync(page, "auditor", forReadme: true);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_language_toggle_switches_the_page_between_Chinese_and_English_and_both_dictionaries_have_every_key()
    {
        var page = await portal.NewPageAsync();
        await SignInAsync(page, "partner", "MFI001");
        var heading = page.Locator("h2[data-i18n='partner.upload']");
        await Expect(heading).ToHaveTextAsync("上传申请表");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");

        await page.ClickAsync("#language-toggle");
        await Expect(heading).ToHaveTextAsync("Upload an application form");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByTestId("who")).ToHaveTextAsync("Microfinance partner: MFI001");
        // The choice is remembered on the next page.
        await page.ReloadAsync();
        await Expect(heading).ToHaveTextAsync("Upload an application form");

        await page.ClickAsync("#language-toggle");
        await Expect(heading).ToHaveTextAsync("上传申请表");

        var missing = await page.EvaluateAsync<string[]>("""
            async () => {
              const zh = (await import("/i18n/zh.js")).default;
              const en = (await import("/i18n/en.js")).default;
              return [...Object.keys(zh).filter(k => !(k in en)).map(k => "en lacks " + k), ...Object.keys(en).filter(k => !(k in zh)).map(k => "zh lacks " + k)];
            }
            """);
        Assert.Empty(missing);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_page_for_another_role_sends_the_visitor_back_to_sign_in()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/auditor.html");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/(index\\.html)?$"));
        await SignInAsync(page, "village-partner", "VP-LI");
        await page.GotoAsync("/operator.html");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/village\\.html$"));
        await page.Context.CloseAsync();
    }

    private static async Task SignInAsync(IPage page, string role, string subject)
    {
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#role", role);
        await page.FillAsync("#subject", subject);
        await page.ClickAsync("#signin-submit");
        await Expect(page.GetByTestId("who")).ToContainTextAsync(subject);
    }

    /// <summary>Drops a file on the drop zone the way a browser does when a file is dragged onto it from the desktop.</summary>
    private static async Task DropFileAsync(IPage page, string name, string type, byte[] content)
    {
        var dataTransfer = await page.EvaluateHandleAsync("""
            ([name, type, base64]) => {
              const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], name, { type }));
              return transfer;
            }
            """, new object[] { name, type, Convert.ToBase64String(content) });
        await page.DispatchEventAsync("#drop-zone", "dragenter", new { dataTransfer });
        await page.DispatchEventAsync("#drop-zone", "drop", new { dataTransfer });
    }
}
