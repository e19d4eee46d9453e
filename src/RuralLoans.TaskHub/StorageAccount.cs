using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;

namespace RuralLoans.TaskHub;

/// <summary>
/// How to reach one storage account: a connection string (local Azurite, or account keys) or a token credential with
/// the blob, queue and table service URIs, as Azure Functions spells identity-based connections. Every client the
/// task hub and the pipeline create comes from here, so both ways work everywhere.
/// </summary>
public sealed class StorageAccount
{
    private readonly string? connectionString;
    private readonly TokenCredential? credential;
    private readonly HttpPipelinePolicy? requestPolicy;

    private StorageAccount(string? connectionString, Uri? blobServiceUri, Uri? queueServiceUri, Uri? tableServiceUri, TokenCredential? credential, HttpPipelinePolicy? requestPolicy = null)
    {
        this.connectionString = connectionString;
        BlobServiceUri = blobServiceUri;
        QueueServiceUri = queueServiceUri;
        TableServiceUri = tableServiceUri;
        this.credential = credential;
        this.requestPolicy = requestPolicy;
    }

    /// <summary>The blob endpoint when the account is reached with an identity; null for a connection string.</summary>
    public Uri? BlobServiceUri { get; }

    public Uri? QueueServiceUri { get; }

    public Uri? TableServiceUri { get; }

    public bool UsesIdentity => credential is not null;

    public static StorageAccount FromConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new StorageAccount(connectionString, null, null, null, null);
    }

    public static StorageAccount FromIdentity(Uri blobServiceUri, Uri queueServiceUri, Uri tableServiceUri, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(blobServiceUri);
        ArgumentNullException.ThrowIfNull(queueServiceUri);
        ArgumentNullException.ThrowIfNull(tableServiceUri);
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageAccount(null, blobServiceUri, queueServiceUri, tableServiceUri, credential);
    }

    /// <summary>
    /// The same account with <paramref name="policy"/> in every client made from it, the task hub provider's included,
    /// e.g. to count every storage transaction a benchmark causes.
    /// </summary>
    public StorageAccount WithRequestPolicy(HttpPipelinePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new StorageAccount(connectionString, BlobServiceUri, QueueServiceUri, TableServiceUri, credential, policy);
    }

    public QueueClient CreateQueueClient(string queueName, QueueClientOptions options) =>
        credential is null ? new QueueClient(connectionString, queueName, WithPolicy(options)) : new QueueClient(Child(QueueServiceUri!, queueName), credential, WithPolicy(options));

    public TableClient CreateTableClient(string tableName, TableClientOptions options) =>
        credential is null ? new TableClient(connectionString, tableName, WithPolicy(options)) : new TableClient(TableServiceUri!, tableName, credential, WithPolicy(options));

    public BlobContainerClient CreateBlobContainerClient(string containerName, BlobClientOptions options) =>
        credential is null ? new BlobContainerClient(connectionString, containerName, WithPolicy(options)) : new BlobContainerClient(Child(BlobServiceUri!, containerName), credential, WithPolicy(options));

    /// <summary>The same account as the Durable Task Framework's Azure Storage provider reaches it.</summary>
    public StorageAccountClientProvider ToTaskHubClientProvider()
    {
        if (requestPolicy is null)
        {
            return credential is null ? new StorageAccountClientProvider(connectionString!) : new StorageAccountClientProvider(BlobServiceUri!, QueueServiceUri!, TableServiceUri!, credential);
        }
        return credential is null
            ? new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connectionString!, WithPolicy(new BlobClientOptions())),
                StorageServiceClientProvider.ForQueue(connectionString!, WithPolicy(new QueueClientOptions())),
                StorageServiceClientProvider.ForTable(connectionString!, WithPolicy(new TableClientOptions())))
            : new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(BlobServiceUri!, credential, WithPolicy(new BlobClientOptions())),
                StorageServiceClientProvider.ForQueue(QueueServiceUri!, credential, WithPolicy(new QueueClientOptions())),
                StorageServiceClientProvider.ForTable(TableServiceUri!, credential, WithPolicy(new TableClientOptions())));
    }

    /// <summary>Names the endpoint without ever printing a key.</summary>
    public override string ToString() => credential is null ? "storage account (connection string)" : $"storage account {BlobServiceUri!.Host} (identity)";

    private T WithPolicy<T>(T options) where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        if (requestPolicy is not null)
        {
            options.AddPolicy(requestPolicy, HttpPipelinePosition.PerRetry);
        }
        return options;
    }

    private static Uri Child(Uri service, string name) => new($"{service.AbsoluteUri.TrimEnd('/')}/{Uri.EscapeDataString(name)}");
}
