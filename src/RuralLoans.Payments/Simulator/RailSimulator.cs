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
/// A local stand-in for the bank's payout rail, speaking the same HTTP protocol as <see cref="HttpPaymentRail"/> expects:
/// payouts keyed by idempotency key (a replay returns the first payout, a different body under the same key is refused),
/// lookup by key, and injectable failures. Committed payouts are appended to a journal file when one is given, so the
/// simulator can outlive a crashed host the way a real rail would.
/// </summary>
public sealed class RailSimulator : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Payout> _payouts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RailFault> _faults = new();
    private readonly Lock _commitLock = new();
    private readonly string? _journalPath;
    private readonly TimeProvider _clock;
    private readonly WebApplication _app;
    private int _postCount;

    private sealed record Payout(string Id, string Key, decimal Amount, string PayeeAccount, string PayeeName, string Reference, DateTimeOffset CommittedAt);

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

    /// <summary>How many payouts were committed under each key; a correct client never makes any count exceed 1.</summary>
    public IReadOnlyDictionary<string, decimal> CommittedPayouts => _payouts.ToDictionary(p => p.Key, p => p.Value.Amount, StringComparer.Ordinal);

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

    public static async Task<RailSimulator> StartAsync(int port = 0, string? journalPath = null, TimeProvider? clock = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var simulator = new RailSimulator(app, journalPath, clock ?? TimeProvider.System);
        app.MapPost(RailProtocol.PayoutsPath, simulator.HandlePostAsync);
        app.MapGet(RailProtocol.PayoutsPath, simulator.HandleLookup);
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

        RailFault? fault = _faults.TryDequeue(out var injected) ? injected : null;
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
        await context.Response.WriteAsJsonAsync(ToResource(payout), context.RequestAborted);
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
            var payout = new Payout($"po_{Guid.NewGuid():N}", key, amount, body.PayeeAccount, body.PayeeName, body.Reference, _clock.GetUtcNow());
            // Durable before acknowledged, like a real rail.
            if (_journalPath is not null)
            {
                File.AppendAllText(_journalPath, JsonSerializer.Serialize(payout) + "\n");
            }
            _payouts[key] = payout;
            return (payout, false);
        }
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

    private IResult HandleLookup(string idempotencyKey) =>
        _payouts.TryGetValue(idempotencyKey, out var payout) ? Results.Ok(ToResource(payout)) : Results.NotFound(new RailProtocol.ErrorBody("no payout under this key"));

    private static RailProtocol.PayoutResource ToResource(Payout payout) =>
        new(payout.Id, payout.Key, RailProtocol.FormatAmount(payout.Amount), "CNY", payout.PayeeAccount, "committed", payout.CommittedAt);

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
            _payouts[payout.Key] = payout;
        }
    }
}
