using System.Globalization;
using System.Text.Json;

namespace RuralLoans.DevServices;

/// <summary>How devservices/run.mjs is invoked and what its one ready line says.</summary>
internal static class SupervisorProtocol
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="parentPid">The process whose death stops the services; 0 for a detached instance.</param>
    public static IReadOnlyList<string> Arguments(RepositoryLayout layout, DevServicesEndpoints endpoints, string dataDirectory, int parentPid) =>
    [
        layout.SupervisorScript,
        "--parent-pid", parentPid.ToString(CultureInfo.InvariantCulture),
        "--data-dir", dataDirectory,
        "--blob-port", endpoints.BlobPort.ToString(CultureInfo.InvariantCulture),
        "--queue-port", endpoints.QueuePort.ToString(CultureInfo.InvariantCulture),
        "--table-port", endpoints.TablePort.ToString(CultureInfo.InvariantCulture),
        "--cosmos-port", endpoints.CosmosPort.ToString(CultureInfo.InvariantCulture),
    ];

    public static ReadyMessage? ParseReady(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            var message = JsonSerializer.Deserialize<ReadyMessage>(line, Json);
            return message?.Event == "ready" ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when a start failed because another process took one of our ports first.</summary>
    public static bool IsPortConflict(string output) => output.Contains("EADDRINUSE", StringComparison.Ordinal);
}

internal sealed record ReadyMessage(string Event, int Pid, int AzuritePid, int BlobPort, int QueuePort, int TablePort, int CosmosPort);
