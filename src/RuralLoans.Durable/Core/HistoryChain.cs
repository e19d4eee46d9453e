using System.Security.Cryptography;
using System.Text;

namespace RuralLoans.Durable.Core;

/// <summary>
/// Links every history event to its predecessor with SHA-256, so any edit, deletion or reordering of
/// stored history is detectable. The chain runs across executions of one instance.
/// </summary>
public static class HistoryChain
{
    public const string Genesis = "";

    public static HistoryEvent Link(HistoryEvent unlinked, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(unlinked);
        var withPrevious = unlinked with { PreviousHash = previousHash, Hash = null };
        return withPrevious with { Hash = ComputeHash(withPrevious) };
    }

    public static string ComputeHash(HistoryEvent linked)
    {
        ArgumentNullException.ThrowIfNull(linked);
        var canonical = DurableJson.Serialize(linked with { Hash = null })!;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Finds the first event that does not follow from its predecessor, or null when the chain is intact.</summary>
    public static HistoryVerification Verify(string instanceId, IReadOnlyList<HistoryEvent> events, string? expectedLastHash, long expectedCount)
    {
        ArgumentNullException.ThrowIfNull(events);
        var previous = Genesis;
        for (var index = 0; index < events.Count; index++)
        {
            var current = events[index];
            if (current.Sequence != index)
            {
                return HistoryVerification.Broken(instanceId, events.Count, index, $"expected event {index} but found event {current.Sequence} (an event is missing or out of order)");
            }

            if (!string.Equals(current.PreviousHash, previous, StringComparison.Ordinal))
            {
                return HistoryVerification.Broken(instanceId, events.Count, index, "its link to the previous event does not match that event's hash");
            }

            if (!string.Equals(current.Hash, ComputeHash(current), StringComparison.Ordinal))
            {
                return HistoryVerification.Broken(instanceId, events.Count, index, "its content does not match its hash (the event was altered)");
            }

            previous = current.Hash!;
        }

        if (events.Count != expectedCount || !string.Equals(previous, expectedLastHash ?? Genesis, StringComparison.Ordinal))
        {
            return HistoryVerification.Broken(instanceId, events.Count, events.Count,
                $"the instance records {expectedCount} event(s) ending in hash {expectedLastHash}, but the history holds {events.Count} ending in {previous} (events were removed or added)");
        }

        return new HistoryVerification(instanceId, true, events.Count, null, null);
    }
}

/// <summary>Result of checking an instance's hash chain.</summary>
public sealed record HistoryVerification(string InstanceId, bool IsIntact, int EventCount, long? FirstBrokenSequence, string? Problem)
{
    internal static HistoryVerification Broken(string instanceId, int count, long sequence, string problem) =>
        new(instanceId, false, count, sequence, $"History of '{instanceId}' breaks at event {sequence}: {problem}.");
}
