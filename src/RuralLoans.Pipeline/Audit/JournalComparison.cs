using System.Globalization;
using DurableTask.Core.History;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Journal;

namespace RuralLoans.Pipeline.Audit;

/// <summary>
/// The task hub's history and the stored decisions held against the audit journal written while the application ran.
/// Each history event that carries a payload someone could change (the start's input, an activity's input and result,
/// an event people sent) must match a journal entry; each stored decision must hash to what was journaled when it was
/// written; and every journal entry must still find its history event or decision, so a deleted row shows too.
/// </summary>
public sealed class JournalComparison
{
    private readonly List<string> problems = [];
    private readonly Dictionary<int, JournalEntry> entryForEvent = [];

    private JournalComparison()
    {
    }

    /// <summary>What does not agree, worded for an auditor with the table row or decision id; empty when all agrees.</summary>
    public IReadOnlyList<string> Problems => problems;

    /// <summary>The journal entry that vouches for the history event at that position, where there is one.</summary>
    public IReadOnlyDictionary<int, JournalEntry> EntryForEvent => entryForEvent;

    public bool Agrees => problems.Count == 0;

    /// <param name="inputs">Each scheduled task's input by task id (the History table keeps none; the replay derives them).</param>
    public static JournalComparison Compare(IList<HistoryEvent> history, IReadOnlyList<HistoryRow?> rows, IReadOnlyDictionary<int, string?> inputs,
        IReadOnlyList<StoredDecision> decisions, JournalRead journal)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(journal);
        var comparison = new JournalComparison();
        if (journal.ChainProblem is { } broken)
        {
            comparison.problems.Add(broken);
        }
        if (journal.Entries.Count == 0)
        {
            comparison.problems.Add("no audit journal is stored for this application, so its history and decisions cannot be checked for edits");
            return comparison;
        }
        comparison.CompareStart(history, rows, journal.Entries);
        comparison.CompareActivities(history, rows, inputs, journal.Entries);
        comparison.CompareEvents(history, rows, journal.Entries);
        comparison.CompareDecisions(decisions, journal.Entries);
        return comparison;
    }

    private void CompareStart(IList<HistoryEvent> history, IReadOnlyList<HistoryRow?> rows, IReadOnlyList<JournalEntry> journal)
    {
        var index = IndexOf<ExecutionStartedEvent>(history);
        var start = journal.FirstOrDefault(e => e.Kind == JournalFact.StartKind);
        if (index < 0)
        {
            problems.Add(start is null ? "the history has no ExecutionStarted event" : $"the history has no ExecutionStarted event, though journal entry #{start.Sequence} records the start: the row was deleted");
            return;
        }
        var hash = PayloadHash.OfStored(((ExecutionStartedEvent)history[index]).Input);
        if (start is null)
        {
            problems.Add($"{Where(rows, index, history)}: the journal records no start to compare its input with");
        }
        else if (start.InputHash != hash)
        {
            problems.Add($"{Where(rows, index, history)} was edited: its input hashes to {Short(hash)}, journal entry #{start.Sequence} recorded {Short(start.InputHash)}");
        }
        else
        {
            entryForEvent[index] = start;
        }
    }

    private void CompareActivities(IList<HistoryEvent> history, IReadOnlyList<HistoryRow?> rows, IReadOnlyDictionary<int, string?> inputs, IReadOnlyList<JournalEntry> journal)
    {
        var activities = journal.Where(e => e.Kind == JournalFact.ActivityKind).ToList();
        var scheduled = new Dictionary<int, int>();
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i] is TaskScheduledEvent s)
            {
                scheduled.TryAdd(s.EventId, i);
            }
        }
        var used = new HashSet<JournalEntry>();
        var completedTasks = new HashSet<int>();
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i] is not TaskCompletedEvent done)
            {
                continue;
            }
            completedTasks.Add(done.TaskScheduledId);
            if (!scheduled.TryGetValue(done.TaskScheduledId, out var at))
            {
                problems.Add($"{Where(rows, i, history)} completes task {done.TaskScheduledId}, which the history never scheduled: its TaskScheduled row was deleted");
                continue;
            }
            var call = (TaskScheduledEvent)history[at];
            var input = InputHash(inputs, call);
            var result = PayloadHash.OfStored(done.Result);
            var sameInput = activities.Where(e => e.Name == call.Name && (input is null || e.InputHash == input)).ToList();
            if (sameInput.Count == 0)
            {
                var journaled = activities.FirstOrDefault(e => e.Name == call.Name && !used.Contains(e));
                problems.Add(journaled is null
                    ? $"{Where(rows, at, history)} is not in the journal: no call of {call.Name} was journaled, so the row was added or edited"
                    : $"{Where(rows, at, history)}: the input the recorded history leads to hashes to {Short(input)}, but the activity was given {Short(journaled.InputHash)} "
                        + $"(journal entry #{journaled.Sequence}): an earlier history row was edited, or the orchestrator now passes other inputs");
                if (journaled is not null)
                {
                    used.Add(journaled);
                }
                continue;
            }
            var match = sameInput.FirstOrDefault(e => e.ResultHash == result);
            if (match is null)
            {
                problems.Add($"{Where(rows, i, history)} was edited: its result hashes to {Short(result)}, the activity returned {Short(sameInput[0].ResultHash)} (journal entry #{sameInput[0].Sequence})");
                used.UnionWith(sameInput);
                continue;
            }
            used.UnionWith(sameInput);
            entryForEvent[at] = match;
            entryForEvent[i] = match;
        }

        var lastScheduled = scheduled.Count == 0 ? -1 : scheduled.Values.Max();
        var delivered = entryForEvent.Values.Where(e => e.Kind == JournalFact.ActivityKind).Select(e => (e.Name, e.ResultHash)).ToHashSet();
        foreach (var entry in activities.Where(e => !used.Contains(e)))
        {
            var pending = scheduled.Values
                .Where(at => history[at] is TaskScheduledEvent s && s.Name == entry.Name && (InputHash(inputs, s) ?? entry.InputHash) == entry.InputHash)
                .ToList();
            if (pending.Count == 0 && delivered.Contains((entry.Name, entry.ResultHash)))
            {
                // A host that dies after sending an episode's work but before saving its history runs that episode
                // again, at a later CurrentUtcDateTime: an input that carries the time (the contract's offer date) then
                // differs, and the first call is journaled but never reaches the history. It changed nothing: the
                // history holds a call of the same activity that returned the very same result, vouched for above.
                continue;
            }
            if (pending.Count == 0)
            {
                problems.Add($"journal entry #{entry.Sequence} records a call of {entry.Name} at {Time(entry.At)} that the history no longer holds: its TaskScheduled and TaskCompleted rows were deleted");
                continue;
            }
            // Scheduled but never completed is what an activity still running (or cut off by termination) looks like,
            // so only the last task the history scheduled may be in that state.
            var uncompleted = pending.Where(at => !completedTasks.Contains(((TaskScheduledEvent)history[at]).EventId)).ToList();
            if (uncompleted.Count > 0 && uncompleted.Max() != lastScheduled)
            {
                var at = uncompleted[0];
                problems.Add($"journal entry #{entry.Sequence} records that {entry.Name} returned a result for {Where(rows, at, history)}, "
                    + "but the history holds no TaskCompleted for it while later work follows: the row was deleted");
            }
        }
    }

    private void CompareEvents(IList<HistoryEvent> history, IReadOnlyList<HistoryRow?> rows, IReadOnlyList<JournalEntry> journal)
    {
        var sent = journal.Where(e => e.Kind == JournalFact.EventKind).ToList();
        var used = new HashSet<JournalEntry>();
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i] is not EventRaisedEvent raised)
            {
                continue;
            }
            var hash = PayloadHash.OfStored(raised.Input);
            var match = sent.FirstOrDefault(e => e.Name == raised.Name && e.InputHash == hash && !used.Contains(e));
            if (match is not null)
            {
                used.Add(match);
                entryForEvent[i] = match;
                continue;
            }
            var sameName = sent.FirstOrDefault(e => e.Name == raised.Name && !used.Contains(e));
            if (sameName is not null)
            {
                used.Add(sameName);
                problems.Add($"{Where(rows, i, history)} was edited: its payload hashes to {Short(hash)}, journal entry #{sameName.Sequence} recorded {Short(sameName.InputHash)}");
            }
            else
            {
                problems.Add($"{Where(rows, i, history)} is not in the journal: the event was not sent through the application's actions, or its row was edited");
            }
        }

        // An event sent after the instance's last recorded step may still be queued, or was dropped because the
        // instance had already ended; one sent before it must be in the history.
        var last = history.Count == 0 ? DateTimeOffset.MinValue : history.Max(e => Utc(e.Timestamp));
        foreach (var entry in sent.Where(e => !used.Contains(e) && e.At <= last))
        {
            problems.Add($"journal entry #{entry.Sequence} records a {entry.Name} event sent at {Time(entry.At)} that the history no longer holds: its EventRaised row was deleted");
        }
    }

    private void CompareDecisions(IReadOnlyList<StoredDecision> decisions, IReadOnlyList<JournalEntry> journal)
    {
        var journaled = journal.Where(e => e.Kind == JournalFact.DecisionKind).GroupBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First(), StringComparer.Ordinal);
        foreach (var decision in decisions)
        {
            if (!journaled.Remove(decision.Record.Id, out var entry))
            {
                problems.Add($"decision {decision.Record.Id} in Cosmos is not in the journal: it was added or changed outside the pipeline");
            }
            else if (entry.ResultHash != decision.Hash)
            {
                problems.Add($"decision {decision.Record.Id} in Cosmos was edited: the document hashes to {Short(decision.Hash)}, journal entry #{entry.Sequence} recorded {Short(entry.ResultHash)}");
            }
        }
        foreach (var (id, entry) in journaled)
        {
            problems.Add($"decision {id} (journal entry #{entry.Sequence}) is missing from Cosmos: it was deleted");
        }
    }

    private static string? InputHash(IReadOnlyDictionary<int, string?> inputs, TaskScheduledEvent scheduled) =>
        inputs.TryGetValue(scheduled.EventId, out var json) && json is not null ? PayloadHash.OfStored(json)
        : scheduled.Input is not null ? PayloadHash.OfStored(scheduled.Input) : null;

    /// <summary>Names an event by its table row, as an auditor looks it up in Storage Explorer.</summary>
    public static string Where(IReadOnlyList<HistoryRow?> rows, int index, IList<HistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(history);
        var what = history[index] switch
        {
            TaskScheduledEvent s => $"TaskScheduled {s.Name} (task {s.EventId})",
            TaskCompletedEvent c => $"TaskCompleted {NameOf(history, c.TaskScheduledId)} (task {c.TaskScheduledId})",
            EventRaisedEvent r => $"EventRaised {r.Name}",
            var e => e.EventType.ToString(),
        };
        var row = index < rows.Count ? rows[index] : null;
        return row is null ? $"history event #{index} {what}" : $"{what} in {row}";
    }

    private static string? NameOf(IList<HistoryEvent> history, int taskId) =>
        history.OfType<TaskScheduledEvent>().FirstOrDefault(s => s.EventId == taskId)?.Name;

    private static int IndexOf<T>(IList<HistoryEvent> history)
    {
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i] is T)
            {
                return i;
            }
        }
        return -1;
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static string Time(DateTimeOffset at) => at.ToString("u", CultureInfo.InvariantCulture);

    private static string Short(string? hash) => hash is null ? "nothing" : hash.Length > 12 ? hash[..12] + "…" : hash;
}
