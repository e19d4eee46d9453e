using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Core;
using Microsoft.Azure.Cosmos;

namespace RuralLoans.Storage;

/// <summary>Creates Cosmos clients for the cloud (managed identity or key) and for the local emulator.</summary>
public static class CosmosClients
{
    /// <summary>Documents use camelCase names and string enums, the same on every path that reads or writes them.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static CosmosClient FromConnectionString(string connectionString, Action<CosmosClientOptions>? configure = null)
    {
        var options = OptionsFor(ParseEndpoint(connectionString));
        configure?.Invoke(options);
        return new CosmosClient(connectionString, options);
    }

    public static CosmosClient FromIdentity(Uri accountEndpoint, TokenCredential credential) =>
        new(accountEndpoint.ToString(), credential, OptionsFor(accountEndpoint));

    private static CosmosClientOptions OptionsFor(Uri endpoint)
    {
        var options = new CosmosClientOptions
        {
            UseSystemTextJsonSerializerWithOptions = JsonOptions,
            ApplicationName = "RuralLoans",
        };
        if (endpoint.IsLoopback)
        {
            // The local emulator speaks HTTPS with a self-signed certificate and only the gateway protocol, and
            // advertises no other regions. Trusting its certificate is safe only because it is on this machine.
            options.ConnectionMode = ConnectionMode.Gateway;
            options.LimitToEndpoint = true;
            options.HttpClientFactory = () => new HttpClient(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
            });
        }
        return options;
    }

    private static Uri ParseEndpoint(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = part.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && part[..separator].Trim().Equals("AccountEndpoint", StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(part[(separator + 1)..].Trim(), UriKind.Absolute, out var endpoint))
            {
                return endpoint;
            }
        }
        throw new ArgumentException("The Cosmos connection string has no AccountEndpoint=https://...;", nameof(connectionString));
    }
}
