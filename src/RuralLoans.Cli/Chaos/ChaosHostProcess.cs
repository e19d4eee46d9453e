using System.Diagnostics;
using System.Globalization;

namespace RuralLoans.Cli.Chaos;

/// <summary>
/// One standalone worker process of a chaos run: this CLI's own assembly started with <c>chaos-host</c>, so it runs
/// exactly the pipeline the product ships. Settings travel in environment variables; output goes to a log file per
/// process so a failed run can be read afterwards.
/// </summary>
internal sealed class ChaosHostProcess : IDisposable
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _logDirectory;
    private Process? _process;
    private int _generation;

    public ChaosHostProcess(int index, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        Index = index;
        _environment = environment;
        _logDirectory = logDirectory;
    }

    public int Index { get; }

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        _generation++;
        var (fileName, arguments) = EntryPoint();
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a chaos host process.");
        var log = new StreamWriter(Path.Combine(_logDirectory, string.Create(CultureInfo.InvariantCulture, $"host{Index}-{_generation}-pid{process.Id}.log"))) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: no chance to finish, release leases or abandon messages, as when a machine dies.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process exited while its last lines were in flight.
            }
        }
    }

    /// <summary>The CLI assembly run by the dotnet host it was built for (its runtimeconfig and deps files beside it).</summary>
    private static (string FileName, IReadOnlyList<string> Arguments) EntryPoint()
    {
        var assembly = typeof(ChaosHostProcess).Assembly.Location;
        var directory = Path.GetDirectoryName(assembly)!;
        var name = Path.GetFileNameWithoutExtension(assembly);
        var runtimeConfig = Path.Combine(directory, name + ".runtimeconfig.json");
        if (!File.Exists(runtimeConfig))
        {
            throw new InvalidOperationException($"Cannot start chaos hosts: {runtimeConfig} is missing next to {assembly}.");
        }
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var arguments = new List<string> { "exec", "--runtimeconfig", runtimeConfig };
        var deps = Path.Combine(directory, name + ".deps.json");
        if (File.Exists(deps))
        {
            arguments.AddRange(["--depsfile", deps]);
        }
        arguments.AddRange([assembly, ChaosHostCommand.Name]);
        return (dotnet, arguments);
    }
}
