using System.Net;
using System.Net.Http.Json;
using Polly;
using Polly.Retry;

namespace RuralLoans.Payments;

public sealed record PaymentRailOptions
{
    /// <summary>How long one POST may take before we treat its outcome as unknown.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts after the first; past them the payout stays in doubt for a later retry with the same key.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// Pays through the rail's HTTP API without ever paying twice. Every attempt after the first starts by asking the rail
/// whether a payout already exists under the key: a timeout or a dropped connection says nothing about whether the
/// rail committed, so the only safe next step is to look before sending again.
/// </summary>
public sealed class HttpPaymentRail : IPaymentRail
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly TimeSpan _attemptTimeout;

    public HttpPaymentRail(HttpClient http, PaymentRailOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        options ??= new PaymentRailOptions();
        _http = http;
        _attemptTimeout = options.AttemptTimeout;
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RailOutcomeUnknownException>(),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
            })
            .Build();
    }

    /// <summary>
    /// Submits the payout, or finds the one already under its key, and returns it with the status the rail gives it:
    /// a found payout is not a paid one (it may be pending, failed or returned), so the caller decides on the status.
    /// </summary>
    public async Task<PayoutReceipt> PayOnceAsync(PayoutRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var attempt = 0;
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                // Look before every send: this call may itself be the retry of a crashed host, and after a timeout
                // only the rail knows whether it committed.
                attempt++;
                var existing = await TryFindAsync(request.IdempotencyKey, token);
                if (existing is not null)
                {
                    return existing.AmountYuan == request.AmountYuan
                        ? existing
                        : throw new PayoutRejectedException(request.IdempotencyKey,
                            $"Payout {request.IdempotencyKey} already exists for {existing.AmountYuan:0.00} yuan, not {request.AmountYuan:0.00}; a key is never reused for another amount.");
                }
                return await PostAsync(request, token);
            }, ct);
        }
        catch (RailOutcomeUnknownException e)
        {
            throw new PayoutInDoubtException(request.IdempotencyKey,
                $"The rail did not confirm payout {request.IdempotencyKey} after {attempt} attempt(s); it stays in doubt and will be retried with the same key.", e);
        }
    }

    public async Task<PayoutPage> ListAsync(PayoutQuery query, string? cursor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new List<string> { "limit=" + Math.Clamp(query.PageSize, 1, RailProtocol.MaxPageSize).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parameters.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }
        Add("createdFrom", query.CreatedFrom?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Add("createdTo", query.CreatedTo?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Add("updatedFrom", query.UpdatedFrom?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Add("status", query.Status is { } status ? RailProtocol.FormatStatus(status) : null);
        Add("cursor", cursor);
        using var response = await _http.GetAsync(new Uri($"{RailProtocol.PayoutsPath}?{string.Join('&', parameters)}", UriKind.Relative), ct);
        response.EnsureSuccessStatusCode();
        var list = await response.Content.ReadFromJsonAsync<RailProtocol.PayoutList>(ct)
            ?? throw new InvalidOperationException("The rail answered a listing with an empty body.");
        return new PayoutPage(list.Data.Select(RailProtocol.ToReceipt).ToList(), list.HasMore ? list.NextCursor : null);
    }

    public async Task<PayoutReceipt?> FindAsync(string idempotencyKey, CancellationToken ct)
    {
        var response = await _http.GetAsync(new Uri($"{RailProtocol.PayoutsPath}?idempotencyKey={Uri.EscapeDataString(idempotencyKey)}", UriKind.Relative), ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        var resource = await response.Content.ReadFromJsonAsync<RailProtocol.PayoutResource>(ct)
            ?? throw new InvalidOperationException("The rail answered a lookup with an empty body.");
        return RailProtocol.ToReceipt(resource);
    }

    private async Task<PayoutReceipt?> TryFindAsync(string idempotencyKey, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_attemptTimeout);
        try
        {
            return await FindAsync(idempotencyKey, timeout.Token);
        }
        catch (Exception e) when (IsTransient(e, ct))
        {
            throw new RailOutcomeUnknownException("lookup failed", e);
        }
    }

    private async Task<PayoutReceipt> PostAsync(PayoutRequest request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_attemptTimeout);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(RailProtocol.PayoutsPath, UriKind.Relative))
        {
            Content = JsonContent.Create(RailProtocol.ToBody(request)),
        };
        message.Headers.Add(RailProtocol.IdempotencyKeyHeader, request.IdempotencyKey);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, timeout.Token);
        }
        catch (Exception e) when (IsTransient(e, ct))
        {
            throw new RailOutcomeUnknownException("no answer to the payout request", e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var resource = await response.Content.ReadFromJsonAsync<RailProtocol.PayoutResource>(ct)
                    ?? throw new RailOutcomeUnknownException("the rail confirmed with an empty body");
                return RailProtocol.ToReceipt(resource);
            }
            if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                throw new RailOutcomeUnknownException($"the rail answered {(int)response.StatusCode}");
            }
            var error = await ReadErrorAsync(response, ct);
            throw new PayoutRejectedException(request.IdempotencyKey, $"The rail refused payout {request.IdempotencyKey}: {(int)response.StatusCode} {error}");
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<RailProtocol.ErrorBody>(ct))?.Error ?? response.ReasonPhrase ?? "";
        }
        catch (System.Text.Json.JsonException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    /// <summary>Network trouble and our own attempt timeout leave the outcome unknown; the caller's cancellation does not.</summary>
    private static bool IsTransient(Exception e, CancellationToken callerToken) =>
        e is HttpRequestException or IOException
        || (e is OperationCanceledException && !callerToken.IsCancellationRequested);

    private sealed class RailOutcomeUnknownException(string message, Exception? inner = null) : Exception(message, inner);
}
