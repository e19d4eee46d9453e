using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Contracts;

namespace RuralLoans.Domain.Tests.Contracts;

public class RepaymentScheduleTests
{
    private static readonly DateOnly Start = new(2024, 3, 20);

    [Fact]
    public void Equal_principal_repays_the_same_principal_each_month_with_interest_on_the_falling_balance()
    {
        var schedule = RepaymentSchedule.Build(12_000m, 0.12m, 12, RepaymentMethod.EqualPrincipal, Start);

        Assert.All(schedule, i => Assert.Equal(1_000m, i.PrincipalYuan));
        Assert.Equal([120m, 110m, 100m, 90m, 80m, 70m, 60m, 50m, 40m, 30m, 20m, 10m], schedule.Select(i => i.InterestYuan));
        Assert.Equal(780m, RepaymentSchedule.TotalInterest(schedule));
        Assert.Equal(new DateOnly(2025, 3, 20), schedule[^1].DueDate);
        Assert.Equal(0m, schedule[^1].RemainingPrincipalYuan);
    }

    [Fact]
    public void Equal_principal_that_does_not_divide_into_fen_puts_the_leftover_fen_in_the_last_month()
    {
        var schedule = RepaymentSchedule.Build(10_000m, 0.0435m, 3, RepaymentMethod.EqualPrincipal, Start);

        Assert.Equal([3_333.33m, 3_333.33m, 3_333.34m], schedule.Select(i => i.PrincipalYuan));
        // 10,000 × 4.35% ÷ 12 = 36.25; 6,666.67 × 0.003625 = 24.1666… → 24.17; 3,333.34 × 0.003625 = 12.0833… → 12.08.
        Assert.Equal([36.25m, 24.17m, 12.08m], schedule.Select(i => i.InterestYuan));
    }

    [Fact]
    public void Quarterly_interest_counts_the_actual_days_of_each_quarter_over_360_and_repays_principal_at_maturity()
    {
        var schedule = RepaymentSchedule.Build(100_000m, 0.036m, 12, RepaymentMethod.QuarterlyInterest, Start);

        Assert.Equal([new DateOnly(2024, 6, 20), new DateOnly(2024, 9, 20), new DateOnly(2024, 12, 20), new DateOnly(2025, 3, 20)], schedule.Select(i => i.DueDate));
        // 92, 92, 91 and 90 days at 100,000 × 3.6% ÷ 360 = 10 yuan a day.
        Assert.Equal([920m, 920m, 910m, 900m], schedule.Select(i => i.InterestYuan));
        Assert.Equal([0m, 0m, 0m, 100_000m], schedule.Select(i => i.PrincipalYuan));
        Assert.Equal(DayCountConvention.Actual360, RepaymentMethod.QuarterlyInterest.DayCount());
    }

    [Fact]
    public void Quarterly_interest_over_a_term_that_is_not_whole_quarters_ends_with_a_short_period()
    {
        var schedule = RepaymentSchedule.Build(50_000m, 0.045m, 8, RepaymentMethod.QuarterlyInterest, new DateOnly(2025, 1, 31));

        Assert.Equal([new DateOnly(2025, 4, 30), new DateOnly(2025, 7, 31), new DateOnly(2025, 9, 30)], schedule.Select(i => i.DueDate));
        // 89, 92 and 61 days at 50,000 × 4.5% ÷ 360 = 6.25 a day: 556.25, 575.00, 381.25.
        Assert.Equal([556.25m, 575m, 381.25m], schedule.Select(i => i.InterestYuan));
        Assert.Equal(50_000m, schedule[^1].PrincipalYuan);
    }

    [Theory]
    [InlineData(RepaymentMethod.EqualInstalment)]
    [InlineData(RepaymentMethod.EqualPrincipal)]
    [InlineData(RepaymentMethod.InterestThenBullet)]
    [InlineData(RepaymentMethod.QuarterlyInterest)]
    [InlineData(RepaymentMethod.Bullet)]
    public void Every_schedule_repays_the_principal_exactly_in_whole_fen(RepaymentMethod method)
    {
        foreach (var (principal, rate, months) in new[] { (9_999.99m, 0.0731m, 7), (1_000.01m, 0.0435m, 36), (200_000m, 0.124m, 60), (5_000m, 0m, 5) })
        {
            var schedule = RepaymentSchedule.Build(principal, rate, months, method, new DateOnly(2024, 1, 31));

            Assert.Equal(principal, schedule.Sum(i => i.PrincipalYuan));
            Assert.All(schedule, i => Assert.Equal(Money.RoundToFen(i.InterestYuan), i.InterestYuan));
            Assert.All(schedule, i => Assert.Equal(Money.RoundToFen(i.PrincipalYuan), i.PrincipalYuan));
            Assert.All(schedule, i => Assert.True(i.PrincipalYuan >= 0 && i.InterestYuan >= 0));
            Assert.Equal(principal + RepaymentSchedule.TotalInterest(schedule), schedule.Sum(i => i.TotalYuan));
            Assert.Equal(0m, schedule[^1].RemainingPrincipalYuan);
        }
    }
}

public class AnnualizedRateTests
{
    private static readonly DateOnly Start = new(2024, 3, 20);

    [Theory]
    [InlineData(RepaymentMethod.EqualInstalment, 0.12)]
    [InlineData(RepaymentMethod.EqualPrincipal, 0.12)]
    [InlineData(RepaymentMethod.InterestThenBullet, 0.12)]
    [InlineData(RepaymentMethod.Bullet, 0.12)]
    public void An_honest_monthly_schedule_discloses_its_nominal_rate(RepaymentMethod method, double rate)
    {
        var schedule = RepaymentSchedule.Build(12_000m, (decimal)rate, 12, method, Start);

        Assert.Equal((decimal)rate, AnnualizedRate.Of(12_000m, Start, schedule, method.DayCount()));
    }

    [Fact]
    public void A_360_day_year_shows_in_the_annualized_rate()
    {
        var schedule = RepaymentSchedule.Build(100_000m, 0.036m, 12, RepaymentMethod.QuarterlyInterest, Start);

        // 3.6% × 365/360 = 3.65%.
        Assert.Equal(0.0365m, AnnualizedRate.Of(100_000m, Start, schedule, DayCountConvention.Actual360));
    }

    [Fact]
    public void A_flat_add_on_charge_discloses_its_true_rate_not_the_nominal_one()
    {
        // 12,000 repaid 1,000 a month with 120 "12% interest" on the full principal every month.
        var flat = Enumerable.Range(1, 12).Select(p => new Instalment(p, Start.AddMonths(p), 1_000m, 120m, 12_000m - 1_000m * p)).ToList();

        var apr = AnnualizedRate.Of(12_000m, Start, flat, DayCountConvention.Thirty360);

        Assert.InRange(apr, 0.21m, 0.22m);
    }
}
