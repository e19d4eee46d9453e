using System.Runtime.InteropServices;

namespace RuralLoans.DevServices;

/// <summary>POSIX signals and liveness checks for the dev service processes (.NET has no SIGTERM API).</summary>
internal static partial class ProcessSignals
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int NoSuchProcess = 3;

    /// <summary>Asks a process to stop cleanly; the dev services then flush their data.</summary>
    public static void Terminate(int pid) => Send(pid, SigTerm);

    public static void Kill(int pid) => Send(pid, SigKill);

    /// <summary>
    /// True while the process exists and is not a zombie. Orphans here may be reparented to an init that
    /// never reaps them, so a dead process can linger as a zombie that kill(pid, 0) still reports.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        var stat = $"/proc/{pid}/stat";
        if (Directory.Exists("/proc/self"))
        {
            try
            {
                var text = File.ReadAllText(stat);
                // Format: "pid (comm) S ...": the state letter follows the last ')'.
                var state = text[(text.LastIndexOf(')') + 2)..].TrimStart()[0];
                return state is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }

        return SendSignal(pid, 0) == 0 || Marshal.GetLastPInvokeError() != NoSuchProcess;
    }

    /// <summary>The command line of a live process, or null (used to tell our supervisor from a reused pid).</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        return true;
    }

    private static void Send(int pid, int signal)
    {
        if (pid > 0 && SendSignal(pid, signal) != 0 && Marshal.GetLastPInvokeError() != NoSuchProcess)
        {
            throw new DevServicesException($"Could not send signal {signal} to process {pid} (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
