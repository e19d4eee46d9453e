using System.Xml.Linq;

namespace RuralLoans.Cli.Testing;

/// <summary>Reads the counts out of a Visual Studio test results (TRX) file written by <c>dotnet test --logger trx</c>.</summary>
internal static class TrxReport
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public static TestTotals? Read(string path)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(path);
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }

        // Counting the individual results rather than trusting <Counters>: a skipped test is "NotExecuted" there,
        // and a crashed host can leave counters that disagree with the results it did record.
        var outcomes = document.Descendants(Ns + "UnitTestResult")
            .Select(r => (string?)r.Attribute("outcome") ?? "")
            .ToList();
        if (outcomes.Count == 0 && document.Descendants(Ns + "Counters").FirstOrDefault() is null)
        {
            return null;
        }

        var passed = outcomes.Count(o => o == "Passed");
        var skipped = outcomes.Count(o => o is "NotExecuted" or "Inconclusive");
        var failed = outcomes.Count - passed - skipped;
        return new TestTotals(passed, failed, skipped);
    }
}
