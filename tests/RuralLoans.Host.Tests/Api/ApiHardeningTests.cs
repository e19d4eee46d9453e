using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RuralLoans.Host.Api;
using RuralLoans.Host.Auth;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Api;

/// <summary>The API fails closed: no development sign-in on real accounts, bounded tokens, rate limits, no caching.</summary>
public sealed class ApiHardeningTests(DevServicesFixture services) : IAsyncLifetime
{
    private ApiHost _host = null!;

    public async ValueTask InitializeAsync() =>
        _host = await ApiHost.StartAsync(services, TestContext.Current.CancellationToken, limits: new ApiRateLimitOptions(UploadsPerMinute: 2, ActionsPerMinute: 50));

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_host_refuses_to_start_on_real_accounts_without_an_identity_authority()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(ApiHost.RepositoryRoot, "src", "RuralLoans.Host", "bin", "Debug", "net10.0", "RuralLoans.Host.dll"));
        start.Environment["RURALLOANS_ROOT"] = ApiHost.RepositoryRoot;
        start.Environment["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountName=ruralloansprod;AccountKey=Zm9vYmFy;EndpointSuffix=core.windows.net";
        start.Environment["CosmosDbConnection"] = "AccountEndpoint=https://ruralloans-prod.documents.azure.com:443/;AccountKey=Zm9vYmFy;";
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Auth__Authority", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_valid_for_ten_years_is_refused_even_when_correctly_signed()
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTime.UtcNow;
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevTokenIssuer.Issuer,
            Audience = DevTokenIssuer.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddYears(10),
            Claims = new Dictionary<string, object> { ["sub"] = "oscar", [ApiAuthentication.RoleClaim] = new[] { ApiRoles.Operator } },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_host.SigningKey), SecurityAlgorithms.HmacSha256),
        });
        using var client = _host.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);

        using var response = await client.GetAsync("/api/operations/instances", ct);
        using var fair = _host.Client(ApiRoles.Operator, "oscar");
        using var answered = await fair.GetAsync("/api/operations/instances", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task Every_api_answer_is_uncacheable_and_never_sniffed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = _host.Client();
        using var partner = _host.Client(ApiRoles.Partner, "MFI001");

        foreach (var response in new[]
        {
            await anonymous.GetAsync("/api/applications", ct),
            await partner.GetAsync("/api/products", ct),
            await partner.GetAsync("/api/applications/MFI001-nosuchapplication00", ct),
        })
        {
            using (response)
            {
                Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            }
        }
    }

    [Fact]
    public async Task Uploads_past_the_callers_limit_get_429_with_retry_after_and_other_partners_keep_theirs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var partner = _host.Client(ApiRoles.Partner, "MFI002");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await partner.PostAsync("/api/applications", ApiHost.Upload(ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem()))), ct);
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says when to come back");
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                Assert.Equal("too-many-requests", problem.GetProperty("code").GetString());
            }
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], answers);
        // Another partner has its own allowance.
        using var other = _host.Client(ApiRoles.Partner, "MFI001");
        using var theirs = await other.PostAsync("/api/applications", ApiHost.Upload(ApiForms.TextPdf(ApiForms.Household(ApiForms.NewIdStem()))), ct);
        Assert.Equal(HttpStatusCode.Created, theirs.StatusCode);
    }
}
