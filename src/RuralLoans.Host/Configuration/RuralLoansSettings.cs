using RuralLoans.Ocr;

namespace RuralLoans.Host.Configuration;

/// <summary>How to reach a storage-like service: the local dev services, a connection string, or a managed identity.</summary>
public abstract record ServiceConnection
{
    /// <summary>Start (or attach to) the local emulator on free loopback ports.</summary>
    public sealed record DevelopmentEmulator : ServiceConnection;

    public sealed record ConnectionString(string Value) : ServiceConnection
    {
        /// <summary>Names the kind of connection and never prints the string: it may hold an account key.</summary>
        public override string ToString() => "ConnectionString { (hidden) }";
    }

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
    /// <summary>
    /// True when both storage and Cosmos are the local emulators (started for us, or reached on loopback): the only
    /// case in which development sign-in is allowed.
    /// </summary>
    public bool IsLocalDevelopment => IsLocalEmulator(Storage) && IsLocalEmulator(Cosmos);

    public static bool IsLocalEmulator(ServiceConnection connection) => connection switch
    {
        ServiceConnection.DevelopmentEmulator => true,
        ServiceConnection.ConnectionString c => EndpointsOf(c.Value) is { Count: > 0 } endpoints && endpoints.TrueForAll(uri => uri.IsLoopback)
            || c.Value.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>The endpoints a connection string names explicitly (none for an account-name-only storage string).</summary>
    private static List<Uri> EndpointsOf(string connectionString) =>
    [
        .. connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].EndsWith("Endpoint", StringComparison.OrdinalIgnoreCase))
            .Select(pair => Uri.TryCreate(pair[1], UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>(),
    ];

    /// <summary>True when the payment rail is the local simulator the host starts itself.</summary>
    public bool UsesLocalRailSimulator => PaymentRailUrl is null;

    /// <summary>Finished orchestration histories older than this are purged by housekeeping; null keeps them for ever.</summary>
    public TimeSpan? HistoryRetention { get; init; } = TimeSpan.FromDays(SettingsLoader.DefaultHistoryRetentionDays);

    /// <summary>Prints the settings for logs and errors without the Document Intelligence key or any connection string.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"Storage = {Storage}, Cosmos = {Cosmos}, CosmosDatabase = {CosmosDatabase}, TaskHubName = {TaskHubName}, OcrEngine = {OcrEngine}, ");
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"DocumentIntelligenceEndpoint = {DocumentIntelligenceEndpoint}, DocumentIntelligenceKey = {(DocumentIntelligenceKey is null ? "(none)" : "(hidden)")}, ");
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"PaymentRailUrl = {PaymentRailUrl?.ToString() ?? "local-simulator"}, HistoryRetention = {HistoryRetention}");
        return true;
    }

    /// <summary>Keys the borrower's resident-ID hash (ResidentIdHashKey); never printed. The development key only on the local emulators.</summary>
    public RuralLoans.Domain.CoLending.ResidentIdHasher ResidentIds { get; init; } = RuralLoans.Domain.CoLending.ResidentIdHasher.Development;

    /// <summary>How the local task hub runs: host.json's durableTask section, as the Function App reads it in Azure.</summary>
    public RuralLoans.TaskHub.TaskHubSettings? TaskHub { get; init; }
}
