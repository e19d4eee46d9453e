using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace RuralLoans.DevServices;

/// <summary>Node.js and the pinned npm packages (Azurite, the Cosmos DB server) the dev services run on.</summary>
internal static partial class NodePackages
{
    /// <summary>Same stamp the ./ruralloans launcher writes, so either one skips work the other has done.</summary>
    private const string StampFileName = ".ruralloans-lock";

    private const int MinimumNodeMajorVersion = 20;

    /// <summary>The node executable on PATH, checked to be new enough for Azurite 3.37.</summary>
    public static async Task<string> FindNodeAsync(CancellationToken cancellationToken)
    {
        var node = FindOnPath("node") ?? throw new DevServicesException(
            $"Node.js {MinimumNodeMajorVersion} or later is required to run the local dev services (Azurite and the Cosmos DB server), " +
            "but `node` is not on PATH. Install it (Debian: apt-get install nodejs npm) and try again; ./ruralloans doctor checks it.");
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--version");
        using var probe = Process.Start(start) ?? throw new DevServicesException($"Could not run {node}.");
        var reported = (await probe.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
        await probe.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (!Version.TryParse(reported.TrimStart('v'), out var version) || version.Major < MinimumNodeMajorVersion)
        {
            throw new DevServicesException(
                $"Node.js {MinimumNodeMajorVersion} or later is required to run the local dev services, but {node} is '{reported}'. " +
                "Install a newer Node.js (Debian: apt-get install nodejs npm) and try again.");
        }

        return node;
    }

    /// <summary>Runs `npm ci` when node_modules is missing or was installed from a different package-lock.json.</summary>
    public static async Task EnsureInstalledAsync(RepositoryLayout layout, ILogger logger, CancellationToken cancellationToken)
    {
        var lockFile = Path.Combine(layout.DevServicesDirectory, "package-lock.json");
        if (!File.Exists(lockFile))
        {
            throw new DevServicesException($"{lockFile} is missing; the dev services cannot be installed without it.");
        }

        var wanted = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(lockFile, cancellationToken).ConfigureAwait(false)));
        var stamp = Path.Combine(layout.DevServicesDirectory, "node_modules", StampFileName);
        if (IsStampCurrent(stamp, wanted))
        {
            return;
        }

        // Test assemblies start in parallel; only one may run npm ci (it deletes node_modules first).
        Directory.CreateDirectory(layout.RuntimeDirectory);
        using var installLock = await AcquireInstallLockAsync(Path.Combine(layout.RuntimeDirectory, "npm-install.lock"), cancellationToken).ConfigureAwait(false);
        if (IsStampCurrent(stamp, wanted))
        {
            return;
        }

        var npm = FindOnPath("npm") ?? throw new DevServicesException(
            "npm is required to install the local dev services but is not on PATH. Install it (Debian: apt-get install npm) and try again.");
        LogInstalling(logger, layout.DevServicesDirectory);
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = layout.DevServicesDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            start.ArgumentList.Add(argument);
        }

        using var npmProcess = Process.Start(start) ?? throw new DevServicesException("Could not start npm.");
        var output = npmProcess.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = npmProcess.StandardError.ReadToEndAsync(cancellationToken);
        await npmProcess.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (npmProcess.ExitCode != 0)
        {
            throw new DevServicesException(
                $"`npm ci` in {layout.DevServicesDirectory} failed (exit code {npmProcess.ExitCode}). " +
                $"Run it there by hand to see the full error.{Environment.NewLine}{Tail(await output.ConfigureAwait(false) + await errors.ConfigureAwait(false))}");
        }

        await File.WriteAllTextAsync(stamp, wanted + "\n", cancellationToken).ConfigureAwait(false);
    }

    private static bool IsStampCurrent(string stamp, string wanted) =>
        File.Exists(stamp) && File.ReadAllText(stamp).Trim() == wanted;

    private static async Task<FileStream> AcquireInstallLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static string Tail(string text) => string.Join(Environment.NewLine, text.Split('\n').TakeLast(20));

    [LoggerMessage(Level = LogLevel.Information, Message = "Installing the dev services' npm packages in {Directory} (npm ci)")]
    private static partial void LogInstalling(ILogger logger, string directory);
}
