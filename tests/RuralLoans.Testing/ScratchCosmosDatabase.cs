using Microsoft.Azure.Cosmos;

namespace RuralLoans.Testing;

/// <summary>
/// A database of one test class's own on the shared Cosmos emulator, so classes running in parallel never see each
/// other's documents; disposing deletes it and the client.
/// </summary>
public sealed class ScratchCosmosDatabase : IAsyncDisposable
{
    private ScratchCosmosDatabase(CosmosClient client, Database database)
    {
        Client = client;
        Database = database;
    }

    public CosmosClient Client { get; }

    public Database Database { get; }

    /// <summary>Creates the database; the scratch database owns <paramref name="client"/> from then on.</summary>
    public static async Task<ScratchCosmosDatabase> CreateAsync(CosmosClient client, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var database = (await client.CreateDatabaseIfNotExistsAsync(UniqueNames.CosmosDatabase(prefix), cancellationToken: cancellationToken).ConfigureAwait(false)).Database;
            return new ScratchCosmosDatabase(client, database);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>A new container with a unique name, partitioned by <paramref name="partitionKeyPath"/>.</summary>
    public async Task<Container> ContainerAsync(string partitionKeyPath, CancellationToken cancellationToken) =>
        (await Database.CreateContainerIfNotExistsAsync(UniqueNames.CosmosContainer(), partitionKeyPath, cancellationToken: cancellationToken).ConfigureAwait(false)).Container;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Database.DeleteAsync().ConfigureAwait(false);
        }
        finally
        {
            Client.Dispose();
        }
    }
}
