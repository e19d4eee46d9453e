using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Telemetry;

namespace RuralLoans.Durable.Tests;

public sealed class TelemetryTests(StorageFixture storage)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_instance_is_one_trace_with_a_span_per_activity_and_work_items_are_counted()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var workItems = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, subscriber) =>
            {
                if (instrument.Meter.Name == EngineTelemetry.SourceName)
                {
                    subscriber.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => workItems.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        meters.Start();
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Step", (_, value) => value + 1)
            .AddOrchestrator<int, int>("Steps", async (context, value) =>
            {
                value = await context.CallActivityAsync<int>("Step", value);
                return await context.CallActivityAsync<int>("Step", value);
            });
        await using var hub = await EngineHarness.CreateAsync(storage.ConnectionString, registry);

        var first = await hub.Client.StartNewAsync("Steps", 0, cancellationToken: Cancel);
        var second = await hub.Client.StartNewAsync("Steps", 0, cancellationToken: Cancel);
        await hub.WaitAsync(first);
        await hub.WaitAsync(second);

        string[] TraceIds(string id, string spanName) => [.. spans
            .Where(span => span.DisplayName == spanName && (string?)span.GetTagItem("durable.instance_id") == id)
            .Select(span => span.TraceId.ToHexString()).Distinct()];
        var firstActivities = spans.Count(span => span.DisplayName == "activity Step" && (string?)span.GetTagItem("durable.instance_id") == first);
        Assert.Equal(2, firstActivities);
        var firstTrace = Assert.Single(TraceIds(first, "activity Step"));
        Assert.Equal(firstTrace, Assert.Single(TraceIds(first, "orchestration episode Steps")));
        Assert.NotEqual(firstTrace, Assert.Single(TraceIds(second, "activity Step")));
        Assert.True(workItems.GetValueOrDefault("durable.work_items") >= 6);
    }
}
