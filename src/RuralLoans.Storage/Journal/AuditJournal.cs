using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace RuralLoans.Storage.Journal;

/// <summary>
/// One fact for the journal: what happened and the hash of what it was decided from. Hashes and ids only — the journal
/// is read by auditors and support staff and must hold no personal data.
/// </summary>
/// <param name="Key">Makes journaling idempotent: a fact whose key an application's journal already holds is not appended again.</param>
public sealed record JournalFact(string Kind, string Key, string Name, string? InputHash = null, string? ResultHash = null)
{
    public const string StartKind = "start";
    public const string ActivityKind = "activity";
    public const string DecisionKind = "decision";
    public const string EventKind = "event";

    /// <summary>The orchestration was started with this input. Only the first start counts: a re-submission never restarts it.</summary>
    public static JournalFact Start(string orchestrator, string inputHash) => new(StartKind, StartKind, orchestrator, inputHash);

    /// <summary>
    /// An activity returned a result for an input. Both hashes are in the key: an activity redelivered after a crash
    /// that answers differently leaves two entries, and the history must hold one of them.
    /// </summary>
    public static JournalFact Activity(string name, string inputHash, string resultHash) =>
        new(ActivityKind, $"{ActivityKind}:{name}:{inputHash}:{resultHash}", name, inputHash, resultHash);

    /// <summary>
    /// A decision was stored. Keyed by id alone: the first hash stands, so re-reading an edited record later (a step
    /// retried after the edit) cannot make the journal agree with the edit.
    /// </summary>
    public static JournalFact Decision(string decisionId, string recordHash) => new(DecisionKind, $"{DecisionKind}:{decisionId}", decisionId, null, recordHash);

    /// <summary>Someone sent the orchestration an event with this payload.</summary>
    public static JournalFact Event(string name, string payloadHash) => new(EventKind, $"{EventKind}:{name}:{payloadHash}", name, payloadHash);
}

/// <summary>One line of an application's journal, chained to the line before it by <see cref="Previous"/>.</summary>
public sealed record JournalEntry(
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("instance")] string Instance,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("input")] string? InputHash,
    [property: JsonPropertyName("result")] string? ResultHash,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("prev")] string Previous,
    [property: JsonPropertyName("hash")] string Hash);

/// <summary>An application's journal as read back, with the first place its own chain does not hold (null when intact).</summary>
public sealed record JournalRead(string ApplicationId, IReadOnlyList<JournalEntry> Entries, string? ChainProblem)
{
    public bool ChainIntact => ChainProblem is null;
}

/// <summary>
/// The append-only, hash-chained audit journal: one append blob per application (<c>audit-journal/{hub}/{applicationId}</c>;
/// application ids repeat across task hubs sharing an account, e.g. a benchmark's second hub),
/// one JSON line per fact, each line carrying the SHA-256 of the line before. Append blobs cannot be rewritten in place,
/// only appended to; each append is conditional on the append position this writer last saw, so two hosts journaling
/// the same application never interleave or fork the chain — the loser re-reads the tail and tries again. In Azure
/// the container carries a version-level immutability (WORM) policy, so not even the account owner can delete or
/// replace a journal during its retention (see infra/).
/// </summary>
public sealed class AuditJournal
{
    public const string ContainerName = "audit-journal";

    /// <summary>The "previous hash" of an application's first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    private const int MaxAttempts = 40;
    private const int MaxCachedTails = 4096;

    private static readonly JsonSerializerOptions LineJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly AsyncLocal<Batch?> CurrentBatch = new();

