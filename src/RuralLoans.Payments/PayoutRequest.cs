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

/// <summary>What the rail recorded for a payout. <see cref="RailPayoutId"/> is the rail's own reference for reconciliation.</summary>
public sealed record PayoutReceipt(string IdempotencyKey, string RailPayoutId, decimal AmountYuan, DateTimeOffset CommittedAt);

/// <summary>The rail could not confirm either way within the retry budget. The payout must stay "in doubt" and be retried later with the same key — never re-issued under a new one.</summary>
public sealed class PayoutInDoubtException(string idempotencyKey, string message, Exception? inner = null) : Exception(message, inner)
{
    public string IdempotencyKey { get; } = idempotencyKey;
}

/// <summary>The rail refused the payout for a reason retrying will not fix (bad account, conflicting request).</summary>
public sealed class PayoutRejectedException(string idempotencyKey, string message) : Exception(message)
{
    public string IdempotencyKey { get; } = idempotencyKey;
}

/// <summary>The narrow port the disbursement step uses.</summary>
public interface IPaymentRail
{
    /// <summary>Pays at most once per idempotency key and returns the committed payout.</summary>
    Task<PayoutReceipt> PayOnceAsync(PayoutRequest request, CancellationToken ct);

    /// <summary>The payout recorded under this key, or null when the rail has none.</summary>
    Task<PayoutReceipt?> FindAsync(string idempotencyKey, CancellationToken ct);
}
