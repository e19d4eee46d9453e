using Microsoft.DurableTask.Client;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.TaskHub;

namespace RuralLoans.Host.Functions;

/// <summary>
/// What the background functions work with, attached once the pipeline has started. A trigger that fires the moment
/// the host starts waits here instead of failing.
/// </summary>
public sealed class FunctionRuntime
{
    private readonly TaskCompletionSource<Attached> _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Attach(DurableTaskClient client, HousekeepingPolicy policy, StorageAccount storage,
        ReservationSweep? reservationSweep = null, ReservationSweepPolicy? reservationSweepPolicy = null, RuralLoans.Pipeline.Payments.PayoutReconciliationSweep? payoutReconciliation = null)
    {
        if (!_attached.TrySetResult(new Attached(client, policy, storage, reservationSweep, reservationSweepPolicy ?? new ReservationSweepPolicy()) { PayoutReconciliation = payoutReconciliation }))
        {
            throw new InvalidOperationException("The function runtime is already attached to a pipeline.");
        }
    }

    public bool IsAttached => _attached.Task.IsCompletedSuccessfully;

    public async Task<Attached> WaitAsync(CancellationToken cancellationToken) => await _attached.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    public sealed record Attached(DurableTaskClient Client, HousekeepingPolicy Policy, StorageAccount Storage,
        ReservationSweep? ReservationSweep, ReservationSweepPolicy ReservationSweepPolicy)
    {
        public RuralLoans.Pipeline.Payments.PayoutReconciliationSweep? PayoutReconciliation { get; init; }
    }
}

/// <summary>
/// Takes a form a partner dropped into its inbox container. Bound to the pipeline's blob-drop ingestion, which reads
/// the blob, submits it and moves it under processed/ or rejected/ (names there are never offered again).
/// </summary>
public interface IBlobDropHandler
{
    /// <returns>One line saying what became of the blob, for the invocation's log.</returns>
    Task<string> HandleAsync(string container, string blobName, CancellationToken cancellationToken);
}