    private readonly BlobContainerClient container;
    private readonly string scope;
    private readonly TimeProvider clock;
    // What this process last appended per application: saves reading the blob before each append. A stale tail only
    // costs a failed conditional append and one re-read.
    private readonly ConcurrentDictionary<string, Tail> tails = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim[] gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <param name="scope">The task hub whose applications this journals: the folder of their blobs.</param>
    /// <param name="clock">Wall-clock time of each entry; compared with the task hub's own timestamps, so not a test clock.</param>
    public AuditJournal(BlobContainerClient container, string scope, TimeProvider clock)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        this.container = container;
        this.scope = scope.ToLowerInvariant();
        this.clock = clock;
    }

    private AppendBlobClient BlobOf(string applicationId) => container.GetAppendBlobClient($"{scope}/{applicationId}");

    /// <summary>
    /// Runs <paramref name="work"/> for one application and journals, in one append after it, every fact recorded
    /// inside it (decisions its steps stored) followed by <paramref name="factsOf"/> its result. When the work fails,
    /// the facts recorded so far are still journaled, since what they describe was stored.
    /// </summary>
    public async Task<T> RecordingAsync<T>(string applicationId, Func<Task<T>> work, Func<T, IEnumerable<JournalFact>> factsOf, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(factsOf);
        var batch = new Batch(applicationId);
        // Set inside this async method, so the batch is seen by the work and gone again for the caller.
        CurrentBatch.Value = batch;
        T result;
        try
        {
            result = await work().ConfigureAwait(false);
        }
        catch (Exception) when (batch.Count > 0)
        {
            try
            {
                await AppendAsync(applicationId, batch.Drain(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // The step's own failure is what the caller must see; the retry journals these facts again.
            }
            throw;
        }
        var facts = batch.Drain();
        facts.AddRange(factsOf(result));
        await AppendAsync(applicationId, facts, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Journals one fact now, or with the enclosing <see cref="RecordingAsync"/> of the same application.</summary>
    public Task RecordAsync(string applicationId, JournalFact fact, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (CurrentBatch.Value is { } batch && string.Equals(batch.ApplicationId, applicationId, StringComparison.Ordinal))
        {
            batch.Add(fact);
            return Task.CompletedTask;
        }
        return AppendAsync(applicationId, [fact], ct);
    }

    /// <summary>Appends the facts the journal does not hold yet, chained after its last entry, in one conditional append.</summary>
    public async Task AppendAsync(string applicationId, IReadOnlyCollection<JournalFact> facts, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationId);
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.Count == 0)
        {
            return;
        }
        var gate = gates[(uint)StringComparer.Ordinal.GetHashCode(applicationId) % (uint)gates.Length];
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var blob = BlobOf(applicationId);
            for (var attempt = 1; ; attempt++)
            {
                var tail = tails.TryGetValue(applicationId, out var known) ? known : await LoadTailAsync(applicationId, ct).ConfigureAwait(false);
                var fresh = facts.Where(f => !tail.Keys.Contains(f.Key)).DistinctBy(f => f.Key).ToList();
                if (fresh.Count == 0)
                {
                    Remember(applicationId, tail);
                    return;
                }
                if (!tail.Exists)
                {
                    await blob.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
                }

                var at = clock.GetUtcNow();
                var lines = new StringBuilder();
                var previous = tail.LastHash;
                var sequence = tail.Count;
                var keys = new HashSet<string>(tail.Keys, StringComparer.Ordinal);
                foreach (var fact in fresh)
                {
                    var entry = Seal(new JournalEntry(sequence++, at, applicationId, fact.Kind, fact.Name, fact.InputHash, fact.ResultHash, fact.Key, previous, ""));
                    lines.Append(JsonSerializer.Serialize(entry, LineJson)).Append('\n');
                    previous = entry.Hash;
                    keys.Add(fact.Key);
                }
                var bytes = Encoding.UTF8.GetBytes(lines.ToString());
                try
                {
                    using var content = new MemoryStream(bytes);
                    await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions
                    {
                        Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = tail.Length },
                    }, ct).ConfigureAwait(false);
                    Remember(applicationId, new Tail(true, tail.Length + bytes.Length, previous, sequence, keys));
                    return;
                }
                catch (RequestFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
                {
                    // Another writer appended (or the tail we knew is gone): read the journal again and chain after it,
                    // after a short, spread-out pause so writers racing for the same journal do not collide again.
                    tails.TryRemove(applicationId, out _);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * Math.Min(attempt, 10))), ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Reads an application's journal and checks its own chain: sequence, previous hash and each line's hash.</summary>
    public async Task<JournalRead> ReadAsync(string applicationId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(applicationId);
        var text = await DownloadAsync(applicationId, ct).ConfigureAwait(false);
        return Parse(applicationId, text ?? "");
    }

    /// <summary>Parses journal text and verifies its chain; the first problem found is reported with the entry it concerns.</summary>
    public static JournalRead Parse(string applicationId, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<JournalEntry>();
        string? problem = null;
        var previous = Genesis;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            JournalEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<JournalEntry>(lines[i], LineJson);
            }
            catch (JsonException e)
            {
                problem ??= $"journal line {i + 1} is not a journal entry ({e.Message})";
                continue;
            }
            if (entry is null)
            {
                problem ??= $"journal line {i + 1} is empty";
                continue;
            }
            entries.Add(entry);
            if (problem is not null)
            {
                continue;
            }
            if (entry.Sequence != i)
            {
                problem = $"journal entry #{entry.Sequence} is on line {i + 1}: an entry was removed, added or moved";
            }
            else if (!string.Equals(entry.Previous, previous, StringComparison.Ordinal))
            {
                problem = $"journal entry #{entry.Sequence} ({entry.Kind} {entry.Name}) does not chain to the entry before it: previous hash {Short(entry.Previous)} vs {Short(previous)}";
            }
            else if (!string.Equals(HashOf(entry), entry.Hash, StringComparison.Ordinal))
            {
                problem = $"journal entry #{entry.Sequence} ({entry.Kind} {entry.Name}) was altered: its content no longer hashes to {Short(entry.Hash)}";
            }
            previous = entry.Hash;
        }
        return new JournalRead(applicationId, entries, problem);
    }

    /// <summary>The entry's hash over its canonical JSON without the hash itself.</summary>
    public static string HashOf(JournalEntry entry) =>
        CanonicalJson.Hash(JsonSerializer.SerializeToNode(entry, LineJson), name => name == "hash");

    /// <summary>An entry as its journal line shows it, for exports.</summary>
    public static JsonNode ToJson(JournalEntry entry) => JsonSerializer.SerializeToNode(entry, LineJson)!;

    private static JournalEntry Seal(JournalEntry entry) => entry with { Hash = HashOf(entry) };

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    private async Task<Tail> LoadTailAsync(string applicationId, CancellationToken ct)
    {
        var text = await DownloadAsync(applicationId, ct).ConfigureAwait(false);
        if (text is null)
        {
            return new Tail(false, 0, Genesis, 0, new HashSet<string>(StringComparer.Ordinal));
        }
        var read = Parse(applicationId, text);
        var last = read.Entries.Count == 0 ? Genesis : read.Entries[^1].Hash;
        return new Tail(true, Encoding.UTF8.GetByteCount(text), last, read.Entries.Count == 0 ? 0 : read.Entries[^1].Sequence + 1,
            new HashSet<string>(read.Entries.Select(e => e.Key), StringComparer.Ordinal));
    }

    private async Task<string?> DownloadAsync(string applicationId, CancellationToken ct)
    {
        try
        {
            var content = await BlobOf(applicationId).DownloadContentAsync(ct).ConfigureAwait(false);
            return Encoding.UTF8.GetString(content.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private void Remember(string applicationId, Tail tail)
    {
        if (tails.Count >= MaxCachedTails)
        {
            tails.Clear();
        }
        tails[applicationId] = tail;
    }

    private sealed record Tail(bool Exists, long Length, string LastHash, long Count, HashSet<string> Keys);

    private sealed class Batch(string applicationId)
    {
        private readonly List<JournalFact> facts = [];

        public string ApplicationId { get; } = applicationId;

        public int Count
        {
            get
            {
                lock (facts)
                {
                    return facts.Count;
                }
            }
        }

        public void Add(JournalFact fact)
        {
            lock (facts)
            {
                facts.Add(fact);
            }
        }

        public List<JournalFact> Drain()
        {
            lock (facts)
            {
                var drained = facts.ToList();
                facts.Clear();
                return drained;
            }
        }
    }
}
