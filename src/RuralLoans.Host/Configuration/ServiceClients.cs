using Azure.Core;
using Azure.Identity;
using Microsoft.Azure.Cosmos;
using RuralLoans.DevServices;
using RuralLoans.TaskHub;
using RuralLoans.Storage;

namespace RuralLoans.Host.Configuration;

/// <summary>Turns validated connection settings into Azure clients: the same construction for the host, the CLI and the tests.</summary>
public static class ServiceClients
{
    /// <summary>The app's managed identity in Azure (user-assigned with a client id); the developer's sign-in otherwise.</summary>
    public static TokenCredential CredentialFor(IdentityChoice identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (!identity.ManagedIdentity)
        {
            return new DefaultAzureCredential();
        }
        return new ManagedIdentityCredential(identity.ClientId is { } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned);
    }

    /// <param name="devServices">The running local services, needed only for <see cref="ServiceConnection.DevelopmentEmulator"/>.</param>
    /// <param name="credentialFor">Replaces <see cref="CredentialFor"/> (tests).</param>
    public static StorageAccount StorageAccountFor(ServiceConnection connection, DevServicesEndpoints? devServices, Func<IdentityChoice, TokenCredential>? credentialFor = null) => connection switch
    {
        ServiceConnection.DevelopmentEmulator => StorageAccount.FromConnectionString(
            (devServices ?? throw new InvalidOperationException("AzureWebJobsStorage asks for the local dev services, which are not running.")).StorageConnectionString),
        ServiceConnection.ConnectionString c => StorageAccount.FromConnectionString(c.Value),
        ServiceConnection.StorageIdentity s => StorageAccount.FromIdentity(s.BlobServiceUri, s.QueueServiceUri, s.TableServiceUri, (credentialFor ?? CredentialFor)(s.Identity)),
        _ => throw new InvalidOperationException($"AzureWebJobsStorage cannot be a {connection.GetType().Name} connection."),
    };

    public static CosmosClient CosmosClientFor(ServiceConnection connection, DevServicesEndpoints? devServices, Func<IdentityChoice, TokenCredential>? credentialFor = null) => connection switch
    {
        ServiceConnection.DevelopmentEmulator => CosmosClients.FromConnectionString(
            (devServices ?? throw new InvalidOperationException("CosmosDbConnection asks for the local dev services, which are not running.")).CosmosConnectionString),
        ServiceConnection.ConnectionString c => CosmosClients.FromConnectionString(c.Value),
        ServiceConnection.ManagedIdentity m => CosmosClients.FromIdentity(m.ServiceUri, (credentialFor ?? CredentialFor)(m.Identity ?? IdentityChoice.DeveloperChain)),
        _ => throw new InvalidOperationException($"CosmosDbConnection cannot be a {connection.GetType().Name} connection."),
    };
}
