using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace RuralLoans.Host.Tests.Portal;

/// <summary>One host and one browser for the portal tests, plus the API calls a test needs to set the scene.</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public static readonly string Samples = Path.Combine(PortalHost.RepositoryRoot, "samples", "demo");

    /// <summary>Screenshots kept as test artifacts; the final ones are also copied to docs/images for the README.</summary>
    public static readonly string ScreenshotDirectory = Path.Combine(PortalHost.RepositoryRoot, "TestResults", "portal");

    private PortalHost? _host;
    private PortalBrowser? _browser;
    private HttpClient? _http;

    public PortalHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public IBrowser Browser => (_browser ?? throw new InvalidOperationException("The browser has not started.")).Browser;

    private HttpClient Http => _http ?? throw new InvalidOperationException("The host has not started.");

    public async ValueTask InitializeAsync()
    {
        // The browser first: without Chromium there is no point starting the pipeline.
        _browser = await PortalBrowser.LaunchAsync();
        _host = await PortalHost.StartAsync(TestContext.Current.CancellationToken);
        _http = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        if (_host is not null)
        {
            // The host's log beside the screenshots: the first place to look when a portal test fails.
            await File.WriteAllTextAsync(Path.Combine(ScreenshotDirectory, "host.log"), _host.RecentOutput(int.MaxValue));
            await _host.DisposeAsync();
        }
    }

    /// <summary>A fresh browser context (its own sessionStorage) at the given viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1366, int height = 900, bool isMobile = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = isMobile,
            HasTouch = isMobile,
            DeviceScaleFactor = isMobile ? 2 : 1,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task<string> TokenAsync(string role, string subject, CancellationToken ct)
    {
        using var response = await Http.PostAsJsonAsync("/api/dev/tokens", new { role, subject }, ct);
        await EnsureSuccessAsync(response, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>Submits a form through the API as a partner would from their own system; returns the application id.</summary>
    public async Task<string> SubmitAsync(string partner, string productCode, byte[] content, string fileName, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        form.Add(new StringContent(productCode), "productCode");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/applications") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync("partner", partner, ct));
        using var response = await Http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("applicationId").GetString()!;
    }

    /// <summary>The application as the given person sees it (an auditor by default, who sees personal data masked).</summary>
    public async Task<JsonElement> GetApplicationAsync(string applicationId, CancellationToken ct, string role = "auditor", string subject = "AUD-TEST")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/applications/{Uri.EscapeDataString(applicationId)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(role, subject, ct));
        using var response = await Http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    /// <summary>
    /// Waits for the contract to be offered, reads it as the submitting partner's app does and records that the
    /// borrower accepted it, through the API.
    /// </summary>
    public async Task AcceptContractAsync(string applicationId, string partner, CancellationToken ct)
    {
        await WaitForStageAsync(applicationId, "AwaitingContract", ct);
        var token = await TokenAsync("partner", partner, ct);
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/api/applications/{Uri.EscapeDataString(applicationId)}/contract");
        get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var contract = await Http.SendAsync(get, ct);
        await EnsureSuccessAsync(contract, ct);
        Assert.Equal("application/pdf", contract.Content.Headers.ContentType?.MediaType);
        var hash = contract.Headers.GetValues("X-Contract-Sha256").Single();
        using var accept = new HttpRequestMessage(HttpMethod.Post, $"/api/applications/{Uri.EscapeDataString(applicationId)}/contract/acceptance")
        {
            Content = JsonContent.Create(new { contractSha256 = hash }),
        };
        accept.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var accepted = await Http.SendAsync(accept, ct);
        await EnsureSuccessAsync(accepted, ct);
    }

    /// <summary>Polls until the application reaches the stage (or ends elsewhere, which fails with where it ended).</summary>
    public async Task<JsonElement> WaitForStageAsync(string applicationId, string stage, CancellationToken ct, int seconds = 180)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var application = await GetApplicationAsync(applicationId, ct);
            last = application.GetProperty("stage").GetString();
            if (last == stage)
            {
                return application;
            }
            if (last is "Disbursed" or "Declined" or "Expired" or "Failed")
            {
                Assert.Fail($"Application {applicationId} ended {last}, not {stage}: {application}");
            }
            await Task.Delay(500, ct);
        }
        Assert.Fail($"Application {applicationId} is still {last} after {seconds} s, not {stage}.\nHost output:\n{Host.RecentOutput()}");
        return default;
    }

    /// <param name="forReadme">
    /// The final picture of a page: also copied to docs/images/portal-{name}.png when RURALLOANS_UPDATE_SCREENSHOTS=1
    /// (ids and times differ on every run, so an ordinary test run leaves the README's pictures alone).
    /// </param>
    public static async Task SaveScreenshotAsync(IPage page, string name, bool forReadme = false)
    {
        var path = Path.Combine(ScreenshotDirectory, $"portal-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        if (!forReadme || Environment.GetEnvironmentVariable("RURALLOANS_UPDATE_SCREENSHOTS") != "1")
        {
            return;
        }
        var docs = Path.Combine(PortalHost.RepositoryRoot, "docs", "images");
        Directory.CreateDirectory(docs);
        File.Copy(path, Path.Combine(docs, $"portal-{name}.png"), overwrite: true);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
