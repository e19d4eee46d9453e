using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.CoLending;

/// <summary>One repayment: the principal and interest due on <see cref="DueDate"/>, and the principal left after it.</summary>
public sealed record Instalment(int Period, DateOnly DueDate, decimal PrincipalYuan, decimal InterestYuan, decimal RemainingPrincipalYuan)
{
    public decimal TotalYuan => PrincipalYuan + InterestYuan;
}

/// <summary>
/// Builds repayment schedules. Day count (see <see cref="RepaymentMethodNames.DayCount"/>): the monthly methods use
/// 30/360, a month's interest being balance × annual rate ÷ 12; quarterly settlement uses ACT/360, a period's interest
/// being balance × annual rate ÷ 360 × the actual days since the last settlement. Rounding: every interest amount is
/// rounded to the fen on its own, halves away from zero (<see cref="Money.RoundToFen"/>); principal parts are whole fen
/// (equal-principal parts are the floor of principal ÷ n to the fen) and the last instalment takes whatever principal
/// is left, so the principal always adds up exactly and the schedule's total is exactly principal + the sum of its
/// rounded interest. Due dates fall on the disbursement day of each following month (clamped to the month's end).
/// </summary>
public static class RepaymentSchedule
{
    public const decimal DaysInYearForRate = 360m;

    public static IReadOnlyList<Instalment> Build(decimal principalYuan, decimal annualRate, int termMonths, RepaymentMethod method, DateOnly disbursedOn)
    {
        if (principalYuan <= 0 || Money.RoundToFen(principalYuan) != principalYuan)
        {
            throw new ArgumentOutOfRangeException(nameof(principalYuan), principalYuan, "The principal must be positive and in whole fen.");
        }
        if (termMonths < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(termMonths), termMonths, "The term must be at least one month.");
        }
        if (annualRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(annualRate), annualRate, "The rate cannot be negative.");
        }
        var monthlyRate = annualRate / 12;
        return method switch
        {
            RepaymentMethod.EqualInstalment => EqualInstalments(principalYuan, monthlyRate, termMonths, disbursedOn),
            RepaymentMethod.InterestThenBullet => InterestThenBullet(principalYuan, monthlyRate, termMonths, disbursedOn),
            RepaymentMethod.Bullet =>
            [
                new Instalment(1, disbursedOn.AddMonths(termMonths), principalYuan, Money.RoundToFen(principalYuan * monthlyRate * termMonths), 0),
            ],
            RepaymentMethod.EqualPrincipal => EqualPrincipal(principalYuan, monthlyRate, termMonths, disbursedOn),
            RepaymentMethod.QuarterlyInterest => QuarterlyInterest(principalYuan, annualRate, termMonths, disbursedOn),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };
    }

    /// <summary>Interest over the schedule: what the contract discloses as 利息总额.</summary>
    public static decimal TotalInterest(IReadOnlyList<Instalment> schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return schedule.Sum(i => i.InterestYuan);
    }

    /// <summary>
    /// 等额本息: payment = P·r·(1+r)^n / ((1+r)^n − 1) rounded to the fen; each month's interest is the
    /// outstanding principal × r, the rest of the payment repays principal; the last payment clears the balance.
    /// </summary>
    private static List<Instalment> EqualInstalments(decimal principal, decimal monthlyRate, int termMonths, DateOnly start)
    {
        var payment = monthlyRate == 0
            ? Money.RoundToFen(principal / termMonths)
            : Money.RoundToFen(principal * monthlyRate * Power(1 + monthlyRate, termMonths) / (Power(1 + monthlyRate, termMonths) - 1));
        var schedule = new List<Instalment>(termMonths);
        var remaining = principal;
        for (var period = 1; period <= termMonths; period++)
        {
            var interest = Money.RoundToFen(remaining * monthlyRate);
            var principalPart = period == termMonths ? remaining : Math.Clamp(payment - interest, 0, remaining);
            remaining -= principalPart;
            schedule.Add(new Instalment(period, start.AddMonths(period), principalPart, interest, remaining));
        }
        return schedule;
    }

    /// <summary>
    /// 等额本金: principal ÷ n each month, floored to the fen so no month repays more than its share early; the fen
    /// the floor left over are repaid with the last month. Interest is the month's opening balance × r.
    /// </summary>
    private static List<Instalment> EqualPrincipal(decimal principal, decimal monthlyRate, int termMonths, DateOnly start)
    {
        var part = Money.ToYuan(Money.ToFen(principal) / termMonths);
        var schedule = new List<Instalment>(termMonths);
        var remaining = principal;
        for (var period = 1; period <= termMonths; period++)
        {
            var interest = Money.RoundToFen(remaining * monthlyRate);
            var principalPart = period == termMonths ? remaining : part;
            remaining -= principalPart;
            schedule.Add(new Instalment(period, start.AddMonths(period), principalPart, interest, remaining));
        }
        return schedule;
    }

    /// <summary>
    /// 按季结息、到期还本: interest is settled every three months from the disbursement date and at maturity (a term
    /// that is not a whole number of quarters ends with a shorter period); each period's interest is the full principal
    /// × annual rate ÷ 360 × the actual days in the period.
    /// </summary>
    private static List<Instalment> QuarterlyInterest(decimal principal, decimal annualRate, int termMonths, DateOnly start)
    {
        var schedule = new List<Instalment>();
        var from = start;
        var period = 0;
        for (var months = 3; ; months += 3)
        {
            var last = months >= termMonths;
            var due = start.AddMonths(last ? termMonths : months);
            var days = due.DayNumber - from.DayNumber;
            var interest = Money.RoundToFen(principal * annualRate * days / DaysInYearForRate);
            schedule.Add(new Instalment(++period, due, last ? principal : 0, interest, last ? 0 : principal));
            if (last)
            {
                return schedule;
            }
            from = due;
        }
    }

    /// <summary>先息后本: interest on the full principal every month, the principal with the last payment.</summary>
    private static List<Instalment> InterestThenBullet(decimal principal, decimal monthlyRate, int termMonths, DateOnly start)
    {
        var interest = Money.RoundToFen(principal * monthlyRate);
        return Enumerable.Range(1, termMonths)
            .Select(period => new Instalment(period, start.AddMonths(period), period == termMonths ? principal : 0, interest, period == termMonths ? 0 : principal))
            .ToList();
    }

    private static decimal Power(decimal value, int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= value;
        }
        return result;
    }
}

