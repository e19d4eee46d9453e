using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;
using RuralLoans.Scoring.Challenger;

namespace RuralLoans.Scoring.Challenger.Tests;

/// <summary>The shipped rural household challenger: loadable, stable, in the champion's reason codes, with its card.</summary>
public class ShippedChallengerTests
{
    private static readonly ChallengerCatalog Shipped = ChallengerCatalog.Shipped();

    [Fact]
    public void The_shipped_challenger_loads_with_a_stable_hash_and_ranks_simulated_applicants_like_the_champion()
    {
        var challenger = Assert.IsType<ChallengerModel>(Shipped.Current);
        Assert.Null(Shipped.Absent);
        Assert.Equal((ChallengerCatalog.RuralHouseholdId, ChallengerCatalog.RuralHouseholdCurrentVersion), (challenger.ModelId, challenger.ModelVersion));
        Assert.Equal(challenger.ModelSha256, ChallengerModel.FromJson(challenger.ToJson()).ModelSha256);
        Assert.Same(challenger, Shipped.Find(challenger.ModelId, challenger.ModelVersion));
        Assert.Null(Shipped.Find(challenger.ModelId, "9.9.9"));

        // Fresh simulated applicants (another seed than the one it was trained on): it learned the champion back.
        var champion = ScorecardModelCatalog.RuralHousehold;
        var holdout = RuralHouseholdSimulation.Generate(champion, 4000, seed: 99);
        var rows = Enumerable.Range(0, holdout.Count).ToArray();
        var auc = ClassifierMetrics.Auc(challenger.Probabilities(holdout, rows), holdout.Targets);
        var scorecard = new Scorecard(champion);
        var championAuc = ClassifierMetrics.Auc(rows.Select(r => scorecard.Score(holdout.RowAsInput(r)).ProbabilityOfDefault).ToArray(), holdout.Targets);
        Assert.InRange(auc, championAuc - 0.05, 1);

        var worst = rows.OrderByDescending(r => scorecard.Score(holdout.RowAsInput(r)).ProbabilityOfDefault).First();
        var score = challenger.Score(holdout.RowAsInput(worst));
        Assert.NotEmpty(score.Reasons);
        Assert.All(score.Reasons, r => Assert.Matches("^R0[1-9]$", r.Code));
        Assert.NotEqual("R01", score.Reasons[0].Code);
    }

    [Fact]
    public void A_challenger_file_that_cannot_be_read_is_absent_with_the_reason_instead_of_throwing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"challenger-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"modelId\": ");
        try
        {
            var broken = ChallengerCatalog.FromFile(path);
            Assert.Null(broken.Current);
            Assert.Contains("could not be loaded", broken.Absent, StringComparison.Ordinal);
            Assert.Contains(path, broken.Absent, StringComparison.Ordinal);
            // The audit can still find the shipped versions that older decisions name.
            Assert.NotNull(broken.Find(ChallengerCatalog.RuralHouseholdId, ChallengerCatalog.RuralHouseholdCurrentVersion));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Model_cards_are_served_for_the_shipped_scorecard_and_challenger_and_not_for_unknown_versions()
    {
        var champion = ShippedModelCards.Find(ScorecardModelCatalog.RuralHouseholdId, "1.0.0");
        var challenger = ShippedModelCards.Find(ChallengerCatalog.RuralHouseholdId, ChallengerCatalog.RuralHouseholdCurrentVersion);

        Assert.NotNull(champion);
        Assert.Contains("Expert-calibrated", champion, StringComparison.Ordinal);
        Assert.Contains("Age is used (age). Justification:", champion, StringComparison.Ordinal);
        Assert.Contains("| age | R01 ", champion, StringComparison.Ordinal);
        Assert.NotNull(challenger);
        Assert.Contains("GENERATED", challenger, StringComparison.Ordinal);
        Assert.Contains(Shipped.Current!.ModelSha256, challenger, StringComparison.Ordinal);
        Assert.Null(ShippedModelCards.Find(ScorecardModelCatalog.RuralHouseholdId, "0.0.1"));
        Assert.Null(ShippedModelCards.Find("no-such-model", "1.0.0"));
    }

    [Fact]
    public void The_portal_serves_an_up_to_date_card_for_every_shipped_model()
    {
        var webRoot = WebRoot();
        var all = ShippedModelCards.All();
        Assert.Contains((ScorecardModelCatalog.RuralHouseholdId, "1.0.0"), all);
        Assert.Contains((ChallengerCatalog.RuralHouseholdId, ChallengerCatalog.RuralHouseholdCurrentVersion), all);
        foreach (var (id, version) in all)
        {
            var path = Path.Combine(webRoot, ShippedModelCards.RelativePath(id, version));
            Assert.True(File.Exists(path), $"no portal card for {id} {version}: run ./ruralloans model cards");
            Assert.True(File.ReadAllText(path) == ShippedModelCards.Find(id, version), $"the portal card of {id} {version} is stale: run ./ruralloans model cards");
        }
    }

    private static string WebRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "RuralLoans.Host", "wwwroot");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("src/RuralLoans.Host/wwwroot not found above the test assembly");
    }
}
