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
        var queueOptions = WithPolicy(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        ControlQueue = new QueueClient(options.StorageConnectionString, $"{hub}-control", queueOptions);
        WorkItemQueue = new QueueClient(options.StorageConnectionString, $"{hub}-workitems", queueOptions);
        ControlPoisonQueue = new QueueClient(options.StorageConnectionString, $"{hub}-control-poison", queueOptions);
        WorkItemPoisonQueue = new QueueClient(options.StorageConnectionString, $"{hub}-workitems-poison", queueOptions);
        Instances = new TableClient(options.StorageConnectionString, $"{new string(hub.Where(char.IsLetterOrDigit).ToArray())}Instances", WithPolicy(new TableClientOptions()));
        Payloads = new BlobContainerClient(options.StorageConnectionString, $"{hub}-payloads", WithPolicy(new BlobClientOptions()));
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
