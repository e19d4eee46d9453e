using Microsoft.Azure.Cosmos;
using Newtonsoft.Json;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>Where a Cosmos contract test runs: the local server, or a real account when one is configured.</summary>
public enum CosmosTarget
{
    Local,
    Real,
}

/// <summary>A fresh container on the chosen target, deleted afterwards.</summary>
internal sealed class CosmosContractContainer : IAsyncDisposable
{
    public const string RealConnectionVariable = "COSMOS_CONTRACT_CONNECTION";

    private readonly CosmosClient _client;

    private CosmosContractContainer(CosmosClient client, Container container)
    {
        _client = client;
        Container = container;
    }

    public Container Container { get; }

    public static async Task<CosmosContractContainer> CreateAsync(
        CosmosTarget target, DevServicesFixture services, Action<ContainerProperties>? configure = null)
    {
        var ct = TestContext.Current.CancellationToken;
        CosmosClient client;
        if (target == CosmosTarget.Real)
        {
            var connection = Environment.GetEnvironmentVariable(RealConnectionVariable);
            if (string.IsNullOrWhiteSpace(connection))
            {
                Assert.Skip($"{RealConnectionVariable} is not set; set it to a Cosmos DB connection string to run this contract test against real Cosmos DB.");
            }

            client = new CosmosClient(connection);
        }
        else
        {
            client = services.CreateCosmosClient();
        }

        var database = (await client.CreateDatabaseIfNotExistsAsync("ruralloans-contract", cancellationToken: ct)).Database;
        var properties = new ContainerProperties(UniqueNames.CosmosContainer("contract"), "/pk");
        configure?.Invoke(properties);
        var container = (await database.CreateContainerAsync(properties, cancellationToken: ct)).Container;
        return new CosmosContractContainer(client, container);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Container.DeleteContainerAsync();
        }
        finally
        {
            _client.Dispose();
        }
    }
}

internal sealed record LoanItem(
    [property: JsonProperty("id")] string Id,
    [property: JsonProperty("pk")] string Village,
    [property: JsonProperty("amount")] decimal Amount,
    [property: JsonProperty("ttl", NullValueHandling = NullValueHandling.Ignore)] int? TimeToLive = null);
