using Microsoft.Azure.Cosmos;
using RuralLoans.DevServices;
using RuralLoans.Host;
using RuralLoans.Host.Configuration;

namespace RuralLoans.Cli;

/// <summary>Connects a one-shot command to the storage the settings name, the same way the host does.</summary>
internal static class CommandEnvironment
{
    public sealed record CosmosConnection(CosmosClient Client, string Database);

    /// <summary>The pipeline on the configured storage; one-shot commands need the dev services already running.</summary>
    public static Task<HostedPipeline> StartPipelineAsync(bool runWorker, CancellationToken ct) =>
        HostedPipeline.StartAsync(SettingsLoader.Load(RepositoryPaths.Root), RepositoryPaths.Root, runWorker, startServicesIfMissing: false, loggerFactory: null, ct);

    public static async Task<CosmosConnection> ConnectCosmosAsync(CancellationToken ct)
    {
        var settings = SettingsLoader.Load(RepositoryPaths.Root);
        var devServices = settings.Cosmos is ServiceConnection.DevelopmentEmulator
            ? await new DevServicesDaemon(RepositoryPaths.Root).TryAttachAsync(ct)
              ?? throw new InvalidOperationException("the dev services are not running; start them with ./ruralloans services start")
            : null;
        var client = ServiceClients.CosmosClientFor(settings.Cosmos, devServices);
        return new CosmosConnection(client, settings.CosmosDatabase);
    }
}
