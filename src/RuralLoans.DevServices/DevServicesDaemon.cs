using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RuralLoans.DevServices;

/// <summary>What a detached dev services instance recorded in &lt;repo&gt;/.devservices/state.json.</summary>
public sealed record DevServicesState(
    int Pid, int AzuritePid, int BlobPort, int QueuePort, int TablePort, int CosmosPort,
    string DataDirectory, string LogFile, DateTimeOffset StartedAt)
{
    public DevServicesEndpoints Endpoints => new(BlobPort, QueuePort, TablePort, CosmosPort);
}

/// <summary>Whether a detached instance is running, and how each of its services answers.</summary>
public sealed record DevServicesStatus(bool Running, DevServicesState? State, IReadOnlyList<ServiceHealth> Services)
{
    public bool Healthy => Running && Services.Count > 0 && Services.All(service => service.Ok);
}

/// <summary>
/// Dev services that outlive the command that started them (for `ruralloans dev up/down/status`): one
/// instance per repository, found again through its state file.
/// </summary>
public sealed partial class DevServicesDaemon
{
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    // Matched without the repository path, which may be spelled differently (symlinks) by another command.
    private static readonly string SupervisorScriptName = Path.Combine("devservices", "run.mjs");

    private readonly RepositoryLayout _layout;
    private readonly ILogger _logger;

    public DevServicesDaemon(string? repositoryRoot = null, ILogger? logger = null)
    {
        _layout = RepositoryLayout.Resolve(repositoryRoot);
        _logger = logger ?? NullLogger.Instance;
    }

    public string StateFile => _layout.StateFile;

    /// <summary>
    /// Starts a detached instance, or returns the one already running and healthy. Unless ports are given it
    /// takes the usual emulator ports (10000–10002, 8081) when they are free, so connection strings stay put.
    /// </summary>
    public async Task<DevServicesState> StartDetachedAsync(DevServicesOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DevServicesOptions();
        var current = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (current.Healthy)
        {
            return current.State!;
        }

        if (current.Running)
        {
            throw new DevServicesException(
                $"Detached dev services (pid {current.State!.Pid}) are running but unhealthy: " +
                string.Join("; ", current.Services.Where(s => !s.Ok).Select(s => $"{s.Service}: {s.Detail}")) +
                $". Stop them first; their log is {current.State.LogFile}.");
        }

        var node = await NodePackages.FindNodeAsync(cancellationToken).ConfigureAwait(false);
        await NodePackages.EnsureInstalledAsync(_layout, _logger, cancellationToken).ConfigureAwait(false);
        var dataDirectory = Path.GetFullPath(options.DataDirectory ?? _layout.DefaultDataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var endpoints = LoopbackPorts.Choose(options, preferStandardPorts: true);
        Directory.CreateDirectory(_layout.RuntimeDirectory);
        var logFile = _layout.DetachedLogFile;
        var logStart = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;

        // setsid: own session, so the terminal closing or the CLI's process group being signalled does not
        // reach it; exec keeps one pid throughout (sh → setsid → node), which is the pid we record.
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _layout.DevServicesDirectory, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$0\" \"$@\" >>\"$RURALLOANS_DEVSERVICES_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add(node);
        foreach (var argument in SupervisorProtocol.Arguments(_layout, endpoints, dataDirectory, parentPid: 0))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["RURALLOANS_DEVSERVICES_LOG"] = logFile;
        using var launched = Process.Start(start) ?? throw new DevServicesException("Could not start the dev services.");
        var pid = launched.Id;
        LogDetachedStarting(_logger, pid, logFile);

        var deadline = DateTime.UtcNow + options.StartTimeout;
        ReadyMessage? ready = null;
        while (ready is null)
        {
            if (!ProcessSignals.IsAlive(pid))
            {
                throw new DevServicesException($"The dev services exited during start-up.{Environment.NewLine}{ReadLogTail(logFile, logStart)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                ProcessSignals.Terminate(pid);
                throw new DevServicesException(
                    $"The dev services did not report ready within {options.StartTimeout.TotalSeconds:0} s.{Environment.NewLine}{ReadLogTail(logFile, logStart)}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            ready = ReadLogSince(logFile, logStart).Select(SupervisorProtocol.ParseReady).LastOrDefault(message => message?.Pid == pid);
        }

        var state = new DevServicesState(
            pid, ready.AzuritePid, ready.BlobPort, ready.QueuePort, ready.TablePort, ready.CosmosPort,
            dataDirectory, logFile, DateTimeOffset.UtcNow);
        await DevServicesHealth.WaitUntilHealthyAsync(state.Endpoints, deadline, () => ReadLogTail(logFile, logStart), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(_layout.StateFile, JsonSerializer.Serialize(state, StateJson), cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <summary>Stops the detached instance gracefully (data saved). False when none was running.</summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken = default)
    {
        var state = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return false;
        }

        var wasRunning = IsOurSupervisor(state.Pid);
        if (wasRunning)
        {
            LogDetachedStopping(_logger, state.Pid);
            ProcessSignals.Terminate(state.Pid);
            if (!await ProcessSignals.WaitForExitAsync(state.Pid, StopTimeout).ConfigureAwait(false))
            {
                LogForcedStop(_logger, state.Pid);
                ProcessSignals.Kill(state.Pid);
                ProcessSignals.Kill(state.AzuritePid);
            }
        }

        File.Delete(_layout.StateFile);
        return wasRunning;
    }

    public async Task<DevServicesStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var state = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        if (state is null || !IsOurSupervisor(state.Pid))
        {
            return new DevServicesStatus(false, state, []);
        }

        return new DevServicesStatus(true, state, await DevServicesHealth.CheckAsync(state.Endpoints, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The endpoints of a running, healthy detached instance; null when there is none.</summary>
    public async Task<DevServicesEndpoints?> TryAttachAsync(CancellationToken cancellationToken = default)
    {
        var status = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
        return status.Healthy ? status.State!.Endpoints : null;
    }

    private async Task<DevServicesState?> ReadStateAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_layout.StateFile))
        {
            return null;
        }

        try
        {
            var json = await File.ReadAllTextAsync(_layout.StateFile, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<DevServicesState>(json, StateJson);
        }
        catch (JsonException ex)
        {
            throw new DevServicesException($"{_layout.StateFile} is not valid ({ex.Message}); delete it if no dev services are running.", ex);
        }
    }

    /// <summary>A pid from an old state file may belong to an unrelated process by now.</summary>
    private static bool IsOurSupervisor(int pid) =>
        ProcessSignals.IsAlive(pid) && (ProcessSignals.CommandLine(pid)?.Contains(SupervisorScriptName, StringComparison.Ordinal) ?? false);

    private static string[] ReadLogSince(string logFile, long offset)
    {
        if (!File.Exists(logFile))
        {
            return [];
        }

        using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string ReadLogTail(string logFile, long offset) =>
        $"Last lines of {logFile}:{Environment.NewLine}{string.Join(Environment.NewLine, ReadLogSince(logFile, offset).TakeLast(30))}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting detached dev services (pid {Pid}), log in {LogFile}")]
    private static partial void LogDetachedStarting(ILogger logger, int pid, string logFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping detached dev services (pid {Pid})")]
    private static partial void LogDetachedStopping(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Detached dev services (pid {Pid}) did not stop in time; killed them")]
    private static partial void LogForcedStop(ILogger logger, int pid);
}
