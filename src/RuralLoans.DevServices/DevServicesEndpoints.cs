namespace RuralLoans.DevServices;

/// <summary>Where the local Azure stand-ins listen. All on loopback.</summary>
public sealed record DevServicesEndpoints(int BlobPort, int QueuePort, int TablePort, int CosmosPort)
{
    /// <summary>Azurite's documented well-known development account key (public, not a secret).</summary>
    public const string DevAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The Cosmos emulator's documented well-known key (public, not a secret).</summary>
    public const string CosmosEmulatorKey =
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    public string StorageConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={DevAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public Uri CosmosEndpoint => new($"https://127.0.0.1:{CosmosPort}/");

    public string CosmosConnectionString => $"AccountEndpoint={CosmosEndpoint};AccountKey={CosmosEmulatorKey};";
}