/// <summary>One lender's part of the loan's schedule.</summary>
public sealed record LenderSchedule(string LenderId, decimal AmountYuan, IReadOnlyList<Instalment> Instalments);

/// <summary>
/// Divides a loan's schedule between its lenders so that, period by period, the lenders' principal and
/// interest add up exactly to the loan's, and each lender's principal adds up exactly to what it funded.
/// </summary>
public static class LenderSchedules
{
    /// <remarks>
    /// Each period's principal is split in proportion to what each lender still has outstanding, and its
    /// interest in proportion to outstanding × the lender's own rate (so a lender earns its rate on its share
    /// of a blended-rate loan). Both splits use <see cref="Money.AllocateFen"/>. Because the loan's principal
    /// in a period never exceeds the total outstanding, no lender is ever asked for more than it has left,
    /// and in the last period each repays exactly its remainder.
    /// </remarks>
    public static IReadOnlyList<LenderSchedule> Split(FundSplit split, IReadOnlyList<Instalment> loanSchedule)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(loanSchedule);
        var lenders = split.Allocations;
        if (loanSchedule.Sum(i => i.PrincipalYuan) != split.PrincipalYuan)
        {
            throw new ArgumentException("The schedule does not repay the split's principal.", nameof(loanSchedule));
        }
        var outstanding = lenders.Select(a => Money.ToFen(a.AmountYuan)).ToArray();
        var instalments = lenders.Select(_ => new List<Instalment>(loanSchedule.Count)).ToArray();
        var principalWeights = new decimal[lenders.Count];
        var interestWeights = new decimal[lenders.Count];
        foreach (var instalment in loanSchedule)
        {
            var anyRate = false;
            for (var i = 0; i < lenders.Count; i++)
            {
                principalWeights[i] = outstanding[i];
                interestWeights[i] = outstanding[i] * lenders[i].AnnualRate;
                anyRate |= interestWeights[i] != 0;
            }
            var hasOutstanding = outstanding.Any(o => o > 0);
            var principalParts = hasOutstanding ? Money.AllocateFen(Money.ToFen(instalment.PrincipalYuan), principalWeights) : new long[lenders.Count];
            var interestParts = hasOutstanding ? Money.AllocateFen(Money.ToFen(instalment.InterestYuan), anyRate ? interestWeights : principalWeights) : new long[lenders.Count];
            for (var i = 0; i < lenders.Count; i++)
            {
                outstanding[i] -= principalParts[i];
                instalments[i].Add(instalment with
                {
                    PrincipalYuan = Money.ToYuan(principalParts[i]),
                    InterestYuan = Money.ToYuan(interestParts[i]),
                    RemainingPrincipalYuan = Money.ToYuan(outstanding[i]),
                });
            }
        }
        return lenders.Select((a, i) => new LenderSchedule(a.LenderId, a.AmountYuan, instalments[i])).ToArray();
    }
}
