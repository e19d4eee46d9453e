using Azure.Core;
using Azure.Core.Pipeline;

namespace RuralLoans.TaskHub;

/// <summary>Counts storage requests (transactions), separating receives that found nothing (idle polls).</summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> byKind = new(StringComparer.Ordinal);
    private long requests;
    private long emptyReceives;

    /// <summary>Requests so far by service and operation ("queue receive", "table batch", "blob put", …), to see where they go.</summary>
    public IReadOnlyDictionary<string, long> ByKind() => byKind.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);

    public long Requests => Interlocked.Read(ref requests);

    public long EmptyReceives => Interlocked.Read(ref emptyReceives);

    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Interlocked.Increment(ref requests);
        byKind.AddOrUpdate(Kind(message.Request), 1, (_, n) => n + 1);
        var isReceive = message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal);
        if (isReceive && message.Response.ContentStream is { CanSeek: true, Length: < 120 })
        {
            Interlocked.Increment(ref emptyReceives);
        }
    }

    private static string Kind(Request request)
    {
        var path = request.Uri.Path;
        var method = request.Method.Method;
        if (path.EndsWith("/messages", StringComparison.Ordinal) || path.Contains("/messages/", StringComparison.Ordinal))
        {
            return "queue " + method switch { "GET" => "receive or peek", "POST" => "send", "DELETE" => "delete", "PUT" => "update", _ => method.ToLowerInvariant() };
        }
        if (path.EndsWith("$batch", StringComparison.Ordinal))
        {
            return "table batch";
        }
        if (path.Contains("Tables", StringComparison.Ordinal) || path.Contains("(PartitionKey", StringComparison.Ordinal) || path.Contains("()", StringComparison.Ordinal))
        {
            return "table " + method.ToLowerInvariant();
        }
        var query = request.Uri.Query;
        return query.Contains("comp=lease", StringComparison.Ordinal) ? "blob lease"
            : query.Contains("comp=metadata", StringComparison.Ordinal) || query.Contains("restype=queue", StringComparison.Ordinal) ? "metadata " + method.ToLowerInvariant()
            : "blob " + method.ToLowerInvariant();
    }
}
