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

    /// <summary>Identity-based, as Azure Functions spells it: <c>Setting__serviceUri</c> or <c>Setting__accountEndpoint</c>.</summary>
    public sealed record ManagedIdentity(Uri ServiceUri) : ServiceConnection;
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
}
