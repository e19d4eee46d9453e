using RuralLoans.Cli.Commands;
using RuralLoans.Scoring.Challenger;

namespace RuralLoans.Cli.Tests.Commands;

/// <summary>
/// Decisions record the challenger's id and version and the audit re-scores them with that artifact, so retraining
/// under a shipped version must be refused before anything is written.
/// </summary>
public sealed class TrainRuralShadowCommandTests
{
    [Fact]
    public async Task A_shipped_version_is_refused_and_no_file_is_written()
    {
        var output = Path.Combine(Path.GetTempPath(), $"challenger-{Guid.NewGuid():N}.json");
        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await ModelCommand.Create().Parse(["train-rural-shadow", "--rows", "500", "--version", ChallengerCatalog.RuralHouseholdCurrentVersion, "--out", output])
                .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            Console.SetError(before);
        }

        Assert.Equal(2, exit);
        Assert.False(File.Exists(output));
        Assert.Contains("never changed", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("new --version", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_version_is_allowed_and_the_version_must_be_given()
    {
        Assert.Null(ModelCommand.ShippedVersionRefusal(ChallengerCatalog.RuralHouseholdId, "9.9.9"));
        Assert.NotNull(ModelCommand.ShippedVersionRefusal(ChallengerCatalog.RuralHouseholdId, ChallengerCatalog.RuralHouseholdCurrentVersion));

        var parse = ModelCommand.Create().Parse(["train-rural-shadow", "--out", "x.json"]);
        Assert.Contains(parse.Errors, e => e.Message.Contains("--version", StringComparison.Ordinal));
    }
}
