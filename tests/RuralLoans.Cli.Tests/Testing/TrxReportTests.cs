using RuralLoans.Cli.Testing;

namespace RuralLoans.Cli.Tests.Testing;

public sealed class TrxReportTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"trx-{Guid.NewGuid():N}.trx");

    public void Dispose() => File.Delete(_path);

    private void WriteTrx(string results, string counters) => File.WriteAllText(_path, $"""
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>{results}</Results>
          <ResultSummary outcome="Completed"><Counters {counters} /></ResultSummary>
        </TestRun>
        """);

    [Fact]
    public void Counts_passed_failed_and_skipped_results()
    {
        WriteTrx("""
            <UnitTestResult testName="a" outcome="Passed" />
            <UnitTestResult testName="b" outcome="Passed" />
            <UnitTestResult testName="c" outcome="Failed" />
            <UnitTestResult testName="d" outcome="NotExecuted" />
            """, """total="4" executed="3" passed="2" failed="1" """);

        Assert.Equal(new TestTotals(2, 1, 1), TrxReport.Read(_path));
    }

    [Fact]
    public void An_aborted_or_timed_out_result_counts_as_failed()
    {
        WriteTrx("""
            <UnitTestResult testName="a" outcome="Passed" />
            <UnitTestResult testName="b" outcome="Timeout" />
            <UnitTestResult testName="c" outcome="Aborted" />
            """, """total="3" """);

        Assert.Equal(new TestTotals(1, 2, 0), TrxReport.Read(_path));
    }

    [Fact]
    public void A_truncated_report_is_unreadable_rather_than_zero()
    {
        File.WriteAllText(_path, "<?xml version=\"1.0\"?><TestRun xmlns=\"http://microsoft.com/schemas/VisualStudio/TeamTest/2010\"><Results>");

        Assert.Null(TrxReport.Read(_path));
    }

    [Theory]
    [InlineData(3, 0, 0, "3 passed, 0 failed")]
    [InlineData(3, 1, 2, "3 passed, 1 failed, 2 skipped")]
    public void The_summary_line_is_the_plain_form_ci_reads(int passed, int failed, int skipped, string expected) =>
        Assert.Equal(expected, new TestTotals(passed, failed, skipped).ToSummaryLine());

    [Fact]
    public void Totals_add_up_across_projects() =>
        Assert.Equal(new TestTotals(5, 1, 2), new TestTotals(2, 1, 0) + new TestTotals(3, 0, 2));
}
