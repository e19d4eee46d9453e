using System.Net;
using System.Net.Http.Json;
using RuralLoans.Host.Auth;
using RuralLoans.Host.Tests.Api;
using RuralLoans.Pipeline;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Auth;

/// <summary>
/// Every role against every endpoint on a live host, including another partner's application and a village partner
/// outside its villages. The matrix is data: an endpoint the host maps without rows here fails the test.
/// </summary>
public sealed class AuthorizationMatrixTests(DevServicesFixture services) : IAsyncLifetime
{
    private ApiHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ApiHost.StartAsync(services, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private sealed record Caller(string Label, string? Role, string? Subject);

    private static readonly Caller Anonymous = new("anonymous", null, null);
    private static readonly Caller Mfi001 = new("partner MFI001", ApiRoles.Partner, "MFI001");
    private static readonly Caller Mfi002 = new("partner MFI002", ApiRoles.Partner, "MFI002");
    private static readonly Caller VpWang = new("village partner VP-WANG", ApiRoles.VillagePartner, "VP-WANG");
    private static readonly Caller VpLi = new("village partner VP-LI (other villages)", ApiRoles.VillagePartner, "VP-LI");
    private static readonly Caller Auditor = new("auditor", ApiRoles.Auditor, "audrey");
    private static readonly Caller Operator = new("operator", ApiRoles.Operator, "oscar");
    private static readonly Caller[] Everyone = [Anonymous, Mfi001, Mfi002, VpWang, VpLi, Auditor, Operator];

    /// <summary>The applications the requests act on, in the stage each endpoint needs.</summary>
    private sealed record Targets(string AwaitingPreCheck, string NeedsCorrection, string CorrectedId, string AwaitingReview, string OtherPartners, string DeclinedWithReviewWindow,
        string AwaitingContract, string ContractSha256);

    [Fact]
    public async Task Every_role_gets_exactly_what_it_may_on_every_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        var targets = await PrepareAsync(ct);

        // endpoint name → request, and the status each caller must get.
        var requests = new Dictionary<string, Func<HttpRequestMessage>>
        {
            ["GetHealth"] = () => new(HttpMethod.Get, "/healthz"),
            ["GetOpenApiDocument"] = () => new(HttpMethod.Get, "/openapi/v1.json"),
            ["CreateDevToken"] = () => new(HttpMethod.Post, "/api/dev/tokens") { Content = JsonContent.Create(new { role = "auditor", subject = "someone" }) },
            ["SubmitApplication"] = () => new(HttpMethod.Post, "/api/applications")
            {
                Content = ApiHost.Upload(ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem()))),
            },
            ["ListApplications"] = () => new(HttpMethod.Get, "/api/applications"),
            ["GetApplication"] = () => new(HttpMethod.Get, $"/api/applications/{targets.AwaitingPreCheck}"),
            ["CorrectApplication"] = () => new(HttpMethod.Post, $"/api/applications/{targets.NeedsCorrection}/corrections")
            {
                Content = JsonContent.Create(new { fields = new Dictionary<string, string> { ["idNumber"] = targets.CorrectedId } }),
            },
            ["PreCheckApplication"] = () => new(HttpMethod.Post, $"/api/applications/{targets.AwaitingPreCheck}/precheck")
            {
                Content = new MultipartFormDataContent
                {
                    { new StringContent("true"), "approve" }, { new StringContent("true"), "identitySeen" },
                    { new StringContent("true"), "householdRegisterSeen" }, { new StringContent("true"), "homesteadCertificateSeen" },
                    { new ByteArrayContent(Api.HostileInputs.HostileFiles.SmallPng()), "photos", "shed.png" },
                },
            },
            ["ReviewApplication"] = () => new(HttpMethod.Post, $"/api/applications/{targets.AwaitingReview}/review") { Content = JsonContent.Create(new { approve = true, note = "known household" }) },
            ["RequestHumanReview"] = () => new(HttpMethod.Post, $"/api/applications/{targets.DeclinedWithReviewWindow}/review-request") { Content = JsonContent.Create(new { reason = "the household repaid its last loan" }) },
            ["GetApplicationContract"] = () => new(HttpMethod.Get, $"/api/applications/{targets.AwaitingContract}/contract"),
            ["AcceptApplicationContract"] = () => new(HttpMethod.Post, $"/api/applications/{targets.AwaitingContract}/contract/acceptance") { Content = JsonContent.Create(new { contractSha256 = targets.ContractSha256 }) },
            ["GetApplicationHistory"] = () => new(HttpMethod.Get, $"/api/applications/{targets.AwaitingPreCheck}/history"),
            ["GetApplicationDecisions"] = () => new(HttpMethod.Get, $"/api/applications/{targets.AwaitingPreCheck}/decisions"),
            ["AuditApplication"] = () => new(HttpMethod.Get, $"/api/applications/{targets.AwaitingPreCheck}/audit"),
            ["ListInstances"] = () => new(HttpMethod.Get, "/api/operations/instances?status=Failed"),
            ["RetryInstance"] = () => new(HttpMethod.Post, $"/api/operations/instances/{targets.OtherPartners}/retry"),
            ["ListLenders"] = () => new(HttpMethod.Get, "/api/lenders"),
            ["ListProducts"] = () => new(HttpMethod.Get, "/api/products"),
        };

        const HttpStatusCode ok = HttpStatusCode.OK, created = HttpStatusCode.Created, accepted = HttpStatusCode.Accepted, conflict = HttpStatusCode.Conflict,
            unauthorized = HttpStatusCode.Unauthorized, forbidden = HttpStatusCode.Forbidden, hidden = HttpStatusCode.NotFound;
        var matrix = new Dictionary<string, HttpStatusCode[]>
        {
            //                                      anonymous     MFI001     MFI002     VP-WANG    VP-LI      auditor    operator
            ["GetHealth"] = [ok, ok, ok, ok, ok, ok, ok],
            ["GetOpenApiDocument"] = [ok, ok, ok, ok, ok, ok, ok],
            ["CreateDevToken"] = [ok, ok, ok, ok, ok, ok, ok],
            ["ListApplications"] = [unauthorized, ok, ok, ok, ok, ok, ok],
            ["GetApplication"] = [unauthorized, ok, hidden, ok, hidden, ok, ok],
            ["GetApplicationContract"] = [unauthorized, ok, hidden, hidden, hidden, ok, ok],
            ["GetApplicationHistory"] = [unauthorized, forbidden, forbidden, forbidden, forbidden, ok, ok],
            ["GetApplicationDecisions"] = [unauthorized, forbidden, forbidden, forbidden, forbidden, ok, ok],
            ["AuditApplication"] = [unauthorized, forbidden, forbidden, forbidden, forbidden, ok, forbidden],
            ["ListInstances"] = [unauthorized, forbidden, forbidden, forbidden, forbidden, forbidden, ok],
            ["RetryInstance"] = [unauthorized, forbidden, forbidden, forbidden, forbidden, forbidden, conflict],
            ["ListLenders"] = [unauthorized, ok, ok, ok, ok, ok, ok],
            ["ListProducts"] = [unauthorized, ok, ok, ok, ok, ok, ok],
            // Writes last: each succeeds for exactly one caller, after everyone else was refused.
            ["SubmitApplication"] = [unauthorized, created, created, forbidden, forbidden, forbidden, forbidden],
            ["CorrectApplication"] = [unauthorized, accepted, hidden, forbidden, forbidden, forbidden, forbidden],
            ["PreCheckApplication"] = [unauthorized, forbidden, forbidden, accepted, hidden, forbidden, forbidden],
            ["ReviewApplication"] = [unauthorized, forbidden, forbidden, forbidden, forbidden, forbidden, accepted],
            ["RequestHumanReview"] = [unauthorized, accepted, hidden, forbidden, forbidden, forbidden, forbidden],
            ["AcceptApplicationContract"] = [unauthorized, accepted, hidden, hidden, hidden, forbidden, forbidden],
        };

        var unlisted = _host.EndpointNames.Except(matrix.Keys).ToList();
        Assert.True(unlisted.Count == 0, $"Endpoints without a row in the authorization matrix: {string.Join(", ", unlisted)}");
        Assert.Empty(matrix.Keys.Except(_host.EndpointNames));

        var mismatches = new List<string>();
        foreach (var (endpoint, expected) in matrix)
        {
            // Refusals first, so the one caller allowed to write finds the application still waiting for it.
            var order = Everyone.Select((caller, index) => (caller, status: expected[index])).OrderBy(x => (int)x.status < 300 ? 1 : 0);
            foreach (var (caller, status) in order)
            {
                using var client = _host.Client(caller.Role, caller.Subject);
                using var request = requests[endpoint]();
                using var response = await client.SendAsync(request, ct);
                if (response.StatusCode != status)
                {
                    mismatches.Add($"{endpoint} as {caller.Label}: expected {(int)status}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
                else if ((int)status >= 400 && endpoint is not "GetHealth")
                {
                    var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct);
                    if (!problem.TryGetProperty("code", out _) || !problem.TryGetProperty("detail", out _))
                    {
                        mismatches.Add($"{endpoint} as {caller.Label}: {(int)status} without a problem code and reason");
                    }
                }
            }
        }
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_or_naming_two_roles_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var stranger = new DevTokenIssuer(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), TimeProvider.System);
        using var forged = _host.Client();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", stranger.Issue(ApiRoles.Operator, "mallory"));
        using var forgedResponse = await forged.GetAsync("/api/lenders", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedResponse.StatusCode);

        using var garbage = _host.Client();
        garbage.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        using var garbageResponse = await garbage.GetAsync("/api/lenders", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, garbageResponse.StatusCode);
    }

    private async Task<Targets> PrepareAsync(CancellationToken ct)
    {
        var preCheck = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())), "farm-acquaintance", ct);
        var household = ApiForms.Household(ApiForms.NewIdStem());
        var correction = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.WithWrongCheckCharacter(household)), "farm-310", ct);
        // No village partner covers 白沙村: a loan officer decides instead.
        var review = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem(), village: "白沙村")), "farm-acquaintance", ct);
        var other = await _host.SubmitAsync("MFI002", ApiForms.TextPdf(ApiForms.WithWrongCheckCharacter(ApiForms.Household(ApiForms.NewIdStem()))), "farm-310", ct);
        // A blacklisted resident is declined by the model alone, which leaves the review window open.
        var declined = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household("43062619850712551")), "farm-310", ct);
        var contract = await _host.SubmitAsync("MFI001", ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem())), "farm-310", ct);
        await _host.WaitForStageAsync(preCheck, ApplicationStage.AwaitingPreCheck, ct);
        await _host.WaitForStageAsync(correction, ApplicationStage.NeedsCorrection, ct);
        await _host.WaitForStageAsync(review, ApplicationStage.AwaitingHumanReview, ct);
        await _host.WaitForStageAsync(other, ApplicationStage.NeedsCorrection, ct);
        await _host.WaitForStageAsync(declined, ApplicationStage.Declined, ct);
        await _host.WaitForStageAsync(contract, ApplicationStage.AwaitingContract, ct);
        var offer = await _host.Runtime.Steps.Contracts.OfferedAsync(contract, ct);
        return new Targets(preCheck, correction, household["idNumber"], review, other, declined, contract, offer!.ContractSha256!);
    }
}
