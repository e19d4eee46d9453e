namespace RuralLoans.Cli.Testing;

/// <summary>Test counts for one project or summed over many.</summary>
internal readonly record struct TestTotals(int Passed, int Failed, int Skipped)
{
    public static TestTotals operator +(TestTotals left, TestTotals right) =>
        new(left.Passed + right.Passed, left.Failed + right.Failed, left.Skipped + right.Skipped);

    /// <summary>The plain closing line CI reads: "N passed, N failed" with ", N skipped" when any were skipped.</summary>
    public string ToSummaryLine() =>
        Skipped > 0 ? $"{Passed} passed, {Failed} failed, {Skipped} skipped" : $"{Passed} passed, {Failed} failed";
}
