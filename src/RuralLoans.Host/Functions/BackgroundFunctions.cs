using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace RuralLoans.Host.Functions;

/// <summary>
/// The non-HTTP, non-Durable functions: the partners' blob inboxes and housekeeping. The Function App declares the
/// same names with trigger attributes, and a test holds the two lists equal.
/// </summary>
public static class BackgroundFunctions
{
    public const string Housekeeping = nameof(Housekeeping);
    public const string BlobDropPrefix = "BlobDrop_";

    /// <summary>Every five minutes: a released quota or a purge waits minutes at most, and it costs next to nothing.</summary>
    public const string HousekeepingSchedule = "0 */5 * * * *";

    /// <summary>Blob names the ingestion moved aside; they never start an application again.</summary>
    public static readonly IReadOnlyList<string> SettledPrefixes = ["processed/", "rejected/"];

    public static IReadOnlyList<FunctionDeclaration> Declare(IEnumerable<string> microfinancePartnerIds)
    {
        ArgumentNullException.ThrowIfNull(microfinancePartnerIds);
        var functions = new List<FunctionDeclaration> { new(Housekeeping, new TimerTrigger(HousekeepingSchedule), RunHousekeepingAsync) };
        foreach (var partnerId in microfinancePartnerIds.Order(StringComparer.Ordinal))
        {
            functions.Add(new(BlobDropFunctionName(partnerId), new BlobTrigger(InboxContainerFor(partnerId)), IngestBlobDropAsync));
        }
        return functions;
    }

    public static string BlobDropFunctionName(string partnerId) =>
        BlobDropPrefix + new string([.. partnerId.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')]);

    /// <summary>The container a partner drops forms into (the same rule as the pipeline's blob-drop ingestion).</summary>
    public static string InboxContainerFor(string partnerId) => RuralLoans.Pipeline.Intake.BlobDropIngestion.InboxContainerFor(partnerId);

    /// <summary>Finished histories older than the retention are purged; then the quota sweep and the payout reconciliation run.</summary>
    public static async Task<string> RunHousekeepingAsync(DurableTaskClient client, HousekeepingPolicy policy, RuralLoans.Pipeline.CoLending.ReservationSweep? sweep,
        RuralLoans.Pipeline.CoLending.ReservationSweepPolicy sweepPolicy, TimeProvider clock, CancellationToken cancellationToken) =>
        await RunHousekeepingAsync(client, policy, sweep, sweepPolicy, null, clock, cancellationToken).ConfigureAwait(false);

    public static async Task<string> RunHousekeepingAsync(DurableTaskClient client, HousekeepingPolicy policy, RuralLoans.Pipeline.CoLending.ReservationSweep? sweep,
        RuralLoans.Pipeline.CoLending.ReservationSweepPolicy sweepPolicy, RuralLoans.Pipeline.Payments.PayoutReconciliationSweep? payouts, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(policy);
        var lines = new List<string>();
        if (policy.HistoryRetention is { } retention)
        {
            var purged = await client.PurgeAllInstancesAsync(new PurgeInstancesFilter(null, clock.GetUtcNow() - retention,
                [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated]), cancellationToken).ConfigureAwait(false);
            lines.Add($"purged {purged.PurgedInstanceCount} histories older than {retention.TotalDays:0} days");
        }
        if (sweep is not null)
        {
            lines.Add($"quota reservations: {await sweep.RunAsync(sweepPolicy, cancellationToken).ConfigureAwait(false)}");
        }
        if (payouts is not null)
        {
            lines.Add($"payout reconciliation: {await payouts.RunAsync(new RuralLoans.Pipeline.Payments.PayoutSweepPolicy(), cancellationToken).ConfigureAwait(false)}");
        }
        return string.Join("; ", lines);
    }

    private static async Task RunHousekeepingAsync(FunctionInvocation invocation, CancellationToken cancellationToken)
    {
        var timer = (TimerEvent)invocation.Trigger;
        var runtime = await invocation.Services.GetRequiredService<FunctionRuntime>().WaitAsync(cancellationToken);
        var report = await RunHousekeepingAsync(runtime.Client, runtime.Policy, runtime.ReservationSweep, runtime.ReservationSweepPolicy, runtime.PayoutReconciliation, TimeProvider.System, cancellationToken);
        invocation.Log($"housekeeping{(timer.IsPastDue ? " (past due)" : "")}: {report}");
    }

    private static async Task IngestBlobDropAsync(FunctionInvocation invocation, CancellationToken cancellationToken)
    {
        var blob = (BlobEvent)invocation.Trigger;
        if (SettledPrefixes.Any(prefix => blob.BlobName.StartsWith(prefix, StringComparison.Ordinal)))
        {
            invocation.Log($"{blob.Container}: a settled file, ignored");
            return;
        }
        var handler = invocation.Services.GetService<IBlobDropHandler>()
            ?? throw new InvalidOperationException("No blob-drop handler is registered; register an IBlobDropHandler (the pipeline's blob-drop ingestion).");
        // The result names the file by content hash: a partner's file name may carry personal data.
        invocation.Log(await handler.HandleAsync(blob.Container, blob.BlobName, cancellationToken));
    }
}

/// <summary>How long finished histories are kept; null keeps them for ever.</summary>
public sealed record HousekeepingPolicy(TimeSpan? HistoryRetention);
