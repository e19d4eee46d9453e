using Microsoft.Extensions.Logging;

namespace RuralLoans.DevServices;

/// <summary>How to start the local dev services (Azurite for blobs/queues/tables, the local Cosmos DB server).</summary>
public sealed class DevServicesOptions
{
    /// <summary>Folder holding RuralLoans.sln and devservices/. Default: found by walking up from the app and the current directory.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Where the services keep their data. Default: &lt;repo&gt;/.devservices/data.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Fixed ports; any left null gets a free loopback port.</summary>
    public int? BlobPort { get; init; }

    public int? QueuePort { get; init; }

    public int? TablePort { get; init; }

    public int? CosmosPort { get; init; }

    /// <summary>When true the services stop as soon as this process dies, however it dies.</summary>
    public bool BoundToParent { get; init; } = true;

    /// <summary>Azurite alone takes 2–10 s on a busy two-core machine; the first start also runs npm ci.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public ILogger? Logger { get; init; }

    internal bool HasFixedPorts => BlobPort is not null || QueuePort is not null || TablePort is not null || CosmosPort is not null;
}
