using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RuralLoans.Durable.Telemetry;

/// <summary>
/// OpenTelemetry-ready instrumentation. Subscribe with AddSource/AddMeter("RuralLoans.Durable").
/// Each instance is one trace (its root is created when the instance starts); every episode and
/// activity execution is a span in it.
/// </summary>
public static class EngineTelemetry
{
    public const string SourceName = "RuralLoans.Durable";

    public static ActivitySource Source { get; } = new(SourceName);

    public static Meter Meter { get; } = new(SourceName);

    private static readonly ConcurrentDictionary<string, long> Backlogs = new(StringComparer.Ordinal);

    private static readonly Counter<long> WorkItems = Meter.CreateCounter<long>("durable.work_items", "{item}", "Work items processed (rate = work items/s).");

    private static readonly Counter<long> Poisoned = Meter.CreateCounter<long>("durable.poison_messages", "{message}", "Messages moved to a poison queue.");

    private static readonly Histogram<double> EndToEnd = Meter.CreateHistogram<double>("durable.orchestration.duration", "ms", "Time from instance creation to completion.");

    private static readonly ObservableGauge<long> Backlog = Meter.CreateObservableGauge(
        "durable.queue.backlog", () => Backlogs.Select(entry => new Measurement<long>(entry.Value, new KeyValuePair<string, object?>("queue", entry.Key))), "{message}", "Approximate messages waiting per queue.");

    internal static void WorkItemProcessed(string queue, string outcome) =>
        WorkItems.Add(1, new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("outcome", outcome));

    internal static void MessagePoisoned(string queue) => Poisoned.Add(1, new KeyValuePair<string, object?>("queue", queue));

    internal static void OrchestrationFinished(string name, string status, TimeSpan elapsed) =>
        EndToEnd.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("orchestration", name), new KeyValuePair<string, object?>("status", status));

    internal static void ReportBacklog(string queue, long approximateCount) => Backlogs[queue] = approximateCount;

    internal static Activity? StartSpan(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        return Source.StartActivity(name, kind, parent);
    }

    /// <summary>A fresh root context for a new instance, even when nobody listens (so ids are always recorded).</summary>
    internal static string NewTraceParent()
    {
        var ambient = Activity.Current;
        Activity.Current = null;
        try
        {
            using var root = Source.StartActivity("orchestration", ActivityKind.Internal, default(ActivityContext));
            return root?.Id ?? $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";
        }
        finally
        {
            Activity.Current = ambient;
        }
    }
}
