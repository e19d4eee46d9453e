using System.Globalization;

namespace RuralLoans.Durable.Host;

internal static class Report
{
    public static string Bench(BenchResult result) => string.Create(CultureInfo.InvariantCulture, $"""
        Work items/s (parallel chains + fan-outs): {result.WorkItemsPerSecond} ({result.ThroughputWorkItems} in {result.ThroughputSeconds} s)
        5-activity chain end to end: p50 {result.P50Ms} ms, p99 {result.P99Ms} ms ({result.ChainSamples} runs)
        Wake-up after idling: p50 {result.IdleWakeP50Ms} ms ({result.IdleSamples} runs)
        Storage transactions per work item: {result.StorageTransactionsPerWorkItem} ({result.StorageTransactionsPerActivity} per activity, counting its result message and the episode it triggers)
        Raw queue round trips/s on this machine: {result.RawQueueRoundTripsPerSecond}
        """);

    public static string Chaos(ChaosResult result) => string.Create(CultureInfo.InvariantCulture, $"""
        {result.Orchestrations} instances, {result.Kills} host kills, {result.DuplicatesInjected} duplicated messages, {result.ElapsedSeconds} s
        completed {result.Completed}, lost {result.Lost}, stuck {result.Stuck}, duplicate effects {result.DuplicateEffects}, broken history chains {result.HashChainFailures}
        {(result.Passed ? "PASS" : "FAIL")}
        """);
}
