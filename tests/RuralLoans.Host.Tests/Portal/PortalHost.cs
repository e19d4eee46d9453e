using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RuralLoans.Payments.Simulator;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Portal;

/// <summary>
/// The real host executable on a loopback port, running the real pipeline against the test assembly's dev services in
/// its own task hub and database, with a payout rail simulator. Its output is kept so a failing test can show it.
/// </summary>
public sealed class PortalHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly RailSimulator _rail;
    private readonly StringBuilder _output = new();

    private PortalHost(Process process, RailSimulator rail, Uri baseAddress)
    {
        _process = process;
        _rail = rail;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static string RepositoryRoot { get; } = DevServices.RepositoryRoot.Find();

    public static async Task<PortalHost> StartAsync(DevServicesFixture services, CancellationToken ct)
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory, "RuralLoans.Host.dll");
        if (!File.Exists(hostDll))
        {
            throw new InvalidOperationException($"The host was not built next to the tests ({hostDll}).");
        }
        var rail = await RailSimulator.StartAsync(ct: ct);
        var baseAddress = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}/");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(hostDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.Environment["RURALLOANS_ROOT"] = RepositoryRoot;
        start.Environment["AzureWebJobsStorage"] = services.StorageConnectionString;
        start.Environment["CosmosDbConnection"] = services.Endpoints.CosmosConnectionString;
        start.Environment["CosmosDbDatabase"] = UniqueNames.CosmosDatabase("portal");
        start.Environment["TaskHubName"] = "Portal" + Guid.NewGuid().ToString("N")[..10];
        start.Environment["PaymentRailUrl"] = rail.BaseAddress.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The host did not start.");
        var host = new PortalHost(process, rail, baseAddress);
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
    }
}
