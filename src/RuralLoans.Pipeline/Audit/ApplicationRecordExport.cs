using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core;
using DurableTask.Core.History;
using RuralLoans.Storage.Journal;

namespace RuralLoans.Pipeline.Audit;

/// <summary>
/// One application's full record as JSON lines, for an auditor to keep or to check with other tools: a summary line,
/// then every history event with its table row and the journal entry that vouches for it, every decision document as
/// stored with its hash, and every journal entry. Each line has a <c>record</c> member naming its kind.
/// </summary>
public static class ApplicationRecordExport
{
    private static readonly JsonSerializerOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public static IEnumerable<JsonObject> Lines(StoredApplicationRecord record, DateTimeOffset exportedAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        yield return new JsonObject
        {
            ["record"] = "application",
            ["applicationId"] = record.ApplicationId,
            ["exportedAt"] = exportedAt.ToString("O", CultureInfo.InvariantCulture),
            ["historyEvents"] = record.History.Count,
            ["decisions"] = record.Decisions.Count,
            ["journalEntries"] = record.Journal.Entries.Count,
            ["journalChainIntact"] = record.Journal.ChainIntact,
            ["agreesWithJournal"] = record.Comparison.Agrees,
            ["problems"] = new JsonArray([.. record.Comparison.Problems.Select(p => (JsonNode?)JsonValue.Create(p))]),
            ["replayDeterministic"] = record.Replay.Deterministic,
            ["replayDivergence"] = record.Replay.Divergence,
        };
        for (var i = 0; i < record.History.Count; i++)
        {
            var e = record.History[i];
            var row = i < record.Rows.Count ? record.Rows[i] : null;
            var line = new JsonObject
            {
                ["record"] = "history",
                ["sequence"] = i,
                ["table"] = row?.Table,
                ["partitionKey"] = row?.PartitionKey,
                ["rowKey"] = row?.RowKey,
                ["eventType"] = e.EventType.ToString(),
                ["eventId"] = e.EventId,
                ["timestamp"] = DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
            };
            switch (e)
            {
                case ExecutionStartedEvent started:
                    line["name"] = started.Name;
                    line["input"] = started.Input;
                    break;
                case ExecutionCompletedEvent completed:
                    line["status"] = completed.OrchestrationStatus.ToString();
                    line["result"] = completed.Result;
                    line["failure"] = completed.FailureDetails?.ToString();
                    break;
                case ExecutionTerminatedEvent terminated:
                    line["input"] = terminated.Input;
                    break;
                case TaskScheduledEvent scheduled:
                    line["name"] = scheduled.Name;
                    line["taskId"] = scheduled.EventId;
                    line["input"] = scheduled.Input;
                    line["inputFromReplay"] = scheduled.Input is null ? record.ActivityInputs.GetValueOrDefault(scheduled.EventId) : null;
                    break;
                case TaskCompletedEvent done:
                    line["taskId"] = done.TaskScheduledId;
                    line["result"] = done.Result;
                    break;
                case TaskFailedEvent failed:
                    line["taskId"] = failed.TaskScheduledId;
                    line["failure"] = failed.FailureDetails?.ToString() ?? failed.Reason;
                    break;
                case TimerCreatedEvent timer:
                    line["fireAt"] = DateTime.SpecifyKind(timer.FireAt, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
                    break;
                case TimerFiredEvent fired:
                    line["timerId"] = fired.TimerId;
                    break;
                case EventRaisedEvent raised:
                    line["name"] = raised.Name;
                    line["input"] = raised.Input;
                    break;
                default:
                    break;
            }
            if (record.Comparison.EntryForEvent.TryGetValue(i, out var entry))
            {
                line["journalEntry"] = entry.Sequence;
                line["journalHash"] = entry.Hash;
            }
            yield return line;
        }
        foreach (var decision in record.Decisions)
        {
            var document = new JsonObject();
            foreach (var (name, value) in decision.Document.Where(member => !member.Key.StartsWith('_')))
            {
                document[name] = value?.DeepClone();
            }
            yield return new JsonObject
            {
                ["record"] = "decision",
                ["id"] = decision.Record.Id,
                ["step"] = decision.Record.Step,
                ["hash"] = decision.Hash,
                ["document"] = document,
            };
        }
        foreach (var entry in record.Journal.Entries)
        {
            var line = AuditJournal.ToJson(entry).AsObject();
            line.Insert(0, "record", "journal");
            yield return line;
        }
    }

    /// <summary>Writes the record as JSON lines; returns how many lines were written.</summary>
    public static async Task<int> WriteAsync(StoredApplicationRecord record, TextWriter output, DateTimeOffset exportedAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var count = 0;
        foreach (var line in Lines(record, exportedAt))
        {
            ct.ThrowIfCancellationRequested();
            await output.WriteLineAsync(line.ToJsonString(LineOptions)).ConfigureAwait(false);
            count++;
        }
        return count;
    }
}
