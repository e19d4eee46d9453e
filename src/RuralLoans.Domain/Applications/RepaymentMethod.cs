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
}

public static class RepaymentMethodNames
{
    public static string Chinese(this RepaymentMethod method) => method switch
    {
        RepaymentMethod.EqualInstalment => "等额本息",
        RepaymentMethod.InterestThenBullet => "先息后本",
        RepaymentMethod.Bullet => "到期一次还本付息",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}
