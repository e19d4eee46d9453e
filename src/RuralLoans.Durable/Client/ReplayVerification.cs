using System.Globalization;
using System.Text.Json;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Durable.Client;

/// <summary>Where replayed orchestrator code departed from its recorded history.</summary>
/// <param name="Sequence">The history event that disagrees, or null when the history could not be read at all.</param>
/// <param name="Event">The recorded (or expected) event, e.g. <c>TaskScheduled 'Score' (task 3)</c>.</param>
/// <param name="Fields">JSON paths whose recorded and replayed values differ, when the difference is in a payload.</param>
public sealed record ReplayDifference(long? Sequence, string Event, string Problem, IReadOnlyList<JsonDifference> Fields)
{
    public override string ToString()
    {
        var at = Sequence is { } sequence ? string.Create(CultureInfo.InvariantCulture, $"event {sequence} ") : "";
        var fields = Fields.Count == 0 ? "" : " — " + string.Join("; ", Fields.Select(f => $"{f.Path}: recorded {f.Recorded ?? "(absent)"} vs replayed {f.Recomputed ?? "(absent)"}"));
        return $"{at}{Event}: {Problem}{fields}";
    }
}

/// <summary>The verdict of replaying an instance: reproduced exactly, or the first episode where it was not.</summary>
public sealed record ReplayVerificationResult(string InstanceId, bool IsReproduced, int EpisodesReplayed, IReadOnlyList<ReplayDifference> Differences);

/// <summary>
/// Re-runs orchestrator code against a stored history one episode at a time, exactly as the engine ran it: the events
/// that arrived in an episode are fed to the code, and what the code then asks for (activities, timers,
/// sub-orchestrations, its result) must equal, payload by payload, what the engine recorded in that episode. A changed
/// orchestrator or an edited result shows as the first event where the two part ways. Stops at the first episode that
/// differs, since everything after it follows from a different past.
/// </summary>
internal static class ReplayVerifier
{
    public static async Task<ReplayVerificationResult> VerifyAsync(
        InstanceSnapshot snapshot, Func<OrchestrationContext, Task<string?>> orchestrator, PayloadStore payloads, CancellationToken cancellationToken)
    {
        var record = snapshot.Record;
        var past = new List<HistoryEvent>();
        var generation = -1;
        var replayed = 0;
        foreach (var episode in snapshot.Episodes)
        {
            if (episode.Events.Count == 0)
            {
                continue;
            }

            if (episode.Events[0].Generation != generation)
            {
                generation = episode.Events[0].Generation;
                past.Clear();
            }

            var events = new List<HistoryEvent>(episode.Events.Count);
            foreach (var recorded in episode.Events)
            {
                try
                {
                    events.Add(recorded.DataBlob is null ? recorded : recorded with { Data = await payloads.ResolveAsync(recorded.Payload, cancellationToken).ConfigureAwait(false) });
                }
                catch (InvalidDataException exception)
                {
                    return Differs(record.InstanceId, replayed, new ReplayDifference(recorded.Sequence, Describe(recorded), exception.Message, []));
                }
            }

            var differences = CompareEpisode(record.InstanceId, record.Name, generation, orchestrator, past, events);
            replayed++;
            if (differences.Count > 0)
            {
                return new ReplayVerificationResult(record.InstanceId, false, replayed, differences);
            }

            past.AddRange(events);
        }

        return new ReplayVerificationResult(record.InstanceId, true, replayed, []);
    }

