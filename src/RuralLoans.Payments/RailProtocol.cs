using System.Globalization;
using System.Text.Json.Serialization;

namespace RuralLoans.Payments;

/// <summary>
/// Wire shapes of the payout rail's HTTP API: <c>POST /v1/payouts</c> with an <c>Idempotency-Key</c> header, and
/// <c>GET /v1/payouts?idempotencyKey=K</c> to look a payout up. Amounts travel as strings so no JSON number
/// parser can turn fen into binary fractions.
/// </summary>
internal static class RailProtocol
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string PayoutsPath = "/v1/payouts";

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
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("committedAt")] DateTimeOffset CommittedAt);

    public sealed record ErrorBody([property: JsonPropertyName("error")] string Error);

    public static string FormatAmount(decimal yuan) => yuan.ToString("0.00", CultureInfo.InvariantCulture);

    public static decimal ParseAmount(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static PayoutBody ToBody(PayoutRequest request) =>
        new(FormatAmount(request.AmountYuan), "CNY", request.PayeeAccount, request.PayeeName, request.Reference);

    public static PayoutReceipt ToReceipt(PayoutResource resource) =>
        new(resource.IdempotencyKey, resource.Id, ParseAmount(resource.Amount), resource.CommittedAt);
}
