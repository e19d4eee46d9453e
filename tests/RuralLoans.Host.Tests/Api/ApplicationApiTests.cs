using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RuralLoans.Host.Api;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Api;

/// <summary>What each role sees of an application, and that resident ID and phone never leak into answers, logs or traces.</summary>
public sealed class ApplicationApiTests(DevServicesFixture services) : IAsyncLifetime
{
    private ApiHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ApiHost.StartAsync(services, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_submitting_partner_sees_the_resident_id_and_phone_and_everyone_else_sees_them_masked()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = ApiForms.Household(ApiForms.NewIdStem());
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(household), "farm-acquaintance", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.AwaitingPreCheck, ct);
        var idNumber = household["idNumber"];
        var phone = household["phone"];

        var own = await Get(ApiRoles.Partner, "MFI001", $"/api/applications/{id}");
        Assert.Equal(idNumber, own.GetProperty("fields").GetProperty("idNumber").GetString());
        Assert.Equal(phone, own.GetProperty("fields").GetProperty("phone").GetString());
        Assert.Equal("AwaitingPreCheck", own.GetProperty("stage").GetString());
        Assert.Equal(2, own.GetProperty("step").GetInt32());

        foreach (var (role, subject) in new[] { (ApiRoles.VillagePartner, "VP-WANG"), (ApiRoles.Auditor, "audrey"), (ApiRoles.Operator, "oscar") })
        {
            var seen = await Get(role, subject, $"/api/applications/{id}");
            Assert.Equal(idNumber[..6] + "********" + idNumber[^4..], seen.GetProperty("fields").GetProperty("idNumber").GetString());
            Assert.Equal(phone[..3] + "****" + phone[^4..], seen.GetProperty("fields").GetProperty("phone").GetString());
            Assert.Equal("刘建华", seen.GetProperty("fields").GetProperty("applicantName").GetString());
        }
        // The decisions (in Cosmos) hold the form, shown masked; the task hub's history holds no personal data at all.
        var decisions = (await Get(ApiRoles.Auditor, "audrey", $"/api/applications/{id}/decisions")).GetRawText();
        Assert.DoesNotContain(idNumber, decisions, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, decisions, StringComparison.Ordinal);
        Assert.Contains(idNumber[..6] + "********" + idNumber[^4..], decisions, StringComparison.Ordinal);
        var historyText = (await Get(ApiRoles.Auditor, "audrey", $"/api/applications/{id}/history")).GetRawText();
        Assert.DoesNotContain(idNumber[..6], historyText, StringComparison.Ordinal);
        Assert.DoesNotContain(phone[^4..], historyText, StringComparison.Ordinal);
        var history = await Get(ApiRoles.Auditor, "audrey", $"/api/applications/{id}/history");
        Assert.True(history.GetProperty("chainIntact").GetBoolean());
        Assert.Contains(history.GetProperty("events").EnumerateArray(), e => e.GetProperty("name").GetString() == "DocumentOcr" && e.GetProperty("type").GetString() == "TaskCompleted");
    }

    [Fact]
    public async Task Lists_hold_only_what_each_role_may_see_and_page_with_a_continuation_token()
    {
        var ct = TestContext.Current.CancellationToken;
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add(await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())), "farm-acquaintance", ct));
        }
        var theirs = await _host.SubmitAsync("MFI002", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())), "farm-acquaintance", ct);
        foreach (var id in mine.Append(theirs))
        {
            await _host.WaitForStageAsync(id, ApplicationStage.AwaitingPreCheck, ct);
        }

        var firstPage = await Get(ApiRoles.Partner, "MFI001", "/api/applications?pageSize=2");
        var token = firstPage.GetProperty("continuationToken").GetString();
        Assert.NotNull(token);
        var secondPage = await Get(ApiRoles.Partner, "MFI001", $"/api/applications?pageSize=2&continuationToken={Uri.EscapeDataString(token)}");
        var partnerSees = Ids(firstPage).Concat(Ids(secondPage)).ToList();
        Assert.Equal(mine.Order(), partnerSees.Order());
        var item = firstPage.GetProperty("items")[0];
        Assert.Equal("刘建华", item.GetProperty("applicantName").GetString());
        Assert.Equal("柳树村", item.GetProperty("village").GetString());
        Assert.Equal(30000m, item.GetProperty("requestedAmountYuan").GetDecimal());

        Assert.Equal([theirs], Ids(await Get(ApiRoles.Partner, "MFI002", "/api/applications")));
        Assert.Equal(mine.Append(theirs).Order(), Ids(await Get(ApiRoles.VillagePartner, "VP-WANG", "/api/applications?pageSize=100")).Order());
        Assert.Empty(Ids(await Get(ApiRoles.VillagePartner, "VP-LI", "/api/applications")));
        Assert.Equal([theirs], Ids(await Get(ApiRoles.Auditor, "audrey", "/api/applications?partnerId=MFI002")));
        Assert.Empty(Ids(await Get(ApiRoles.Operator, "oscar", "/api/applications?stage=Disbursed")));

        static IEnumerable<string> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("applicationId").GetString()!);
    }

    [Fact]
    public async Task Resident_id_and_phone_sent_in_a_correction_never_reach_the_logs_or_traces()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = ApiForms.Household(ApiForms.NewIdStem());
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.WithWrongCheckCharacter(household)), "farm-310", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, ct);
        var tags = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => tags.Enqueue($"{activity.DisplayName} {string.Join(" ", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(" ", activity.Events.Select(e => e.Name))}"),
        };
        ActivitySource.AddActivityListener(listener);

        using var client = _host.Client(ApiRoles.Partner, "MFI001");
        using var response = await client.PostAsJsonAsync($"/api/applications/{id}/corrections",
            new { fields = new Dictionary<string, string> { ["idNumber"] = household["idNumber"], ["phone"] = household["phone"] } }, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // The borrower accepts the contract, so the application runs to its end.
        var borrower = _host.Runtime.AcceptContractWhenOfferedAsync(id, TimeSpan.FromSeconds(60), ct);
        await _host.Runtime.Client.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), ct);
        await borrower;

        var logs = string.Join(Environment.NewLine, _host.Logs.Lines);
        // Field names are logged, their values never (not even masked).
        Assert.Contains($"corrected fields idNumber, phone of {id}", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(PersonalData.MaskResidentId(household["idNumber"]), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(PersonalData.MaskPhone(household["phone"]), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(household["idNumber"], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(household["phone"], logs, StringComparison.Ordinal);
        Assert.NotEmpty(tags);
        Assert.DoesNotContain(tags, t => t.Contains(household["idNumber"], StringComparison.Ordinal) || t.Contains(household["phone"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_decline_still_open_for_review_shows_its_score_and_reasons_to_the_partner()
    {
        var ct = TestContext.Current.CancellationToken;
        // A blacklisted resident ID: scoring declines it automatically, so the borrower may still ask for a review.
        var id = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household("43062619850712551")), "farm-310", ct);
        await _host.WaitForStageAsync(id, ApplicationStage.Declined, ct);

        var seen = await Get(ApiRoles.Partner, "MFI001", $"/api/applications/{id}");
        Assert.Equal("Declined", seen.GetProperty("stage").GetString());
        Assert.Equal("Running", seen.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, seen.GetProperty("waitingUntilUtc").ValueKind);
        var outcome = seen.GetProperty("outcome");
        Assert.Equal(JsonValueKind.Number, outcome.GetProperty("score").ValueKind);
        Assert.NotEmpty(outcome.GetProperty("reasons").EnumerateArray());
        Assert.All(outcome.GetProperty("reasons").EnumerateArray(), r => Assert.False(string.IsNullOrEmpty(r.GetProperty("code").GetString())));
    }

    [Fact]
    public async Task Lenders_and_products_are_listed_for_any_signed_in_role()
    {
        var lenders = await Get(ApiRoles.VillagePartner, "VP-LI", "/api/lenders");
        var products = await Get(ApiRoles.Partner, "MFI002", "/api/products");
        Assert.Contains(lenders.EnumerateArray(), l => l.GetProperty("id").GetString() == "BANK-RCB");
        Assert.Equal(["farm-310", "farm-acquaintance"], products.EnumerateArray().Select(p => p.GetProperty("code").GetString()));
        // A borrower may ask for a person to look again at an automated decline for 15 days on every product.
        Assert.All(products.EnumerateArray(), p => Assert.Equal(15 * 24, p.GetProperty("declineReviewWindowHours").GetDouble()));
        var openApi = await _host.Client().GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/applications/{id}/corrections", out _));
    }

    private async Task<JsonElement> Get(string role, string subject, string path)
    {
        using var client = _host.Client(role, subject);
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} as {role} {subject}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
