namespace RuralLoans.Domain.Applications;

/// <summary>How the borrower pays the loan back.</summary>
public enum RepaymentMethod
{
    /// <summary>等额本息: the same payment every month, interest on the outstanding balance.</summary>
    EqualInstalment,

    /// <summary>先息后本: interest every month, all principal at maturity.</summary>
    InterestThenBullet,

    /// <summary>到期一次还本付息: principal and simple interest in one payment at maturity.</summary>
    Bullet,

    /// <summary>等额本金: the same principal every month plus interest on what is still outstanding.</summary>
    EqualPrincipal,

    /// <summary>按季结息，到期还本: interest settled every quarter on the days it accrued, principal at maturity.</summary>
    QuarterlyInterest,
}

/// <summary>How interest accrues between two dates.</summary>
public enum DayCountConvention
{
    /// <summary>30/360: every whole month is a twelfth of a year (月利率 = 年利率 ÷ 12).</summary>
    Thirty360,

    /// <summary>ACT/360: actual days elapsed at a daily rate of the annual rate ÷ 360 (日利率 = 年利率 ÷ 360).</summary>
    Actual360,
}

public static class RepaymentMethodNames
{
    public static string Chinese(this RepaymentMethod method) => method switch
    {
        RepaymentMethod.EqualInstalment => "等额本息",
        RepaymentMethod.InterestThenBullet => "先息后本",
        RepaymentMethod.Bullet => "到期一次还本付息",
        RepaymentMethod.EqualPrincipal => "等额本金",
        RepaymentMethod.QuarterlyInterest => "按季结息、到期还本",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <summary>
    /// Monthly methods count whole months (the annuity formula needs equal periods, and a bank's monthly statement
    /// charges a twelfth of the annual rate); quarterly settlement is a daily-accrual product, so it counts actual days.
    /// </summary>
    public static DayCountConvention DayCount(this RepaymentMethod method) => method switch
    {
        RepaymentMethod.QuarterlyInterest => DayCountConvention.Actual360,
        _ => DayCountConvention.Thirty360,
    };

    /// <summary>Whether the whole principal is repaid in one payment at maturity.</summary>
    public static bool RepaysPrincipalAtMaturity(this RepaymentMethod method) =>
        method is RepaymentMethod.Bullet or RepaymentMethod.InterestThenBullet or RepaymentMethod.QuarterlyInterest;
}
