using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>"In the future" means after the pipeline's today, so a replay or a test on another day judges a date alike.</summary>
public sealed class ExtractionClockTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static FieldValueParsers ParsersOn(int year, int month, int day) =>
        new(new KnownValues { Clock = new FixedClock(new DateTimeOffset(year, month, day, 4, 0, 0, TimeSpan.Zero)) });

    [Fact]
    public void An_application_date_more_than_a_month_after_the_clocks_today_is_flagged_and_one_before_it_is_not()
    {
        var early = ParsersOn(2024, 3, 1).Parse(LoanFormFields.ApplicationDate, "2024年6月15日");
        var later = ParsersOn(2024, 6, 20).Parse(LoanFormFields.ApplicationDate, "2024年6月15日");

        Assert.Equal("2024-06-15", early.Value);
        Assert.Contains("in the future", early.Problem, StringComparison.Ordinal);
        Assert.Equal("2024-06-15", later.Value);
        Assert.Null(later.Problem);
    }
}
