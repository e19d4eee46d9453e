using Microsoft.Azure.Cosmos;
using RuralLoans.DevServices;

namespace RuralLoans.Testing;

/// <summary>Cosmos clients configured the way the local Cosmos DB server needs them.</summary>
public static class LocalCosmos
{
    /// <summary>
    /// Gateway mode (the local server speaks only the gateway REST protocol), pinned to the one endpoint
    /// (it advertises no other regions), trusting its self-signed certificate only on loopback.
    /// </summary>
    public static CosmosClient CreateClient(DevServicesEndpoints endpoints, Action<CosmosClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
            HttpClientFactory = () => new HttpClient(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (request, _, _, errors) =>
                    LoopbackCertificates.IsAcceptable(request.RequestUri, errors),
            }),
        };
        configure?.Invoke(options);
        return new CosmosClient(endpoints.CosmosConnectionString, options);
    }
}
