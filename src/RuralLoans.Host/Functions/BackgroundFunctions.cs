using Microsoft.Extensions.DependencyInjection;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Host.Functions;

/// <summary>The non-HTTP functions: the engine's queues, the partners' blob inboxes and housekeeping.</summary>
public static class BackgroundFunctions
{
    public const string EngineControlQueue = nameof(EngineControlQueue);
    public const string EngineWorkItemQueue = nameof(EngineWorkItemQueue);
    public const string Housekeeping = nameof(Housekeeping);
    public const string BlobDropPrefix = "BlobDrop_";

    /// <summary>Every five minutes: often enough that a lost start or timer is repaired within minutes, rare enough to cost nothing.</summary>
    public const string HousekeepingSchedule = "0 */5 * * * *";

    /// <summary>Blob names the ingestion moved aside; they never start an application again.</summary>
    public static readonly IReadOnlyList<string> SettledPrefixes = ["processed/", "rejected/"];

    public static IReadOnlyList<FunctionDeclaration> Declare(string taskHubName, IEnumerable<string> microfinancePartnerIds)
    {
        ArgumentNullException.ThrowIfNull(microfinancePartnerIds);
        var names = EngineStorage.NamesFor(taskHubName);
        var functions = new List<FunctionDeclaration>
        {
            new(EngineControlQueue, new QueueTrigger(names.ControlQueue), ProcessControlMessageAsync),
            new(EngineWorkItemQueue, new QueueTrigger(names.WorkItemQueue), ProcessWorkItemAsync),
            new(Housekeeping, new TimerTrigger(HousekeepingSchedule), RunHousekeepingAsync),
        };
        foreach (var partnerId in microfinancePartnerIds.Order(StringComparer.Ordinal))
        {
            functions.Add(new(BlobDropPrefix + new string([.. partnerId.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')]),
                new BlobTrigger(InboxContainerFor(partnerId)), IngestBlobDropAsync));
        }
        return functions;
    }

    /// <summary>The container a partner drops forms into (the same rule as the pipeline's blob-drop ingestion).</summary>
    public static string InboxContainerFor(string partnerId) => RuralLoans.Pipeline.Intake.BlobDropIngestion.InboxContainerFor(partnerId);

    private static async Task ProcessControlMessageAsync(FunctionInvocation invocation, CancellationToken cancellationToken)
    {
        var message = (QueueMessageEvent)invocation.Trigger;
        var runtime = await invocation.Services.GetRequiredService<FunctionRuntime>().WaitAsync(cancellationToken);
        // Throws below the poison limit, so the host makes the message visible again after visibilityTimeout.
        var outcome = await runtime.Processor.ProcessOrchestrationMessageAsync(new QueueWorkItem(message.MessageId, message.Body, message.DequeueCount), cancellationToken);
        invocation.Log($"control message {message.MessageId} (delivery {message.DequeueCount}): {outcome}");
    }

    private static async Task ProcessWorkItemAsync(FunctionInvocation invocation, CancellationToken cancellationToken)
    {
        var message = (QueueMessageEvent)invocation.Trigger;
        var runtime = await invocation.Services.GetRequiredService<FunctionRuntime>().WaitAsync(cancellationToken);
        var outcome = await runtime.Processor.ProcessActivityMessageAsync(new QueueWorkItem(message.MessageId, message.Body, message.DequeueCount), cancellationToken);
        invocation.Log($"work item {message.MessageId} (delivery {message.DequeueCount}): {outcome}");
    }

    private static async Task RunHousekeepingAsync(FunctionInvocation invocation, CancellationToken cancellationToken)
    {
        var timer = (TimerEvent)invocation.Trigger;
        var runtime = await invocation.Services.GetRequiredService<FunctionRuntime>().WaitAsync(cancellationToken);
        var report = await runtime.Housekeeping.RunAsync(runtime.Policy, cancellationToken);
        invocation.Log($"housekeeping{(timer.IsPastDue ? " (past due)" : "")}: {report}");
        // After the engine's repairs; ended applications stay visible to the sweep, which waits minutes, until their
        // histories are purged after the (days-long) retention.
        if (runtime.ReservationSweep is { } sweep)
        {
            invocation.Log($"quota reservations: {await sweep.RunAsync(runtime.ReservationSweepPolicy, cancellationToken)}");
        }
    }

    private static async Task IngestBlobDropAsync(FunctionInvocation invocation, CancellationToken cancellationToken)
    {
        var blob = (BlobEvent)invocation.Trigger;
        if (SettledPrefixes.Any(prefix => blob.BlobName.StartsWith(prefix, StringComparison.Ordinal)))
        {
            invocation.Log($"{blob.Container}/{blob.BlobName}: already settled, ignored");
            return;
        }
        var handler = invocation.Services.GetService<IBlobDropHandler>()
            ?? throw new InvalidOperationException("No blob-drop handler is registered; register an IBlobDropHandler (the pipeline's blob-drop ingestion).");
        invocation.Log($"{blob.Container}/{blob.BlobName}: {await handler.HandleAsync(blob.Container, blob.BlobName, cancellationToken)}");
    }
}
