using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Tests;

public sealed class HistoryChainTests
{
    private static List<HistoryEvent> Chain(int count)
    {
        var events = new List<HistoryEvent>();
        var previous = HistoryChain.Genesis;
        for (var index = 0; index < count; index++)
        {
            var linked = HistoryChain.Link(new HistoryEvent { Sequence = index, Type = HistoryEventType.TaskScheduled, TaskId = index, Name = $"step{index}" }, previous);
            events.Add(linked);
            previous = linked.Hash!;
        }

        return events;
    }

    [Fact]
    public void An_untouched_chain_verifies()
    {
        var events = Chain(5);

        var verification = HistoryChain.Verify("i", events, events[^1].Hash, 5);

        Assert.True(verification.IsIntact, verification.Problem);
    }

    [Fact]
    public void An_edited_event_is_reported_at_its_position()
    {
        var events = Chain(5);
        events[2] = events[2] with { Name = "forged" };

        var verification = HistoryChain.Verify("i", events, events[^1].Hash, 5);

        Assert.False(verification.IsIntact);
        Assert.Equal(2, verification.FirstBrokenSequence);
        Assert.Contains("altered", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_event_is_reported_where_the_gap_starts()
    {
        var events = Chain(5);
        events.RemoveAt(3);

        var verification = HistoryChain.Verify("i", events, events[^1].Hash, 5);

        Assert.Equal(3, verification.FirstBrokenSequence);
    }

    [Fact]
    public void A_truncated_tail_is_detected_from_the_instance_record()
    {
        var events = Chain(5);
        var lastHash = events[^1].Hash;

        var verification = HistoryChain.Verify("i", events.Take(4).ToList(), lastHash, 5);

        Assert.False(verification.IsIntact);
        Assert.Equal(4, verification.FirstBrokenSequence);
    }
}
