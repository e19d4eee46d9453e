namespace RuralLoans.Host.Configuration;

public enum OcrEngineKind
{
    Tesseract,
    DocumentIntelligence,
}

/// <summary>How to reach a storage-like service: the local dev services, a connection string, or a managed identity.</summary>
public abstract record ServiceConnection
{
    /// <summary>Start (or attach to) the local emulator on free loopback ports.</summary>
    public sealed record DevelopmentEmulator : ServiceConnection;

    public sealed record ConnectionString(string Value) : ServiceConnection;

    /// <summary>Identity-based, as Azure Functions spells it: <c>Setting__accountEndpoint</c> (Cosmos DB).</summary>
    /// <param name="Identity">Which identity signs the requests.</param>
    public sealed record ManagedIdentity(Uri ServiceUri, IdentityChoice? Identity = null) : ServiceConnection;

    /// <summary>
    /// An identity-based storage account: <c>Setting__blobServiceUri</c>, <c>__queueServiceUri</c> and
    /// <c>__tableServiceUri</c>, or <c>Setting__accountName</c> for all three in the public cloud.
    /// </summary>
    public sealed record StorageIdentity(Uri BlobServiceUri, Uri QueueServiceUri, Uri TableServiceUri, IdentityChoice Identity) : ServiceConnection;
}

/// <summary>
/// The identity behind an identity-based connection: <c>__credential</c> = <c>managedidentity</c> (the app's own
/// managed identity, user-assigned when <c>__clientId</c> is set) or, when absent, the developer's sign-in chain.
/// </summary>
public sealed record IdentityChoice(bool ManagedIdentity, string? ClientId)
{
    public static IdentityChoice DeveloperChain { get; } = new(false, null);
}

/// <summary>The validated settings the host runs with. Built only by <see cref="SettingsLoader"/>.</summary>
public sealed record RuralLoansSettings(
    ServiceConnection Storage,
    ServiceConnection Cosmos,
    string CosmosDatabase,
    string TaskHubName,
    OcrEngineKind OcrEngine,
    Uri? DocumentIntelligenceEndpoint,
    string? DocumentIntelligenceKey,
    Uri? PaymentRailUrl)
{
    /// <summary>True when the payment rail is the local simulator the host starts itself.</summary>
    public bool UsesLocalRailSimulator => PaymentRailUrl is null;

    /// <summary>Finished orchestration histories older than this are purged by housekeeping; null keeps them for ever.</summary>
    public TimeSpan? HistoryRetention { get; init; } = TimeSpan.FromDays(SettingsLoader.DefaultHistoryRetentionDays);

    /// <summary>How the local task hub runs: host.json's durableTask section, as the Function App reads it in Azure.</summary>
    public RuralLoans.TaskHub.TaskHubSettings? TaskHub { get; init; }
}
