using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline.CoLending;
using FunctionInvocation = RuralLoans.Host.Functions.FunctionInvocation;

namespace RuralLoans.Functions;

/// <summary>
/// The partner inboxes and housekeeping, named as <see cref="BackgroundFunctions.Declare"/> names them for the partners in
/// config/partners.json (a test holds the two lists equal). Blob drops run the declaration's own handler, so the
/// settled-blob rule and the ingestion are the standalone host's code; the Event Grid source is the only blob trigger
/// Flex Consumption runs, and it fires per created blob instead of scanning containers.
/// </summary>
public sealed partial class BackgroundTriggerFunctions(FunctionAppPipeline pipeline, ILogger<BackgroundTriggerFunctions> logger)
{
    private const string Storage = "AzureWebJobsStorage";

    [Function("BlobDrop_MFI001")]
    public Task BlobDropMfi001(
        [BlobTrigger("inbox-mfi001/{name}", Source = BlobTriggerSource.EventGrid, Connection = Storage)] BlobClient blob,
        [DurableClient] DurableTaskClient client, FunctionContext context) => IngestAsync(blob, client, context);

    [Function("BlobDrop_MFI002")]
    public Task BlobDropMfi002(
        [BlobTrigger("inbox-mfi002/{name}", Source = BlobTriggerSource.EventGrid, Connection = Storage)] BlobClient blob,
        [DurableClient] DurableTaskClient client, FunctionContext context) => IngestAsync(blob, client, context);

    [Function(BackgroundFunctions.Housekeeping)]
    public async Task Housekeeping([TimerTrigger(BackgroundFunctions.HousekeepingSchedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(context);
        var runtime = await pipeline.RuntimeAsync(client, context.CancellationToken);
        var report = await BackgroundFunctions.RunHousekeepingAsync(client, new HousekeepingPolicy(pipeline.Settings.HistoryRetention),
            runtime.ReservationSweep, new ReservationSweepPolicy(), runtime.PayoutReconciliation, TimeProvider.System, context.CancellationToken);
        LogRan(logger, BackgroundFunctions.Housekeeping, (timer.IsPastDue ? "(past due) " : "") + report);
    }

    private async Task IngestAsync(BlobClient blob, DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(context);
        var name = context.FunctionDefinition.Name;
        var partners = (await pipeline.StepsAsync(context.CancellationToken)).Partners.MicrofinancePartners.Select(p => p.Id);
        var declaration = BackgroundFunctions.Declare(partners)
            .SingleOrDefault(f => f.Name == name)
            ?? throw new InvalidOperationException($"{name} is not an inbox of a partner in config/partners.json.");
        var runtime = await pipeline.RuntimeAsync(client, context.CancellationToken);
        var handler = new PipelineBlobDropHandler();
        handler.Attach(runtime.BlobDrop);
        var invocation = new FunctionInvocation(name, new BlobEvent(blob.BlobContainerName, blob.Name), new WithBlobDropHandler(handler, context.InstanceServices));
        // Throwing fails the invocation; Event Grid redelivers it and the ingestion recognises a form it already took.
        await declaration.Handler(invocation, context.CancellationToken);
        foreach (var line in invocation.Logs)
        {
            // The standalone host logs the same lines; the worker's loggers mask resident ID and phone numbers in them.
            LogRan(logger, name, line);
        }
    }

    /// <summary>The function's services plus the blob-drop handler bound to this call's pipeline.</summary>
    private sealed class WithBlobDropHandler(IBlobDropHandler handler, IServiceProvider inner) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IBlobDropHandler) ? handler : inner.GetService(serviceType);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: {Line}")]
    private static partial void LogRan(ILogger logger, string function, string line);
}
