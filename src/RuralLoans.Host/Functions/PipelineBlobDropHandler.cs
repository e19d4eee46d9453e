using RuralLoans.Pipeline.Intake;

namespace RuralLoans.Host.Functions;

/// <summary>
/// Binds the blob-drop functions to the pipeline's ingestion. The handler is registered before the pipeline exists
/// (the endpoints are built first), so an invocation that arrives during start-up waits for it.
/// </summary>
public sealed class PipelineBlobDropHandler : IBlobDropHandler
{
    private readonly TaskCompletionSource<BlobDropIngestion> _ingestion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Attach(BlobDropIngestion ingestion) => _ingestion.TrySetResult(ingestion);

    public async Task<string> HandleAsync(string container, string blobName, CancellationToken cancellationToken)
    {
        var ingestion = await _ingestion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = await ingestion.ProcessAsync(container, blobName, cancellationToken).ConfigureAwait(false);
        return result.ToString();
    }
}
