using DurableTask.Core.History;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Storage.Journal;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>
/// The journal held against a history built in memory: what a host killed mid-episode leaves behind (a call journaled
/// whose episode was run again with a later clock) must not read as tampering; a call whose result never reached the
/// history must.
/// </summary>
public sealed class JournalComparisonTests
{
    private const string Offer = "LoanContractOffer";
    private const string StartInput = "{\"applicationId\":\"APP-1\"}";
    private const string FirstInput = "{\"offeredAtUtc\":\"2026-12-06T07:04:02Z\"}";
    private const string SecondInput = "{\"offeredAtUtc\":\"2026-12-06T07:04:09Z\"}";
    private const string Result = "{\"offered\":true,\"contractSha256\":\"ab12\"}";

    private static long _sequence;

    private static JournalEntry Entry(string kind, string name, string? input, string? result) =>
        new(++_sequence, new DateTimeOffset(2026, 12, 6, 7, 4, 2, TimeSpan.Zero), "APP-1", kind, name,
            input is null ? null : PayloadHash.OfStored(input), result is null ? null : PayloadHash.OfStored(result), $"{kind}:{name}:{_sequence}", "", "");

    /// <summary>The history as the re-run episode saved it: started, the offer scheduled with the later clock, completed.</summary>
    private static List<HistoryEvent> History() =>
    [
        new ExecutionStartedEvent(-1, StartInput) { Name = "LoanApplication" },
        new TaskScheduledEvent(0) { Name = Offer },
        new TaskCompletedEvent(-1, 0, Result),
    ];

    private static JournalComparison Compare(List<HistoryEvent> history, params JournalEntry[] activityEntries) =>
        JournalComparison.Compare(history, new HistoryRow?[history.Count], new Dictionary<int, string?> { [0] = SecondInput }, [],
            new JournalRead("APP-1", [Entry(JournalFact.StartKind, "LoanApplication", StartInput, null), .. activityEntries], null));

    [Fact]
    public void A_call_of_an_episode_run_again_after_a_host_died_is_not_taken_for_a_deleted_row_when_the_history_got_the_same_result()
    {
        var comparison = Compare(History(),
            Entry(JournalFact.ActivityKind, Offer, FirstInput, Result),
            Entry(JournalFact.ActivityKind, Offer, SecondInput, Result));

        Assert.True(comparison.Agrees, string.Join("; ", comparison.Problems));
    }

    [Fact]
    public void A_journaled_call_whose_result_the_history_never_got_is_reported_as_deleted_rows()
    {
        var comparison = Compare(History(),
            Entry(JournalFact.ActivityKind, Offer, FirstInput, "{\"offered\":false}"),
            Entry(JournalFact.ActivityKind, Offer, SecondInput, Result));

        var problem = Assert.Single(comparison.Problems);
        Assert.Contains($"records a call of {Offer}", problem, StringComparison.Ordinal);
        Assert.Contains("the history no longer holds", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deleted_call_is_still_reported_when_no_other_call_of_the_activity_vouches_for_its_result()
    {
        var history = History();
        history.RemoveRange(1, 2);

        var comparison = Compare(history, Entry(JournalFact.ActivityKind, Offer, SecondInput, Result));

        Assert.Contains(comparison.Problems, p => p.Contains("the history no longer holds", StringComparison.Ordinal));
    }
}
