using System.Globalization;

namespace RuralLoans.Domain.Contracts;

/// <summary>How rates read on a contract and in reasons: percent with two decimals, whatever the host's culture.</summary>
public static class Rates
{
    public static string Percent(decimal rate) => (rate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}

/// <summary>A published one-year Loan Prime Rate (贷款市场报价利率) and the day it took effect.</summary>
public sealed record LoanPrimeRate(decimal OneYear, DateOnly PublishedOn);

/// <summary>
/// The highest annualized rate a product may charge. By default the judicial protection ceiling: the Supreme People's
/// Court's 2020 provisions on private lending (法释〔2020〕17号) no longer protect interest above four times the one-year
/// LPR in force when the contract is made. A product may set a lower cap of its own.
/// </summary>
public sealed record RateCap(decimal MaxAnnualRate, string Basis)
{
    public const decimal JudicialLprMultiple = 4m;

    public static RateCap JudicialCeiling(LoanPrimeRate lpr, decimal multiple = JudicialLprMultiple)
    {
        ArgumentNullException.ThrowIfNull(lpr);
        return new RateCap(lpr.OneYear * multiple,
            string.Create(CultureInfo.InvariantCulture, $"{multiple:0.##}×一年期LPR {Rates.Percent(lpr.OneYear)}（{lpr.PublishedOn:yyyy-MM-dd}） / {multiple:0.##}× the 1-year LPR of {lpr.PublishedOn:yyyy-MM-dd}"));
    }

    /// <summary>The product's own cap when it has one and it is lower than the ceiling; else the ceiling.</summary>
    public static RateCap For(decimal? productMaxAnnualRate, LoanPrimeRate lpr, decimal multiple = JudicialLprMultiple)
    {
        var ceiling = JudicialCeiling(lpr, multiple);
        return productMaxAnnualRate is { } own && own < ceiling.MaxAnnualRate
            ? new RateCap(own, $"产品利率上限 {Rates.Percent(own)} / the product's own cap")
            : ceiling;
    }
}
