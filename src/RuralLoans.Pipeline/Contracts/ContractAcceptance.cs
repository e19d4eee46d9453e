using Microsoft.DurableTask.Client;
using RuralLoans.Pipeline.Operations;

namespace RuralLoans.Pipeline.Contracts;

/// <summary>
/// A borrower who reads the offered contract and accepts it through the submitting partner's app: what the demo, the
/// load and chaos runs and end-to-end tests do where a person would. Goes through the same action as the API.
/// </summary>
public static class ContractAcceptance
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>Accepts the contract offered for an application, as the borrower of the submitting partner.</summary>
    public static async Task AcceptOfferedContractAsync(this PipelineRuntime runtime, string applicationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var offer = await runtime.Steps.Contracts.OfferedAsync(applicationId, ct)
            ?? throw new ActionRefusedException("no-contract", $"Application {applicationId} has no contract to accept.");
        var application = await runtime.Applications.GetAsync(applicationId, ct)
            ?? throw new ActionRefusedException("not-found", $"There is no application {applicationId}.");
        await runtime.Actions.AcceptContractAsync(applicationId, application.PartnerId, offer.ContractSha256, ct);
    }

    /// <summary>
    /// Waits until the application waits for its contract, then accepts it; false when the application stopped running
    /// first (declined, expired, failed) or <paramref name="patience"/> ran out.
    /// </summary>
    public static async Task<bool> AcceptContractWhenOfferedAsync(this PipelineRuntime runtime, string applicationId, TimeSpan patience, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var until = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < until)
        {
            if (await TryAcceptAsync(runtime, applicationId, ct) is { } done)
            {
                return done;
            }
            await Task.Delay(Poll, ct);
        }
        return false;
    }

    /// <summary>
    /// Accepts every contract offered to the applications <paramref name="applicationIds"/> names, until
    /// <paramref name="stop"/> is cancelled; how many it accepted. For runs with many applications at once.
    /// </summary>
    public static async Task<int> AcceptContractsUntilStoppedAsync(this PipelineRuntime runtime, Func<IReadOnlyCollection<string>> applicationIds, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(applicationIds);
        var settled = new HashSet<string>(StringComparer.Ordinal);
        var accepted = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var id in applicationIds().Where(id => !settled.Contains(id)).ToList())
                {
                    try
                    {
                        switch (await TryAcceptAsync(runtime, id, stop))
                        {
                            case true:
                                accepted++;
                                settled.Add(id);
                                break;
                            case false:
                                settled.Add(id);
                                break;
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // A host being killed or storage hiccup: ask again next round.
                    }
                }
                await Task.Delay(Poll * 4, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return accepted;
    }

    /// <summary>True once accepted, false when the application no longer runs, null while there is nothing to accept yet.</summary>
    private static async Task<bool?> TryAcceptAsync(PipelineRuntime runtime, string applicationId, CancellationToken ct)
    {
        var progress = await runtime.Actions.GetProgressAsync(applicationId, ct);
        if (progress is { State.RuntimeStatus: not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending) })
        {
            return false;
        }
        if (progress?.Progress?.Stage != ApplicationStage.AwaitingContract)
        {
            return null;
        }
        try
        {
            await runtime.AcceptOfferedContractAsync(applicationId, ct);
            return true;
        }
        catch (ActionRefusedException e) when (e.Code == "wrong-step")
        {
            return null;
        }
    }
}
