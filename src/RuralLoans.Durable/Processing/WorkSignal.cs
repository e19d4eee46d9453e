namespace RuralLoans.Durable.Processing;

/// <summary>
/// Wakes this process's listener as soon as this process enqueues work, so local hand-offs do not
/// wait for a poll. Other processes find the work by polling.
/// </summary>
public sealed class WorkSignal : IDisposable
{
    private readonly SemaphoreSlim control = new(0, 1);
    private readonly SemaphoreSlim workItems = new(0, 1);

    public void NotifyControl() => Release(control);

    public void NotifyWorkItems() => Release(workItems);

    /// <returns>True when woken by a signal, false when the wait timed out.</returns>
    public Task<bool> WaitForControlAsync(TimeSpan timeout, CancellationToken cancellationToken) => control.WaitAsync(timeout, cancellationToken);

    public Task<bool> WaitForWorkItemsAsync(TimeSpan timeout, CancellationToken cancellationToken) => workItems.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        control.Dispose();
        workItems.Dispose();
    }

    private static void Release(SemaphoreSlim semaphore)
    {
        try
        {
            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up covers any number of new messages.
        }
    }
}
