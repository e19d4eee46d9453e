using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RuralLoans.Payments.Simulator;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Portal;

/// <summary>
/// The real host executable on a loopback port in local-development mode, the way <c>./ruralloans serve</c> runs it:
/// settings from local.settings.sample.json (the dev emulators), so it issues development tokens for the sign-in page.
/// It runs from a scratch copy of the repository's root files, so it starts dev services of its own there, never touches
/// the developer's .devservices or local.settings.json, and leaves nothing behind. Its output is kept for failure messages.
/// </summary>
public sealed class PortalHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly RailSimulator _rail;
    private readonly StringBuilder _output = new();

    private readonly DirectoryInfo _scratchRoot;

    private PortalHost(Process process, RailSimulator rail, Uri baseAddress, DirectoryInfo scratchRoot)
    {
        _process = process;
        _rail = rail;
        BaseAddress = baseAddress;
        _scratchRoot = scratchRoot;
    }

    public Uri BaseAddress { get; }

    public static string RepositoryRoot { get; } = DevServices.RepositoryRoot.Find();

    public static async Task<PortalHost> StartAsync(CancellationToken ct)
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory, "RuralLoans.Host.dll");
        if (!File.Exists(hostDll))
        {
            throw new InvalidOperationException($"The host was not built next to the tests ({hostDll}).");
        }
        var scratchRoot = CreateScratchRoot();
        var rail = await RailSimulator.StartAsync(ct: ct);
        var baseAddress = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}/");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = scratchRoot.FullName };
        start.ArgumentList.Add(hostDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.Environment["RURALLOANS_ROOT"] = scratchRoot.FullName;
        start.Environment["PaymentRailUrl"] = rail.BaseAddress.ToString();
        var process = Process.Start(start) ?? throw new InvalidOperationException("The host did not start.");
        var host = new PortalHost(process, rail, baseAddress, scratchRoot);
        process.OutputDataReceived += (_, e) => host.Record(e.Data);
        process.ErrorDataReceived += (_, e) => host.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), ct);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    /// <summary>The host's last output lines, for failure messages.</summary>
    public string RecentOutput(int lines = 60)
    {
        lock (_output)
        {
            var all = _output.ToString().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {_process.ExitCode} before it accepted requests:\n{RecentOutput()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(250, ct);
        }
        throw new TimeoutException($"The host did not accept requests within {timeout.TotalSeconds} s:\n{RecentOutput()}");
    }

    /// <summary>The files the host reads from its root; the dev services' installed packages are linked, not copied.</summary>
    private static DirectoryInfo CreateScratchRoot()
    {
        var scratch = new DirectoryInfo(TemporaryDirectories.Create("portal-root"));
        foreach (var file in new[] { "RuralLoans.sln", "host.json", "local.settings.sample.json" })
        {
            File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(scratch.FullName, file));
        }
        Directory.CreateSymbolicLink(Path.Combine(scratch.FullName, "config"), Path.Combine(RepositoryRoot, "config"));
        Directory.CreateSymbolicLink(Path.Combine(scratch.FullName, "devservices"), Path.Combine(RepositoryRoot, "devservices"));
        return scratch;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        await _rail.DisposeAsync();
        // Unlink the links first so deleting the scratch folder can never reach into the repository.
        foreach (var link in new[] { "config", "devservices" })
        {
            File.Delete(Path.Combine(_scratchRoot.FullName, link));
        }
        TemporaryDirectories.TryDelete(_scratchRoot.FullName);
    }
}
