using Microsoft.Playwright;

namespace RuralLoans.Host.Tests.Portal;

/// <summary>
/// Debian's Chromium driven by Playwright. Never Playwright's own browser download: there is no internet here, and the
/// browser people install with the system is the one to test. A missing Chromium fails with what to run.
/// </summary>
public sealed class PortalBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private PortalBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<PortalBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed ({ChromiumPath} is missing); the portal tests drive it. " +
                "Run ./ruralloans test (it installs it when run as root) or: sudo apt-get install chromium");
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                // Containers have a tiny /dev/shm; Chromium crashes tabs without this.
                Args = ["--disable-dev-shm-usage"],
            });
            return new PortalBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