    private static List<ReplayDifference> CompareEpisode(
        string instanceId, string name, int generation, Func<OrchestrationContext, Task<string?>> orchestrator, List<HistoryEvent> past, List<HistoryEvent> episode)
    {
        // A terminate or a poison notice ends the execution without running the code.
        if (episode.Any(e => e.Type == HistoryEventType.ExecutionTerminated || (e.Type == HistoryEventType.ExecutionFailed && e.MessageId is not null)))
        {
            return [];
        }

        var arrived = episode.Where(e => !IsProducedByCode(e)).ToList();
        var produced = episode.Where(IsProducedByCode).ToList();
        if (!past.Concat(arrived).Any(e => e.Type == HistoryEventType.ExecutionStarted))
        {
            // Events that came before the start are only kept; the code has not run yet.
            return [.. produced.Select(e => new ReplayDifference(e.Sequence, Describe(e), "history records it before the execution started", []))];
        }

        var result = ReplayExecutor.Run(orchestrator, instanceId, name, generation, past, arrived);
        var differences = new List<ReplayDifference>();
        var recordedActions = produced.Where(e => e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated).ToList();
        var recordedEnd = produced.FirstOrDefault(e => e.Type is HistoryEventType.ExecutionCompleted or HistoryEventType.ExecutionFailed or HistoryEventType.ContinuedAsNew);
        var firstOfEpisode = episode[0].Sequence;

        if (result.Outcome is { Kind: OutcomeKind.Failed, Failure.ErrorType: nameof(NonDeterministicOrchestrationException) } broken
            && recordedEnd?.Failure?.ErrorType != nameof(NonDeterministicOrchestrationException))
        {
            differences.Add(new ReplayDifference(recordedActions.FirstOrDefault()?.Sequence ?? firstOfEpisode, "orchestrator code", broken.Failure!.Message, []));
            return differences;
        }

        for (var index = 0; index < Math.Max(recordedActions.Count, result.NewActions.Count); index++)
        {
            var recorded = index < recordedActions.Count ? recordedActions[index] : null;
            var action = index < result.NewActions.Count ? result.NewActions[index] : null;
            if (recorded is null)
            {
                differences.Add(new ReplayDifference(null, $"{action!.RecordedAs} '{action.Name}' (task {action.TaskId})",
                    $"the code now asks for it after event {episode[^1].Sequence}, but history does not record it", []));
                continue;
            }

            if (action is null)
            {
                differences.Add(new ReplayDifference(recorded.Sequence, Describe(recorded), "history records it, but the code no longer asks for it", []));
                continue;
            }

            if (action.RecordedAs != recorded.Type || action.TaskId != recorded.TaskId || !string.Equals(action.Name, recorded.Name, StringComparison.Ordinal))
            {
                differences.Add(new ReplayDifference(recorded.Sequence, Describe(recorded), $"the code asks for {action.RecordedAs} '{action.Name}' (task {action.TaskId}) instead", []));
                continue;
            }

            var fields = JsonDifferences.Find(recorded.Data, action.InputJson).ToList();
            if (recorded.FireAt != action.FireAt)
            {
                fields.Add(new JsonDifference("fireAt", recorded.FireAt?.ToString("O", CultureInfo.InvariantCulture), action.FireAt?.ToString("O", CultureInfo.InvariantCulture)));
            }

            if (!string.Equals(recorded.ChildInstanceId, action.ChildInstanceId, StringComparison.Ordinal))
            {
                fields.Add(new JsonDifference("childInstanceId", recorded.ChildInstanceId, action.ChildInstanceId));
            }

            if (fields.Count > 0)
            {
                differences.Add(new ReplayDifference(recorded.Sequence, Describe(recorded), "the code passes a different input", fields));
            }
        }

        CompareEnd(recordedEnd, result.Outcome, episode[^1].Sequence, differences);
        return differences;
    }

    private static void CompareEnd(HistoryEvent? recorded, OrchestrationOutcome? outcome, long lastSequence, List<ReplayDifference> differences)
    {
        var replayedType = outcome?.Kind switch
        {
            OutcomeKind.Completed => HistoryEventType.ExecutionCompleted,
            OutcomeKind.Failed => HistoryEventType.ExecutionFailed,
            OutcomeKind.ContinuedAsNew => HistoryEventType.ContinuedAsNew,
            _ => (HistoryEventType?)null,
        };
        if (recorded is null && replayedType is null)
        {
            return;
        }

        if (recorded is null)
        {
            differences.Add(new ReplayDifference(lastSequence, $"{replayedType}", "the code now ends the execution here, but history records it going on", []));
            return;
        }

        if (replayedType != recorded.Type)
        {
            var now = replayedType is null ? "the code does not end the execution here" : $"the code ends with {replayedType} instead";
            differences.Add(new ReplayDifference(recorded.Sequence, Describe(recorded), now, []));
            return;
        }

        var fields = recorded.Type == HistoryEventType.ExecutionFailed
            ? JsonDifferences.Find(DurableJson.Serialize(Brief(recorded.Failure)), DurableJson.Serialize(Brief(outcome!.Failure)))
            : JsonDifferences.Find(recorded.Data, outcome!.OutputJson);
        if (fields.Count > 0)
        {
            differences.Add(new ReplayDifference(recorded.Sequence, Describe(recorded), "the code ends with a different result", fields));
        }
    }

    /// <summary>Stack traces differ between builds; the kind of error and its message are what the code decided.</summary>
    private static object? Brief(FailureDetails? failure) => failure is null ? null : new { failure.ErrorType, failure.Message };

    private static bool IsProducedByCode(HistoryEvent recorded) => recorded.Type switch
    {
        HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated
            or HistoryEventType.ExecutionCompleted or HistoryEventType.ContinuedAsNew => true,
        HistoryEventType.ExecutionFailed => recorded.MessageId is null,
        _ => false,
    };

    private static string Describe(HistoryEvent recorded)
    {
        var name = recorded.Name is null ? "" : $" '{recorded.Name}'";
        var task = recorded.TaskId is { } taskId ? string.Create(CultureInfo.InvariantCulture, $" (task {taskId})") : "";
        return $"{recorded.Type}{name}{task}";
    }

    private static ReplayVerificationResult Differs(string instanceId, int replayed, ReplayDifference difference) =>
        new(instanceId, false, replayed, [difference]);

    /// <summary>A history whose rows cannot be read back (altered blob, broken JSON) cannot be replayed at all.</summary>
    public static ReplayVerificationResult Unreadable(string instanceId, Exception exception) =>
        Differs(instanceId, 0, new ReplayDifference(null, "stored history", exception is JsonException ? $"a history row is not valid JSON: {exception.Message}" : exception.Message, []));
}
