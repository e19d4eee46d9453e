using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Contracts;

/// <summary>
/// The annualized rate a borrower is shown (年化利率). PBoC announcement 〔2021〕第3号 asks for the rate the borrower
/// really pays, computed from the repayment cash flows by the internal-rate-of-return method. Here: the annual rate R
/// at which the instalments, each discounted through every interval before it at (1 + R·τ), are worth the principal;
/// τ is the interval's length in years under the schedule's day count (whole months ÷ 12 for 30/360, actual days ÷ 365
/// for ACT/360). So an amortising loan shows its nominal rate, a single payment at maturity its simple rate, a flat
/// "add-on" charge its much higher true rate, and a 360-day year its extra 365/360.
/// </summary>
public static class AnnualizedRate
{
    /// <summary>Rounded to 4 decimals of a fraction (0.01 percentage point), the precision the contract prints.</summary>
    public static decimal Of(decimal principalYuan, DateOnly disbursedOn, IReadOnlyList<Instalment> schedule, DayCountConvention dayCount)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (principalYuan <= 0 || schedule.Count == 0)
        {
            throw new ArgumentException("A schedule repaying a positive principal is needed.", nameof(schedule));
        }
        var flows = new (double Years, double Amount)[schedule.Count];
        var from = disbursedOn;
        for (var i = 0; i < schedule.Count; i++)
        {
            var due = schedule[i].DueDate;
            var years = dayCount == DayCountConvention.Thirty360
                ? ((due.Year - from.Year) * 12 + due.Month - from.Month) / 12.0
                : (due.DayNumber - from.DayNumber) / 365.0;
            flows[i] = (years, (double)schedule[i].TotalYuan);
            from = due;
        }
        var principal = (double)principalYuan;
        double PresentValue(double rate)
        {
            double value = 0, discount = 1;
            foreach (var (years, amount) in flows)
            {
                discount /= 1 + rate * years;
                value += amount * discount;
            }
            return value;
        }

        // The present value falls as the rate rises; bisect between 0 and a rate far above any lawful one.
        double low = 0, high = 10;
        if (PresentValue(low) <= principal)
        {
            return 0m;
        }
        for (var i = 0; i < 200 && high - low > 1e-12; i++)
        {
            var mid = (low + high) / 2;
            if (PresentValue(mid) > principal)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }
        return decimal.Round((decimal)((low + high) / 2), 4, MidpointRounding.AwayFromZero);
    }
}
