using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RuralLoans.Payments.Simulator;

/// <summary>The ways the simulated rail misbehaves, one per payout request, in the order they were injected.</summary>
public enum RailFault
{
    /// <summary>Hang past the client's timeout and then answer 503 without committing.</summary>
    TimeoutBeforeCommit,

    /// <summary>Commit the payout, then cut the connection: the client never learns it succeeded.</summary>
    CommitThenDropResponse,

    /// <summary>Commit the payout, then hang past the client's timeout.</summary>
    CommitThenTimeout,

    /// <summary>Answer 503 without committing.</summary>
    UnavailableBeforeCommit,
}

/// <summary>
/// What the simulated rail does with one accepted payout: how long it stays pending and processing, whether it then
/// settles or fails (with which ISO 20022 reason code), and whether a settled payout is returned later. Transport
/// <see cref="Faults"/> apply to this key's POSTs, in order, before anything else.
/// </summary>
public sealed record PayoutScript
{
    /// <summary>Time in pending then processing (half each) before the final status; null stays in processing until told otherwise.</summary>
    public TimeSpan? InFlightFor { get; init; } = TimeSpan.Zero;

    /// <summary><see cref="PayoutStatus.Settled"/> or <see cref="PayoutStatus.Failed"/>.</summary>
    public PayoutStatus Outcome { get; init; } = PayoutStatus.Settled;

    public string? ReasonCode { get; init; }
    public string? ReasonMessage { get; init; }

    /// <summary>When set, a settled payout comes back (退汇) this long after it settled.</summary>
    public TimeSpan? ReturnAfter { get; init; }

    public IReadOnlyList<RailFault> Faults { get; init; } = [];

    public static PayoutScript Settle { get; } = new();

    public static PayoutScript SettleAfter(TimeSpan inFlight) => new() { InFlightFor = inFlight };

    /// <summary>Never settles by itself (see <see cref="RailSimulator.Resolve"/>).</summary>
    public static PayoutScript StayPending { get; } = new() { InFlightFor = null };

    /// <summary>AC04 (closed account) is the commonest reason a rural payout fails or comes back.</summary>
    public static PayoutScript Fail(string reasonCode = "AC04", string reasonMessage = "ClosedAccountNumber", TimeSpan? after = null) =>
        new() { Outcome = PayoutStatus.Failed, ReasonCode = reasonCode, ReasonMessage = reasonMessage, InFlightFor = after ?? TimeSpan.Zero };

    public static PayoutScript SettleThenReturn(TimeSpan returnAfter, string reasonCode = "AC04", string reasonMessage = "ClosedAccountNumber") =>
        new() { ReturnAfter = returnAfter, ReasonCode = reasonCode, ReasonMessage = reasonMessage };
}

