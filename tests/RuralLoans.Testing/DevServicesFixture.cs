using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Azure.Cosmos;
using RuralLoans.DevServices;
using Xunit;

namespace RuralLoans.Testing;

/// <summary>
/// One set of dev services per test assembly, in a fresh temporary data folder, stopped (and the folder
/// removed) when the assembly's tests end. Use with <c>[assembly: AssemblyFixture(typeof(DevServicesFixture))]</c>
/// and take it as a constructor parameter. Node.js missing fails the tests with a message saying how to fix it.
/// </summary>
public sealed class DevServicesFixture : IAsyncLifetime
{
    private DevServicesHost? _host;

    public DevServicesHost Host => _host ?? throw new InvalidOperationException("The dev services have not been started yet.");

    public DevServicesEndpoints Endpoints => Host.Endpoints;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "ruralloans-tests", Guid.NewGuid().ToString("N"));

    public string StorageConnectionString => Endpoints.StorageConnectionString;

    public async ValueTask InitializeAsync()
    {
        _host = await DevServicesHost.StartAsync(
            new DevServicesOptions { DataDirectory = DataDirectory },
            TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
        }

        TemporaryDirectories.TryDelete(DataDirectory);
    }

    public CosmosClient CreateCosmosClient(Action<CosmosClientOptions>? configure = null) => LocalCosmos.CreateClient(Endpoints, configure);

    public BlobServiceClient CreateBlobServiceClient() => new(StorageConnectionString);

    /// <summary>Base64 message encoding: with plain text Azurite corrupts large non-ASCII messages.</summary>
    public QueueServiceClient CreateQueueServiceClient() =>
        new(StorageConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public TableServiceClient CreateTableServiceClient() => new(StorageConnectionString);
}
