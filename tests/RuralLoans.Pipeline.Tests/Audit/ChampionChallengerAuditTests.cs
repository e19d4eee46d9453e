using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Scoring.Challenger;
using RuralLoans.Storage;
using RuralLoans.Testing;
using Names = RuralLoans.Pipeline.Audit.ApplicationAuditor.StepNames;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>
/// Champion–challenger in the scoring step, on the real emulators: the champion scorecard decides, the shipped
/// challenger is shadow-scored on the same features and recorded beside the decision, and the audit re-runs both.
/// </summary>
public sealed class ChampionChallengerAuditTests(DevServicesFixture services)
{
    private const string Household = "43062619820315123";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<string> ScoredAsync(PipelineHarness pipeline)
    {
        var submitted = await pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(TestForms.GoodHousehold(Household))), Cancel);
        var outcome = await pipeline.FinishAsync(submitted.ApplicationId, Cancel);
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        return submitted.ApplicationId;
    }

    private static async Task<(CreditDecision Champion, ShadowScoring Shadow)> RecordedAsync(PipelineHarness pipeline, string id)
    {
        var record = await pipeline.Runtime.Decisions.FindAsync(id, DataScoring.Name, Cancel);
        Assert.NotNull(record);
        Assert.True(record.Shadow.HasValue, "the scoring decision records no shadow score");
        return (record.Output.Deserialize<CreditDecision>(CosmosClients.JsonOptions)!, record.Shadow.Value.Deserialize<ShadowScoring>(CosmosClients.JsonOptions)!);
    }

    private static string Describe(AuditVerdict verdict) => string.Join(Environment.NewLine, verdict.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}"));

    [Fact]
    public async Task The_champion_decides_and_the_shipped_challenger_is_recorded_beside_it_and_verified()
    {
        await using var pipeline = await PipelineHarness.StartAsync(services, Cancel);
        var id = await ScoredAsync(pipeline);

        var (champion, shadow) = await RecordedAsync(pipeline, id);
        Assert.Equal(ScorecardModelCatalog.RuralHouseholdId, champion.ModelId);
        Assert.Null(shadow.Absent);
        var challenger = Assert.IsType<ChallengerScore>(shadow.Challenger);
        var shipped = ChallengerCatalog.LoadShipped(ChallengerCatalog.RuralHouseholdId, ChallengerCatalog.RuralHouseholdCurrentVersion);
        Assert.Equal((shipped.ModelId, shipped.ModelVersion, shipped.ModelSha256), (challenger.ModelId, challenger.ModelVersion, challenger.ModelSha256));
        // Scored on the very features the champion recorded, by an independently loaded copy of the artifact.
        Assert.Equal(shipped.Score(champion.Input.Features).ProbabilityOfDefault, challenger.ProbabilityOfDefault);
        Assert.InRange(challenger.ProbabilityOfDefault, 0.001, 0.5);
        Assert.NotEqual(champion.Score, challenger.Score);
        Assert.All(challenger.Reasons, r => Assert.Matches("^R0[1-9]$", r.Code));

        var verdict = await pipeline.Runtime.Auditor.AuditAsync(id, Cancel);
        Assert.True(verdict.Verified, Describe(verdict));
        Assert.Equal(AuditStep.Verified, Assert.Single(verdict.Steps, s => s.Name == Names.DataScoring).Status);
    }

    [Fact]
    public async Task A_challenger_score_edited_in_Cosmos_fails_the_scoring_audit_with_the_recomputed_value()
    {
        await using var pipeline = await PipelineHarness.StartAsync(services, Cancel);
        var id = await ScoredAsync(pipeline);
        var (_, shadow) = await RecordedAsync(pipeline, id);
        var original = shadow.Challenger!.ProbabilityOfDefault;

        await StoredRecordEditor.EditDecisionAsync(pipeline, id, DataScoring.Name,
            decision => decision["shadow"]!["challenger"]!["probabilityOfDefault"] = original / 2, Cancel);
        var verdict = await pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        var scoring = Assert.Single(verdict.Steps, s => s.Name == Names.DataScoring);
        Assert.Equal(AuditStep.Failed, scoring.Status);
        Assert.Contains("shadow $.challenger.probabilityOfDefault: recorded", scoring.Difference, StringComparison.Ordinal);
        Assert.Contains($"re-scored with {ChallengerCatalog.RuralHouseholdId} {ChallengerCatalog.RuralHouseholdCurrentVersion} "
            + original.ToString("R", CultureInfo.InvariantCulture), scoring.Difference, StringComparison.Ordinal);
        // The champion's part of the record is untouched and still replays; the journal also sees the edit.
        Assert.DoesNotContain("output $", scoring.Difference, StringComparison.Ordinal);
        Assert.Contains($"decision {id}:{DataScoring.Name} in Cosmos was edited", Assert.Single(verdict.Steps, s => s.Name == Names.Journal).Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_naming_a_challenger_the_audit_does_not_have_fails_the_scoring_audit()
    {
        await using var pipeline = await PipelineHarness.StartAsync(services, Cancel);
        var id = await ScoredAsync(pipeline);

        await StoredRecordEditor.EditDecisionAsync(pipeline, id, DataScoring.Name,
            decision => decision["shadow"]!["challenger"]!["modelVersion"] = "9.9.9", Cancel);
        var verdict = await pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var scoring = Assert.Single(verdict.Steps, s => s.Name == Names.DataScoring);
        Assert.Equal(AuditStep.Failed, scoring.Status);
        Assert.Contains($"the record names {ChallengerCatalog.RuralHouseholdId} 9.9.9", scoring.Difference, StringComparison.Ordinal);
        Assert.Contains("the audit has no such model", scoring.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_challenger_that_cannot_load_leaves_the_champions_decision_alone_and_is_recorded_absent()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-challenger-{Guid.NewGuid():N}.json");
        var broken = ChallengerCatalog.FromFile(missing);
        Assert.Null(broken.Current);
        await using var pipeline = await PipelineHarness.StartAsync(services, Cancel, challengers: broken);
        await using var reference = await PipelineHarness.StartAsync(services, Cancel);

        var id = await ScoredAsync(pipeline);
        var (champion, shadow) = await RecordedAsync(pipeline, id);
        var (referenceChampion, _) = await RecordedAsync(reference, await ScoredAsync(reference));

        Assert.Null(shadow.Challenger);
        Assert.Contains("could not be loaded", shadow.Absent, StringComparison.Ordinal);
        Assert.Contains(missing, shadow.Absent, StringComparison.Ordinal);
        Assert.Equal((referenceChampion.Outcome, referenceChampion.Score), (champion.Outcome, champion.Score));
        var verdict = await pipeline.Runtime.Auditor.AuditAsync(id, Cancel);
        Assert.True(verdict.Verified, Describe(verdict));
    }
}
