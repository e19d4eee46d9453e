using System.Globalization;

namespace RuralLoans.Domain.CoLending;

public enum BorrowerHoldState
{
    /// <summary>Approved and split, not yet paid out: the amount already counts against the household.</summary>
    Reserved,

    /// <summary>Paid out: an open loan of the product until it is repaid.</summary>
    Disbursed,
}

/// <summary>One application's claim on a borrower's credit: which product and how much.</summary>
public sealed record BorrowerHold(string ApplicationId, string ProductCode, decimal AmountYuan, BorrowerHoldState State);

/// <summary>
/// What one borrower (known only by the keyed hash of the resident ID) owes or has been approved for across all their
/// applications, at one version. The store writes a changed exposure only if the version it read is still current, so
/// two applications of the same borrower decided at the same moment cannot both pass.
/// </summary>
public sealed record BorrowerExposure
{
    public required string BorrowerKey { get; init; }

    /// <summary>Open applications and loans by application id; a declined, expired or failed application is removed.</summary>
    public IReadOnlyDictionary<string, BorrowerHold> Holds { get; init; } = new Dictionary<string, BorrowerHold>();

    public long Version { get; init; }

    public decimal OpenYuan => Holds.Values.Sum(h => h.AmountYuan);

    /// <summary>Holds not yet paid out: the reservation sweep looks only at borrowers with some (a stored, queryable field).</summary>
    public int Pending => Holds.Values.Count(h => h.State == BorrowerHoldState.Reserved);
}

public enum BorrowerChangeStatus
{
    Applied,
    AlreadyApplied,

    /// <summary>Refused by a rule: another open application of the product, or the household cap.</summary>
    Refused,

    NotFound,
}

public sealed record BorrowerChange(BorrowerChangeStatus Status, BorrowerExposure Exposure, RuleViolation? Violation = null)
{
    public bool Succeeded => Status is BorrowerChangeStatus.Applied or BorrowerChangeStatus.AlreadyApplied;
}

/// <summary>
/// Pure bookkeeping of a borrower's open applications: reserve when a loan is split, mark it disbursed when paid,
/// release when the application is declined, expires or its payout fails. Every change is idempotent by application id.
/// </summary>
public static class BorrowerExposures
{
    /// <summary>A borrower has at most one open application or loan per product; re-uploads of a form are new applications.</summary>
    public const string OneOpenPerProductRule = "one-open-loan-per-product";

    /// <summary>China 2020 measures: the household's credit, open applications included, stays within the cap.</summary>
    public const string HouseholdCapRule = "cn2020-household-cap";

    public static BorrowerChange Reserve(BorrowerExposure exposure, string applicationId, string productCode, decimal amountYuan, decimal householdCapYuan)
    {
        ArgumentNullException.ThrowIfNull(exposure);
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(productCode);
        if (amountYuan <= 0 || Money.RoundToFen(amountYuan) != amountYuan)
        {
            throw new ArgumentOutOfRangeException(nameof(amountYuan), amountYuan, "A hold must be a positive amount in whole fen.");
        }
        if (exposure.Holds.TryGetValue(applicationId, out var own))
        {
            return own.AmountYuan == amountYuan && own.ProductCode == productCode
                ? new BorrowerChange(BorrowerChangeStatus.AlreadyApplied, exposure)
                : new BorrowerChange(BorrowerChangeStatus.Refused, exposure, new RuleViolation(OneOpenPerProductRule, null,
                    $"Application {applicationId} already holds {Yuan(own.AmountYuan)} of {own.ProductCode} for this borrower."));
        }
        if (exposure.Holds.Values.FirstOrDefault(h => h.ProductCode == productCode) is { } other)
        {
            var what = other.State == BorrowerHoldState.Disbursed ? "an open loan" : "an open application";
            return new BorrowerChange(BorrowerChangeStatus.Refused, exposure, new RuleViolation(OneOpenPerProductRule, null,
                $"The borrower already has {what} of product {productCode} ({Yuan(other.AmountYuan)}); one open loan per product."));
        }
        if (exposure.OpenYuan + amountYuan > householdCapYuan)
        {
            return new BorrowerChange(BorrowerChangeStatus.Refused, exposure, new RuleViolation(HouseholdCapRule, null,
                $"The household would owe {Yuan(exposure.OpenYuan + amountYuan)} with its open loans and applications, over the {Yuan(householdCapYuan)} household cap."));
        }
        var holds = new Dictionary<string, BorrowerHold>(exposure.Holds, StringComparer.Ordinal)
        {
            [applicationId] = new BorrowerHold(applicationId, productCode, amountYuan, BorrowerHoldState.Reserved),
        };
        return Applied(exposure, holds);
    }

    /// <summary>The loan was paid out: it stays open (and counts) until repaid, but no longer needs the sweep's attention.</summary>
    public static BorrowerChange MarkDisbursed(BorrowerExposure exposure, string applicationId)
    {
        ArgumentNullException.ThrowIfNull(exposure);
        if (!exposure.Holds.TryGetValue(applicationId, out var hold))
        {
            return new BorrowerChange(BorrowerChangeStatus.NotFound, exposure);
        }
        if (hold.State == BorrowerHoldState.Disbursed)
        {
            return new BorrowerChange(BorrowerChangeStatus.AlreadyApplied, exposure);
        }
        var holds = new Dictionary<string, BorrowerHold>(exposure.Holds, StringComparer.Ordinal) { [applicationId] = hold with { State = BorrowerHoldState.Disbursed } };
        return Applied(exposure, holds);
    }

    /// <summary>Gives the hold back; releasing twice, or an application that never held anything, changes nothing.</summary>
    public static BorrowerChange Release(BorrowerExposure exposure, string applicationId)
    {
        ArgumentNullException.ThrowIfNull(exposure);
        if (!exposure.Holds.ContainsKey(applicationId))
        {
            return new BorrowerChange(BorrowerChangeStatus.AlreadyApplied, exposure);
        }
        return Applied(exposure, exposure.Holds.Where(kv => kv.Key != applicationId).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    private static BorrowerChange Applied(BorrowerExposure exposure, Dictionary<string, BorrowerHold> holds) =>
        new(BorrowerChangeStatus.Applied, exposure with { Holds = holds, Version = exposure.Version + 1 });

    private static string Yuan(decimal amount) => amount.ToString("¥#,##0.00", CultureInfo.InvariantCulture);
}
