namespace RuralLoans.Payments;

/// <summary>
/// One transfer to a borrower. The idempotency key is fixed per loan and tranche, so every retry, from any host,
/// after any crash, asks the rail for the same payout.
/// </summary>
public sealed record PayoutRequest(string IdempotencyKey, decimal AmountYuan, string PayeeAccount, string PayeeName, string Reference)
{
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(IdempotencyKey) || IdempotencyKey.Length > 128)
        {
            throw new ArgumentException("An idempotency key of 1–128 characters is required.", nameof(IdempotencyKey));
        }
        if (AmountYuan <= 0 || decimal.Round(AmountYuan, 2) != AmountYuan)
        {
            throw new ArgumentException($"A payout must be a positive amount in whole fen, not {AmountYuan}.", nameof(AmountYuan));
        }
        if (string.IsNullOrWhiteSpace(PayeeAccount))
        {
            throw new ArgumentException("The payee account is required.", nameof(PayeeAccount));
        }
    }
}

/// <summary>Where a payout stands at the rail.</summary>
public enum PayoutStatus
{
    /// <summary>Accepted by the rail, not yet sent to the payee's bank.</summary>
    Pending,

    /// <summary>Sent on; the payee's bank has not confirmed yet. Money may or may not arrive.</summary>
    Processing,

    /// <summary>The payee's bank credited the account: the money has left. The only status that counts as paid.</summary>
    Settled,

    /// <summary>Final: the payout did not happen and no money left (see the reason code).</summary>
    Failed,

    /// <summary>It settled, then the payee's bank sent the money back (退汇), e.g. because the account was closed.</summary>
    Returned,
}

/// <summary>
/// What the rail recorded for a payout and where it stands. <see cref="RailPayoutId"/> is the rail's own reference for
/// reconciliation; <see cref="ReasonCode"/> is an ISO 20022 status or return reason code for failed and returned payouts.
/// </summary>
public sealed record PayoutReceipt(string IdempotencyKey, string RailPayoutId, decimal AmountYuan, DateTimeOffset CreatedAt)
{
    public PayoutStatus Status { get; init; } = PayoutStatus.Pending;
    public string Currency { get; init; } = "CNY";
    public string Reference { get; init; } = "";
    public string? ReasonCode { get; init; }
    public string? ReasonMessage { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? SettledAt { get; init; }
    public DateTimeOffset? ReturnedAt { get; init; }

    /// <summary>Still moving: ask again later.</summary>
    public bool IsInFlight => Status is PayoutStatus.Pending or PayoutStatus.Processing;

    /// <summary>The reason as one line for people: code and message.</summary>
    public string Reason => ReasonCode is null ? ReasonMessage ?? Status.ToString() : $"{ReasonCode} {ReasonMessage}".Trim();
}

/// <summary>Which payouts to list: by creation time, by last change (to catch late returns), by status.</summary>
public sealed record PayoutQuery
{
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Only payouts whose status changed at or after this moment.</summary>
    public DateTimeOffset? UpdatedFrom { get; init; }
    public PayoutStatus? Status { get; init; }
    public int PageSize { get; init; } = 100;
}

/// <summary>One page of a listing; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record PayoutPage(IReadOnlyList<PayoutReceipt> Payouts, string? NextCursor);

/// <summary>The rail could not confirm either way within the retry budget. The payout must stay "in doubt" and be retried later with the same key — never re-issued under a new one.</summary>
public sealed class PayoutInDoubtException(string idempotencyKey, string message, Exception? inner = null) : Exception(message, inner)
{
    public string IdempotencyKey { get; } = idempotencyKey;
}

/// <summary>The rail refused the payout request for a reason retrying will not fix (bad request, key reused for another payout).</summary>
public sealed class PayoutRejectedException(string idempotencyKey, string message) : Exception(message)
{
    public string IdempotencyKey { get; } = idempotencyKey;
}

/// <summary>The narrow port the disbursement step uses.</summary>
public interface IPaymentRail
{
    /// <summary>Submits at most one payout per idempotency key and returns it as the rail has it now (often still pending).</summary>
    Task<PayoutReceipt> PayOnceAsync(PayoutRequest request, CancellationToken ct);

    /// <summary>The payout recorded under this key with its current status, or null when the rail has none.</summary>
    Task<PayoutReceipt?> FindAsync(string idempotencyKey, CancellationToken ct);

    /// <summary>One page of the rail's payouts, oldest first; pass the previous page's cursor for the next.</summary>
    Task<PayoutPage> ListAsync(PayoutQuery query, string? cursor, CancellationToken ct);
}

public static class PaymentRailExtensions
{
    /// <summary>Every payout the query matches, page after page.</summary>
    public static async IAsyncEnumerable<PayoutReceipt> ListAllAsync(this IPaymentRail rail, PayoutQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rail);
        string? cursor = null;
        do
        {
            var page = await rail.ListAsync(query, cursor, ct);
            foreach (var payout in page.Payouts)
            {
                yield return payout;
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }
}
