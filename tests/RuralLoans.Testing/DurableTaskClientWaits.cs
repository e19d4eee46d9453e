using Microsoft.DurableTask.Client;

namespace RuralLoans.Testing;

/// <summary>Waiting on orchestration instances with a bound, so a stuck instance fails its test with its last status.</summary>
public static class DurableTaskClientWaits
{
    public static async Task<OrchestrationMetadata> WaitForCompletionAsync(this DurableTaskClient client, string instanceId, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(timeout);
        try
        {
            return await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, patience.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var state = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, ct);
            throw new TimeoutException($"Instance {instanceId} did not finish within {timeout}; last status: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
        }
    }
}
