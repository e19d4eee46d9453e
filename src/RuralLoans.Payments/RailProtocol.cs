using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace RuralLoans.Payments;

/// <summary>
/// Wire shapes of the payout rail's HTTP API, modelled on bank payout APIs: <c>POST /v1/payouts</c> with an
/// <c>Idempotency-Key</c> header accepts a payout (it is <c>pending</c>, then <c>processing</c>, then <c>settled</c> or
/// <c>failed</c>; a settled payout may later be <c>returned</c> by the payee's bank); <c>GET /v1/payouts?idempotencyKey=K</c>
/// looks one up; <c>GET /v1/payouts?createdFrom=&amp;createdTo=&amp;updatedFrom=&amp;status=&amp;limit=&amp;cursor=</c> lists them a
/// page at a time, oldest first, with an opaque cursor. Amounts travel as strings so no JSON number parser can turn fen
/// into binary fractions. Failure and return reasons use ISO 20022 reason codes (ExternalStatusReason1Code,
/// ExternalReturnReason1Code), as CIPS and most bank APIs do.
/// </summary>
internal static class RailProtocol
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string PayoutsPath = "/v1/payouts";
    public const int MaxPageSize = 200;

    public sealed record PayoutBody(
        [property: JsonPropertyName("amount")] string Amount,
        [property: JsonPropertyName("currency")] string Currency,
        [property: JsonPropertyName("payeeAccount")] string PayeeAccount,
        [property: JsonPropertyName("payeeName")] string PayeeName,
        [property: JsonPropertyName("reference")] string Reference);

    public sealed record PayoutResource(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("idempotencyKey")] string IdempotencyKey,
        [property: JsonPropertyName("amount")] string Amount,
        [property: JsonPropertyName("currency")] string Currency,
        [property: JsonPropertyName("payeeAccount")] string PayeeAccount,
        [property: JsonPropertyName("reference")] string Reference,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("reasonCode")] string? ReasonCode,
        [property: JsonPropertyName("reasonMessage")] string? ReasonMessage,
        [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
        [property: JsonPropertyName("settledAt")] DateTimeOffset? SettledAt,
        [property: JsonPropertyName("returnedAt")] DateTimeOffset? ReturnedAt);

    public sealed record PayoutList(
        [property: JsonPropertyName("data")] IReadOnlyList<PayoutResource> Data,
        [property: JsonPropertyName("hasMore")] bool HasMore,
        [property: JsonPropertyName("nextCursor")] string? NextCursor);

    public sealed record ErrorBody([property: JsonPropertyName("error")] string Error);

    public static string FormatAmount(decimal yuan) => yuan.ToString("0.00", CultureInfo.InvariantCulture);

    public static decimal ParseAmount(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static string FormatStatus(PayoutStatus status) => status.ToString().ToLowerInvariant();

    public static PayoutStatus ParseStatus(string text) => text switch
    {
        "pending" => PayoutStatus.Pending,
        "processing" => PayoutStatus.Processing,
        "settled" => PayoutStatus.Settled,
        "failed" => PayoutStatus.Failed,
        "returned" => PayoutStatus.Returned,
        // An unknown status is never read as paid: the caller keeps asking until it hears one it knows.
        _ => PayoutStatus.Processing,
    };

    public static PayoutBody ToBody(PayoutRequest request) =>
        new(FormatAmount(request.AmountYuan), "CNY", request.PayeeAccount, request.PayeeName, request.Reference);

    public static PayoutReceipt ToReceipt(PayoutResource resource) =>
        new(resource.IdempotencyKey, resource.Id, ParseAmount(resource.Amount), resource.CreatedAt)
        {
            Currency = resource.Currency,
            Reference = resource.Reference,
            Status = ParseStatus(resource.Status),
            ReasonCode = resource.ReasonCode,
            ReasonMessage = resource.ReasonMessage,
            UpdatedAt = resource.UpdatedAt,
            SettledAt = resource.SettledAt,
            ReturnedAt = resource.ReturnedAt,
        };

    /// <summary>The position after the last payout of a page: its creation time and id, which order the listing.</summary>
    public static string EncodeCursor(DateTimeOffset createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{createdAt.UtcTicks}|{id}")));

    public static bool TryDecodeCursor(string cursor, out long createdTicks, out string id)
    {
        createdTicks = 0;
        id = "";
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out createdTicks))
            {
                return false;
            }
            id = text[(bar + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
