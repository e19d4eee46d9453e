using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RuralLoans.DevServices;

/// <summary>
/// A running set of local dev services (Azurite blob/queue/table + the local Cosmos DB server) owned by this
/// process. By default they are bound to this process: they stop when it exits or is killed.
/// </summary>
public sealed partial class DevServicesHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3;

    private readonly Process _supervisor;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _stopping;

    private DevServicesHost(Process supervisor, ILogger logger, ReadyMessage ready, string dataDirectory)
    {
        _supervisor = supervisor;
        _logger = logger;
        Endpoints = new DevServicesEndpoints(ready.BlobPort, ready.QueuePort, ready.TablePort, ready.CosmosPort);
        SupervisorProcessId = ready.Pid;
        AzuriteProcessId = ready.AzuritePid;
        DataDirectory = dataDirectory;
    }

    public DevServicesEndpoints Endpoints { get; }

    public string DataDirectory { get; }

    /// <summary>The node process running devservices/run.mjs (and the Cosmos server inside it).</summary>
    public int SupervisorProcessId { get; }

    public int AzuriteProcessId { get; }

    public static async Task<DevServicesHost> StartAsync(DevServicesOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DevServicesOptions();
        var logger = options.Logger ?? NullLogger.Instance;
        var layout = RepositoryLayout.Resolve(options.RepositoryRoot);
        var node = await NodePackages.FindNodeAsync(cancellationToken).ConfigureAwait(false);
        await NodePackages.EnsureInstalledAsync(layout, logger, cancellationToken).ConfigureAwait(false);
        var dataDirectory = Path.GetFullPath(options.DataDirectory ?? layout.DefaultDataDirectory);
        Directory.CreateDirectory(dataDirectory);

        for (var attempt = 1; ; attempt++)
        {
            var endpoints = LoopbackPorts.Choose(options, preferStandardPorts: false);
            try
            {
                return await LaunchAsync(node, layout, endpoints, dataDirectory, options, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (DevServicesException ex) when (!options.HasFixedPorts && attempt < StartAttempts && SupervisorProtocol.IsPortConflict(ex.Message))
            {
                LogPortConflict(logger, attempt);
            }
        }
    }

    /// <summary>Stops the services gracefully (their data is saved); safe to call more than once.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static async Task<DevServicesHost> LaunchAsync(
        string node, RepositoryLayout layout, DevServicesEndpoints endpoints, string dataDirectory,
        DevServicesOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + options.StartTimeout;
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = layout.DevServicesDirectory,
            // The supervisor treats end-of-stdin as this process's death: only we hold the pipe's other end.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var parentPid = options.BoundToParent ? Environment.ProcessId : 0;
        foreach (var argument in SupervisorProtocol.Arguments(layout, endpoints, dataDirectory, parentPid))
        {
            start.ArgumentList.Add(argument);
        }

        var output = new OutputTail();
        var ready = new TaskCompletionSource<ReadyMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var supervisor = new Process { StartInfo = start, EnableRaisingEvents = true };
        supervisor.OutputDataReceived += (_, e) => OnOutput(e.Data, isStandardOutput: true);
        supervisor.ErrorDataReceived += (_, e) => OnOutput(e.Data, isStandardOutput: false);
        supervisor.Exited += (_, _) =>
        {
            // Exited can fire before the last output lines are read; they usually say why it exited.
            supervisor.WaitForExit();
            var exitCode = supervisor.ExitCode;
            if (!ready.TrySetException(new DevServicesException(
                    $"The dev services exited during start-up (exit code {exitCode}).{Environment.NewLine}{output}")) && exitCode != 0)
            {
                LogFailedExit(logger, exitCode, output.ToString());
            }
        };

        LogStarting(logger, endpoints.BlobPort, endpoints.QueuePort, endpoints.TablePort, endpoints.CosmosPort, dataDirectory);
        supervisor.Start();
        supervisor.BeginOutputReadLine();
        supervisor.BeginErrorReadLine();

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(deadline - DateTime.UtcNow);
            ReadyMessage message;
            try
            {
                message = await ready.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DevServicesException(
                    $"The dev services did not report ready within {options.StartTimeout.TotalSeconds:0} s.{Environment.NewLine}{output}");
            }

            var host = new DevServicesHost(supervisor, logger, message, dataDirectory);
            await DevServicesHealth.WaitUntilHealthyAsync(host.Endpoints, deadline, output.ToString, cancellationToken).ConfigureAwait(false);
            LogStarted(logger, message.Pid);
            return host;
        }
        catch
        {
            await TerminateAsync(supervisor, azuritePid: null, logger).ConfigureAwait(false);
            supervisor.Dispose();
            throw;
        }

        void OnOutput(string? line, bool isStandardOutput)
        {
            if (line is null)
            {
                return;
            }

            if (isStandardOutput && SupervisorProtocol.ParseReady(line) is { } message)
            {
                ready.TrySetResult(message);
                return;
            }

            output.Add(line);
            LogServiceOutput(logger, line);
        }
    }

    private async Task StopCoreAsync()
    {
        LogStopping(_logger, SupervisorProcessId);
        await TerminateAsync(_supervisor, AzuriteProcessId, _logger).ConfigureAwait(false);
        _supervisor.Dispose();
    }

    private static async Task TerminateAsync(Process supervisor, int? azuritePid, ILogger logger)
    {
        if (!supervisor.HasExited)
        {
            ProcessSignals.Terminate(supervisor.Id);
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await supervisor.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogForcedStop(logger, supervisor.Id, StopTimeout.TotalSeconds);
                supervisor.Kill();
                await supervisor.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        // The supervisor stops Azurite itself; this only catches an Azurite left behind by a forced stop.
        if (azuritePid is { } pid && !await ProcessSignals.WaitForExitAsync(pid, TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            ProcessSignals.Kill(pid);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting dev services: blob {BlobPort}, queue {QueuePort}, table {TablePort}, cosmos {CosmosPort}, data in {DataDirectory}")]
    private static partial void LogStarting(ILogger logger, int blobPort, int queuePort, int tablePort, int cosmosPort, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev services ready (supervisor pid {Pid})")]
    private static partial void LogStarted(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A dev services port was taken during start-up (attempt {Attempt}); retrying on other ports")]
    private static partial void LogPortConflict(ILogger logger, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "devservices: {Line}")]
    private static partial void LogServiceOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping dev services (supervisor pid {Pid})")]
    private static partial void LogStopping(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dev services supervisor {Pid} did not stop within {Seconds} s; killed it")]
    private static partial void LogForcedStop(ILogger logger, int pid, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dev services exited with exit code {ExitCode}. {Output}")]
    private static partial void LogFailedExit(ILogger logger, int exitCode, string output);
}
