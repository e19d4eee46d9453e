using System.Diagnostics;

namespace RuralLoans.Durable.Host;

/// <summary>Keeps a child host from outliving the run that started it, however that run ended.</summary>
internal static class ParentWatch
{
    public static async Task WaitAsync(int? parentProcessId, CancellationToken cancellationToken)
    {
        if (parentProcessId is not { } parent)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            return;
        }

        while (IsAlive(parent))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
