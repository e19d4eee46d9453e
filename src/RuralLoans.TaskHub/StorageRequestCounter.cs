using Azure.Core;
using Azure.Core.Pipeline;

namespace RuralLoans.TaskHub;

/// <summary>Counts storage requests (transactions), separating receives that found nothing (idle polls).</summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private long requests;
    private long emptyReceives;

    public long Requests => Interlocked.Read(ref requests);

    public long EmptyReceives => Interlocked.Read(ref emptyReceives);

    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Interlocked.Increment(ref requests);
        var isReceive = message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal);
        if (isReceive && message.Response.ContentStream is { CanSeek: true, Length: < 120 })
        {
            Interlocked.Increment(ref emptyReceives);
        }
    }
}
