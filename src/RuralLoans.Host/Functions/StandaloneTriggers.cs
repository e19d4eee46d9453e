using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.TaskHub;

namespace RuralLoans.Host.Functions;

/// <summary>
/// Standalone mode's own triggers for the background functions the Function App declares with attributes: timers on
/// their NCRONTAB schedule and a poller for each blob trigger's container. Orchestrations and activities are served by
/// the local task hub's worker.
/// </summary>
public sealed partial class StandaloneTriggers : IAsyncDisposable
{
    private readonly IReadOnlyList<FunctionDeclaration> _functions;
    private readonly IServiceProvider _services;
    private readonly StorageAccount _storage;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _blobPollInterval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    /// <summary>Blobs already handed to their function, by name and ETag, as the host's blob receipts do.</summary>
    private readonly ConcurrentDictionary<string, ETag> _receipts = new(StringComparer.Ordinal);

    public StandaloneTriggers(IReadOnlyList<FunctionDeclaration> functions, IServiceProvider services, StorageAccount storage, TimeProvider? clock = null, TimeSpan? blobPollInterval = null, ILoggerFactory? loggerFactory = null)
    {
        _functions = functions;
        _services = services;
        _storage = storage;
        _clock = clock ?? TimeProvider.System;
        _blobPollInterval = blobPollInterval ?? TimeSpan.FromSeconds(5);
        _logger = (ILogger?)loggerFactory?.CreateLogger<StandaloneTriggers>() ?? NullLogger.Instance;
    }

    public void Start()
    {
        foreach (var function in _functions.Where(f => f.Handler is not null))
        {
            switch (function.Trigger)
            {
                case TimerTrigger timer:
                    var schedule = CronExpression.Parse(timer.Schedule, CronFormat.IncludeSeconds);
                    _loops.Add(Task.Run(() => RunTimerAsync(function, schedule, _stopping.Token)));
                    break;
                case BlobTrigger blob:
                    _loops.Add(Task.Run(() => PollBlobsAsync(function, blob, _stopping.Token)));
                    break;
            }
        }
    }

    private async Task RunTimerAsync(FunctionDeclaration function, CronExpression schedule, CancellationToken cancellationToken)
    {
        DateTimeOffset? last = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            var next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc) ?? throw new InvalidOperationException($"Schedule of {function.Name} never fires.");
            try
            {
                await Task.Delay(next - now, _clock, cancellationToken);
                await InvokeAsync(function, new TimerEvent(IsPastDue: _clock.GetUtcNow() - next > TimeSpan.FromMinutes(1), last, schedule.GetNextOccurrence(next, TimeZoneInfo.Utc)), cancellationToken);
                last = next;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PollBlobsAsync(FunctionDeclaration function, BlobTrigger trigger, CancellationToken cancellationToken)
    {
        var container = _storage.CreateBlobContainerClient(trigger.Container, new BlobClientOptions());
        var created = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!created)
                {
                    await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                    created = true;
                }
                await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, cancellationToken))
                {
                    var key = $"{trigger.Container}/{blob.Name}";
                    if (BackgroundFunctions.SettledPrefixes.Any(prefix => blob.Name.StartsWith(prefix, StringComparison.Ordinal))
                        || (_receipts.TryGetValue(key, out var seen) && seen == blob.Properties.ETag))
                    {
                        continue;
                    }
                    if (await InvokeAsync(function, new BlobEvent(trigger.Container, blob.Name, blob.Properties.ContentLength, blob.Properties.ETag?.ToString(), blob.Properties.ContentType), cancellationToken))
                    {
                        _receipts[key] = blob.Properties.ETag ?? default;
                    }
                }
                await Task.Delay(_blobPollInterval, _clock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RequestFailedException e)
            {
                LogPollFailed(_logger, trigger.Container, e);
                await Task.Delay(_blobPollInterval, _clock, cancellationToken);
            }
        }
    }

    /// <returns>True when the function succeeded.</returns>
    private async Task<bool> InvokeAsync(FunctionDeclaration function, TriggerEvent trigger, CancellationToken cancellationToken)
    {
        var invocation = new FunctionInvocation(function.Name, trigger, _services);
        try
        {
            await function.Handler!(invocation, cancellationToken);
            foreach (var line in invocation.Logs)
            {
                LogInvoked(_logger, function.Name, line);
            }
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(_logger, function.Name, e);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: {Line}")]
    private static partial void LogInvoked(ILogger logger, string function, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} failed; the standalone trigger offers it again later")]
    private static partial void LogFailed(ILogger logger, string function, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling container {Container} failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, string container, Exception error);
}
