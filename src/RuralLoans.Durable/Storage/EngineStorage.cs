using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace RuralLoans.Durable.Storage;

/// <summary>
/// The task hub's storage: control and work-item queues (+ poison queues), one instances table that
/// holds each instance's state row and its history rows in one partition, and a payload container.
/// </summary>
public sealed class EngineStorage
{
    private readonly EngineOptions options;

    public EngineStorage(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        var hub = options.TaskHubName.ToLowerInvariant();
        var account = options.Storage
            ?? (options.StorageConnectionString is { Length: > 0 } connectionString
                ? StorageAccount.FromConnectionString(connectionString)
                : throw new ArgumentException("EngineOptions needs a storage account: set Storage or StorageConnectionString.", nameof(options)));
        var names = NamesFor(options.TaskHubName);

        // Base64 as the Functions queue trigger expects by default (and plain text is unsafe with Azurite for large non-ASCII messages).
        var queueOptions = WithPolicy(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        ControlQueue = account.CreateQueueClient(names.ControlQueue, queueOptions);
        WorkItemQueue = account.CreateQueueClient(names.WorkItemQueue, queueOptions);
        ControlPoisonQueue = account.CreateQueueClient(names.ControlPoisonQueue, queueOptions);
        WorkItemPoisonQueue = account.CreateQueueClient(names.WorkItemPoisonQueue, queueOptions);
        Instances = account.CreateTableClient(names.InstancesTable, WithPolicy(new TableClientOptions()));
        Payloads = account.CreateBlobContainerClient(names.PayloadsContainer, WithPolicy(new BlobClientOptions()));
    }

    /// <summary>
    /// The queue, table and container names of a task hub, for the code that declares Functions triggers and the
    /// infrastructure templates that create them: they must be the names this class uses.
    /// </summary>
    public static TaskHubNames NamesFor(string taskHubName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskHubName);
        var hub = taskHubName.ToLowerInvariant();
        return new TaskHubNames(
            $"{hub}-control",
            $"{hub}-workitems",
            $"{hub}-control-poison",
            $"{hub}-workitems-poison",
            $"{new string(hub.Where(char.IsLetterOrDigit).ToArray())}Instances",
            $"{hub}-payloads");
    }

    public QueueClient ControlQueue { get; }

    public QueueClient WorkItemQueue { get; }

    public QueueClient ControlPoisonQueue { get; }

    public QueueClient WorkItemPoisonQueue { get; }

    public TableClient Instances { get; }

    public BlobContainerClient Payloads { get; }

    internal EngineOptions Options => options;

    /// <summary>
    /// Instance state this process last committed, shared by its client and its processor so that an instance started
    /// here runs its first episode without reading back what was just written. Safe because every commit is ETag-fenced:
    /// a stale entry fails its commit and is reloaded.
    /// </summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, InstanceSnapshot> InstanceCache { get; } = new(StringComparer.Ordinal);

    private T WithPolicy<T>(T clientOptions)
        where T : ClientOptions
    {
        if (options.StorageRequestPolicy is { } policy)
        {
            clientOptions.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerCall);
        }

        return clientOptions;
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(
            ControlQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            WorkItemQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            ControlPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            WorkItemPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
            Instances.CreateIfNotExistsAsync(cancellationToken),
            Payloads.CreateIfNotExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Removes every queue, table and container of the hub (tests and benchmarks).</summary>
    public async Task DeleteAllAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Task.WhenAll(
                ControlQueue.DeleteIfExistsAsync(cancellationToken),
                WorkItemQueue.DeleteIfExistsAsync(cancellationToken),
                ControlPoisonQueue.DeleteIfExistsAsync(cancellationToken),
                WorkItemPoisonQueue.DeleteIfExistsAsync(cancellationToken),
                Instances.DeleteAsync(cancellationToken),
                Payloads.DeleteIfExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // Already gone.
        }
    }
}

/// <summary>Storage names of one task hub.</summary>
public sealed record TaskHubNames(string ControlQueue, string WorkItemQueue, string ControlPoisonQueue, string WorkItemPoisonQueue, string InstancesTable, string PayloadsContainer);
