using System.Runtime.InteropServices;

namespace RuralLoans.Ocr;

/// <summary>
/// CPU time for measuring OCR cost per page on a shared machine, where wall time mostly measures the neighbours.
/// Tesseract runs as a child process, so its time only shows in <see cref="ExitedChildren"/> (Linux getrusage).
/// </summary>
public static class CpuClock
{
    private const int Self = 0;
    private const int Children = -1;
    private const int Thread = 1;

    /// <summary>True where child-process and per-thread CPU time can be read (Linux); elsewhere they read as zero.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>User + system time of this process, all threads.</summary>
    public static TimeSpan Process => IsSupported ? Read(Self) : System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>User + system time of the calling thread: synchronous work such as image preprocessing.</summary>
    public static TimeSpan CurrentThread => IsSupported ? Read(Thread) : TimeSpan.Zero;

    /// <summary>User + system time of child processes that have exited and been waited for (Tesseract runs).</summary>
    public static TimeSpan ExitedChildren => IsSupported ? Read(Children) : TimeSpan.Zero;

    private static TimeSpan Read(int who)
    {
        if (GetResourceUsage(who, out var usage) != 0)
        {
            throw new OcrException($"getrusage failed with errno {Marshal.GetLastPInvokeError()}.");
        }
        return TimeSpan.FromSeconds(usage.UserSeconds + usage.SystemSeconds)
            + TimeSpan.FromMicroseconds(usage.UserMicroseconds + usage.SystemMicroseconds);
    }

    /// <summary>The leading two timevals of Linux's struct rusage (64-bit); the 14 counters after them are not read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);
}