/// <summary>
/// A local stand-in for the bank's payout rail, speaking the same HTTP protocol as <see cref="HttpPaymentRail"/> expects:
/// payouts keyed by idempotency key (a replay returns the first payout, a different body under the same key is refused),
/// lookup by key, listing with time filters and a cursor, statuses that move with the clock (pending → processing →
/// settled or failed → returned) as scripted per key or in order of arrival, and injectable transport failures.
/// Every accepted payout and every status change told to it is appended to a journal file when one is given, so the
/// simulator can outlive a crashed host the way a real rail would.
/// </summary>
public sealed class RailSimulator : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Payout> _payouts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RailFault> _faults = new();
    private readonly ConcurrentQueue<PayoutScript> _scripts = new();
    private readonly ConcurrentDictionary<string, PayoutScript> _scriptsByKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _faultsUsed = new(StringComparer.Ordinal);
    private readonly Lock _commitLock = new();
    private readonly string? _journalPath;
    private readonly TimeProvider _clock;
    private readonly WebApplication _app;
    private int _postCount;

    /// <summary>A payout as the rail keeps it; its status follows from the script and the clock unless told otherwise.</summary>
    private sealed record Payout(string Id, string Key, decimal Amount, string PayeeAccount, string PayeeName, string Reference, DateTimeOffset CreatedAt,
        PayoutScript Script, PayoutStatus? ForcedStatus = null, DateTimeOffset? ForcedAt = null, string? ForcedReasonCode = null, string? ForcedReasonMessage = null,
        DateTimeOffset? SettledBeforeForce = null);

    private RailSimulator(WebApplication app, string? journalPath, TimeProvider clock)
    {
        _app = app;
        _journalPath = journalPath;
        _clock = clock;
        LoadJournal();
    }

    /// <summary>How long an injected hang lasts; longer than any client timeout used with the simulator.</summary>
    public TimeSpan HangDuration { get; set; } = TimeSpan.FromSeconds(3);

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Payout requests received, successful or not (for tests that count retries).</summary>
    public int PostCount => Volatile.Read(ref _postCount);

    /// <summary>Every payout accepted, by key, whatever its status; a correct client never makes two under one key.</summary>
    public IReadOnlyDictionary<string, decimal> CommittedPayouts => _payouts.ToDictionary(p => p.Key, p => p.Value.Amount, StringComparer.Ordinal);

    /// <summary>Payouts whose money has left and stayed out (settled, not returned), by key.</summary>
    public IReadOnlyDictionary<string, decimal> SettledPayouts =>
        _payouts.Values.Where(p => StatusOf(p, _clock.GetUtcNow()).Status == PayoutStatus.Settled).ToDictionary(p => p.Key, p => p.Amount, StringComparer.Ordinal);

    /// <summary>The status the rail would answer for this key now; null when there is no payout under it.</summary>
    public PayoutStatus? StatusOf(string key) => _payouts.TryGetValue(key, out var payout) ? StatusOf(payout, _clock.GetUtcNow()).Status : null;

    /// <summary>Raised after a payout is committed and before the answer goes out: lets a test crash the caller right there.</summary>
    public event Action<string>? PayoutCommitted;

    public void InjectFaults(params RailFault[] faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        foreach (var fault in faults)
        {
            _faults.Enqueue(fault);
        }
    }

    /// <summary>Scripts for the next payouts accepted without a script of their own, in order of arrival.</summary>
    public void InjectScripts(params PayoutScript[] scripts)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        foreach (var script in scripts)
        {
            _scripts.Enqueue(script);
        }
    }

    /// <summary>What happens to the payout under this key when it arrives (set before the payout is requested).</summary>
    public void Script(string key, PayoutScript script)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(script);
        _scriptsByKey[key] = script;
    }

    /// <summary>The payee's bank sends a settled payout back (退汇) now.</summary>
    public void Return(string key, string reasonCode = "AC04", string reasonMessage = "ClosedAccountNumber") =>
        Force(key, PayoutStatus.Returned, reasonCode, reasonMessage, current => current == PayoutStatus.Settled);

    /// <summary>A payout that stays in flight settles or fails now.</summary>
    public void Resolve(string key, PayoutStatus outcome, string? reasonCode = null, string? reasonMessage = null)
    {
        if (outcome is not (PayoutStatus.Settled or PayoutStatus.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "A payout in flight resolves to settled or failed.");
        }
        Force(key, outcome, reasonCode, reasonMessage, current => current is PayoutStatus.Pending or PayoutStatus.Processing);
    }

    public static async Task<RailSimulator> StartAsync(int port = 0, string? journalPath = null, TimeProvider? clock = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var simulator = new RailSimulator(app, journalPath, clock ?? TimeProvider.System);
        app.MapPost(RailProtocol.PayoutsPath, simulator.HandlePostAsync);
        app.MapGet(RailProtocol.PayoutsPath, simulator.HandleGet);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        simulator.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return simulator;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandlePostAsync(HttpContext context)
    {
        Interlocked.Increment(ref _postCount);
        var key = context.Request.Headers[RailProtocol.IdempotencyKeyHeader].ToString();
        if (string.IsNullOrWhiteSpace(key))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the Idempotency-Key header is required");
            return;
        }

        RailProtocol.PayoutBody? body;
        try
        {
            body = await context.Request.ReadFromJsonAsync<RailProtocol.PayoutBody>(context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null || !decimal.TryParse(body.Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || body.Currency != "CNY")
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the body needs a positive amount in CNY");
            return;
        }

        var fault = NextFault(key);
        if (fault is RailFault.TimeoutBeforeCommit)
        {
            await HangAsync(context);
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "timed out before committing");
            return;
        }
        if (fault is RailFault.UnavailableBeforeCommit)
        {
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "rail unavailable");
            return;
        }

        var (payout, replayed) = Commit(key, body, amount);
        if (payout is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status409Conflict, "this idempotency key was used for a different payout");
            return;
        }
        if (!replayed)
        {
            PayoutCommitted?.Invoke(key);
        }
        if (fault is RailFault.CommitThenDropResponse)
        {
            context.Abort();
            return;
        }
        if (fault is RailFault.CommitThenTimeout)
        {
            await HangAsync(context);
        }

        context.Response.StatusCode = replayed ? StatusCodes.Status200OK : StatusCodes.Status201Created;
        if (replayed)
        {
            context.Response.Headers[RailProtocol.ReplayedHeader] = "true";
        }
        await context.Response.WriteAsJsonAsync(ToResource(payout, _clock.GetUtcNow()), context.RequestAborted);
    }

    /// <summary>A key's own scripted faults come first (one per POST of that key), then the shared queue.</summary>
    private RailFault? NextFault(string key)
    {
        if (_scriptsByKey.TryGetValue(key, out var script) && script.Faults.Count > 0)
        {
            var used = _faultsUsed.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (used <= script.Faults.Count)
            {
                return script.Faults[used - 1];
            }
        }
        return _faults.TryDequeue(out var injected) ? injected : null;
    }

    /// <summary>Records the payout under its key, or returns the one already there; null when the key was used for a different payout.</summary>
    private (Payout? Payout, bool Replayed) Commit(string key, RailProtocol.PayoutBody body, decimal amount)
    {
        lock (_commitLock)
        {
            if (_payouts.TryGetValue(key, out var existing))
            {
                var same = existing.Amount == amount && existing.PayeeAccount == body.PayeeAccount;
                return (same ? existing : null, true);
            }
            var script = _scriptsByKey.TryGetValue(key, out var own) ? own : _scripts.TryDequeue(out var next) ? next : PayoutScript.Settle;
            var payout = new Payout($"po_{Guid.NewGuid():N}", key, amount, body.PayeeAccount, body.PayeeName, body.Reference, _clock.GetUtcNow(), script with { Faults = [] });
            Save(payout);
            return (payout, false);
        }
    }

    private void Force(string key, PayoutStatus status, string? reasonCode, string? reasonMessage, Func<PayoutStatus, bool> allowedFrom)
    {
        lock (_commitLock)
        {
            if (!_payouts.TryGetValue(key, out var payout))
            {
                throw new KeyNotFoundException($"The rail has no payout under {key}.");
            }
            var now = _clock.GetUtcNow();
            var (current, _, settledAt) = StatusOf(payout, now);
            if (!allowedFrom(current))
            {
                throw new InvalidOperationException($"Payout {key} is {current}; it cannot become {status}.");
            }
            Save(payout with { ForcedStatus = status, ForcedAt = now, ForcedReasonCode = reasonCode, ForcedReasonMessage = reasonMessage, SettledBeforeForce = settledAt });
        }
    }

    /// <summary>Durable before acknowledged, like a real rail; the journal's last line per key wins.</summary>
    private void Save(Payout payout)
    {
        if (_journalPath is not null)
        {
            File.AppendAllText(_journalPath, JsonSerializer.Serialize(payout) + "\n");
        }
        _payouts[payout.Key] = payout;
    }

    /// <summary>The status at <paramref name="now"/>, when it last changed, and when the payout settled (if it did).</summary>
    private static (PayoutStatus Status, DateTimeOffset UpdatedAt, DateTimeOffset? SettledAt) StatusOf(Payout payout, DateTimeOffset now)
    {
        if (payout.ForcedStatus is { } forced && payout.ForcedAt is { } at)
        {
            var settled = forced == PayoutStatus.Settled ? at : forced == PayoutStatus.Returned ? payout.SettledBeforeForce : null;
            return (forced, at, settled);
        }
        var script = payout.Script;
        if (script.InFlightFor is not { } inFlight)
        {
            var half = payout.CreatedAt + TimeSpan.FromSeconds(1);
            return now < half ? (PayoutStatus.Pending, payout.CreatedAt, null) : (PayoutStatus.Processing, half, null);
        }
        var processingFrom = payout.CreatedAt + inFlight / 2;
        var finalAt = payout.CreatedAt + inFlight;
        if (now < processingFrom)
        {
            return (PayoutStatus.Pending, payout.CreatedAt, null);
        }
        if (now < finalAt)
        {
            return (PayoutStatus.Processing, processingFrom, null);
        }
        if (script.Outcome == PayoutStatus.Failed)
        {
            return (PayoutStatus.Failed, finalAt, null);
        }
        if (script.ReturnAfter is { } returnAfter && now >= finalAt + returnAfter)
        {
            return (PayoutStatus.Returned, finalAt + returnAfter, finalAt);
        }
        return (PayoutStatus.Settled, finalAt, finalAt);
    }

    private async Task HangAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(HangDuration, _clock, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up; that is the point of the fault.
        }
    }

    private IResult HandleGet(HttpContext context)
    {
        var query = context.Request.Query;
        var now = _clock.GetUtcNow();
        if (query.TryGetValue("idempotencyKey", out var key))
        {
            return _payouts.TryGetValue(key.ToString(), out var payout) ? Results.Ok(ToResource(payout, now)) : Results.NotFound(new RailProtocol.ErrorBody("no payout under this key"));
        }

        var limit = RailProtocol.MaxPageSize;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > RailProtocol.MaxPageSize))
        {
            return Results.BadRequest(new RailProtocol.ErrorBody($"limit must be 1–{RailProtocol.MaxPageSize}"));
        }
        if (!TryTime(query, "createdFrom", out var createdFrom) || !TryTime(query, "createdTo", out var createdTo) || !TryTime(query, "updatedFrom", out var updatedFrom))
        {
            return Results.BadRequest(new RailProtocol.ErrorBody("times are ISO 8601 with an offset"));
        }
        PayoutStatus? status = null;
        if (query.TryGetValue("status", out var statusText))
        {
            if (!Enum.TryParse<PayoutStatus>(statusText, ignoreCase: true, out var parsed))
            {
                return Results.BadRequest(new RailProtocol.ErrorBody("unknown status"));
            }
            status = parsed;
        }
        long afterTicks = long.MinValue;
        var afterId = "";
        if (query.TryGetValue("cursor", out var cursor) && !RailProtocol.TryDecodeCursor(cursor.ToString(), out afterTicks, out afterId))
        {
            return Results.BadRequest(new RailProtocol.ErrorBody("bad cursor"));
        }

        var matching = _payouts.Values
            .OrderBy(p => p.CreatedAt.UtcTicks).ThenBy(p => p.Id, StringComparer.Ordinal)
            .Where(p => p.CreatedAt.UtcTicks > afterTicks || (p.CreatedAt.UtcTicks == afterTicks && string.CompareOrdinal(p.Id, afterId) > 0))
            .Where(p => createdFrom is null || p.CreatedAt >= createdFrom)
            .Where(p => createdTo is null || p.CreatedAt < createdTo)
            .Select(p => (Payout: p, State: StatusOf(p, now)))
            .Where(p => updatedFrom is null || p.State.UpdatedAt >= updatedFrom)
            .Where(p => status is null || p.State.Status == status)
            .Take(limit + 1)
            .ToList();
        var page = matching.Take(limit).ToList();
        var hasMore = matching.Count > limit;
        var next = hasMore ? RailProtocol.EncodeCursor(page[^1].Payout.CreatedAt, page[^1].Payout.Id) : null;
        return Results.Ok(new RailProtocol.PayoutList(page.Select(p => ToResource(p.Payout, now)).ToList(), hasMore, next));
    }

    private static bool TryTime(IQueryCollection query, string name, out DateTimeOffset? value)
    {
        value = null;
        if (!query.TryGetValue(name, out var text))
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            value = parsed;
            return true;
        }
        return false;
    }

    private static RailProtocol.PayoutResource ToResource(Payout payout, DateTimeOffset now)
    {
        var (status, updatedAt, settledAt) = StatusOf(payout, now);
        var reasonCode = status is PayoutStatus.Failed or PayoutStatus.Returned ? payout.ForcedReasonCode ?? payout.Script.ReasonCode : null;
        var reasonMessage = status is PayoutStatus.Failed or PayoutStatus.Returned ? payout.ForcedReasonMessage ?? payout.Script.ReasonMessage : null;
        return new(payout.Id, payout.Key, RailProtocol.FormatAmount(payout.Amount), "CNY", payout.PayeeAccount, payout.Reference, RailProtocol.FormatStatus(status),
            reasonCode, reasonMessage, payout.CreatedAt, updatedAt, settledAt, status == PayoutStatus.Returned ? updatedAt : null);
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new RailProtocol.ErrorBody(error));
    }

    private void LoadJournal()
    {
        if (_journalPath is null || !File.Exists(_journalPath))
        {
            return;
        }
        foreach (var line in File.ReadLines(_journalPath).Where(l => l.Length > 0))
        {
            var payout = JsonSerializer.Deserialize<Payout>(line) ?? throw new InvalidDataException($"Corrupt rail journal line in {_journalPath}.");
            // Lines written before payouts had statuses: the rail settled those at once, when they were committed.
            if (payout.Script is null || payout.CreatedAt == default)
            {
                using var old = JsonDocument.Parse(line);
                var committedAt = old.RootElement.TryGetProperty("CommittedAt", out var at) ? at.GetDateTimeOffset() : payout.CreatedAt;
                payout = payout with { Script = payout.Script ?? PayoutScript.Settle, CreatedAt = payout.CreatedAt == default ? committedAt : payout.CreatedAt };
            }
            _payouts[payout.Key] = payout;
        }
    }
}
