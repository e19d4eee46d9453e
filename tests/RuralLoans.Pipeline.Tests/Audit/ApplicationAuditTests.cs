using System.Text.Json.Nodes;
using RuralLoans.Durable.Core;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Testing;
using Names = RuralLoans.Pipeline.Audit.ApplicationAuditor.StepNames;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>
/// Real applications run to their end on Azurite and the Cosmos emulator, then audited: untouched ones verify step by
/// step, and an edit to a stored history event or a stored decision is caught and named by its step.
/// </summary>
public sealed class ApplicationAuditTests(DevServicesFixture services) : IAsyncLifetime
{
    private PipelineHarness _pipeline = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, Cancel);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    private async Task<string> RunAsync(Dictionary<string, string> household, string product = "farm-310")
    {
        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", product, TestForms.TextPdf(household)), Cancel);
        return submitted.ApplicationId;
    }

    private async Task<ApplicationOutcome> FinishAsync(string applicationId)
    {
        var done = await _pipeline.Client.WaitForCompletionAsync(applicationId, TimeSpan.FromSeconds(90), Cancel);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Status);
        return done.ReadOutput<ApplicationOutcome>()!;
    }

    private static AuditStep Step(AuditVerdict verdict, string name) => Assert.Single(verdict.Steps, s => s.Name == name);

    private static void AssertVerified(AuditVerdict verdict)
    {
        Assert.True(verdict.Verified, string.Join(Environment.NewLine, verdict.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}")));
        Assert.All(verdict.Steps, s => Assert.Contains(s.Status, new[] { AuditStep.Verified, AuditStep.NotApplicable }));
        Assert.All(verdict.Steps, s => Assert.Null(s.Difference));
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.HistoryChain).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Replay).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.DocumentOcr).Status);
    }

    [Fact]
    public async Task A_disbursed_application_verifies_every_step_through_the_ledger()
    {
        var id = await RunAsync(TestForms.GoodHousehold("43062619820315123"));
        Assert.Equal(ApplicationStage.Disbursed, (await FinishAsync(id)).Stage);

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(verdict);
        Assert.Equal(id, verdict.ApplicationId);
        Assert.Equal(
            [Names.HistoryChain, Names.Replay, Names.DocumentOcr, $"{Names.FieldValidation} #1", Names.VillagePreCheck, Names.DataScoring, Names.CoLendingSplit, Names.DisbursementLedger],
            verdict.Steps.Select(s => s.Name));
        Assert.Equal(AuditStep.NotApplicable, Step(verdict, Names.VillagePreCheck).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.DataScoring).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.CoLendingSplit).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.DisbursementLedger).Status);
    }

    [Fact]
    public async Task A_declined_application_verifies_its_scoring_and_never_reached_the_split()
    {
        var id = await RunAsync(TestForms.GoodHousehold("43062619850712551"));
        await _pipeline.WaitForStageAsync(id, ApplicationStage.Declined, Cancel);

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(verdict);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.DataScoring).Status);
        Assert.Equal(AuditStep.NotApplicable, Step(verdict, Names.CoLendingSplit).Status);
        Assert.Equal(AuditStep.NotApplicable, Step(verdict, Names.DisbursementLedger).Status);
    }

    [Fact]
    public async Task A_corrected_application_verifies_both_validation_rounds_and_verifies_while_it_waited()
    {
        var household = TestForms.GoodHousehold("43062619900101301");
        var rightId = household[LoanFormFields.IdNumber];
        household[LoanFormFields.IdNumber] = rightId[..17] + (rightId[17] == '0' ? '1' : '0');
        var id = await RunAsync(household);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, Cancel);

        var waiting = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);
        await _pipeline.Runtime.Actions.CorrectAsync(id, "MFI001", new Dictionary<string, string> { [LoanFormFields.IdNumber] = rightId }, Cancel);
        Assert.Equal(ApplicationStage.Disbursed, (await FinishAsync(id)).Stage);
        var finished = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(waiting);
        Assert.Equal(AuditStep.Verified, Step(waiting, $"{Names.FieldValidation} #1").Status);
        Assert.Equal(AuditStep.NotApplicable, Step(waiting, Names.DataScoring).Status);
        AssertVerified(finished);
        Assert.Equal(AuditStep.Verified, Step(finished, $"{Names.FieldValidation} #1").Status);
        Assert.Equal(AuditStep.Verified, Step(finished, $"{Names.FieldValidation} #2").Status);
        Assert.Equal(AuditStep.Verified, Step(finished, Names.DisbursementLedger).Status);
    }

    [Fact]
    public async Task An_acquaintance_loan_verifies_the_village_partners_pre_check()
    {
        var id = await RunAsync(TestForms.GoodHousehold("43062619750818402"), "farm-acquaintance");
        await _pipeline.WaitForStageAsync(id, ApplicationStage.AwaitingPreCheck, Cancel);
        await _pipeline.Client.RaiseEventAsync(id, LoanApplicationOrchestration.Events.PreCheckDecided,
            new PreCheckDecision("VP-WANG", Approved: true, IdentitySeen: true, HouseholdRegisterSeen: true, HomesteadCertificateSeen: true,
                ["photos/rice-paddy.jpg"], "认识这户人家", DateTimeOffset.UtcNow), Cancel);
        Assert.Equal(ApplicationStage.Disbursed, (await FinishAsync(id)).Stage);

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(verdict);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.VillagePreCheck).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.CoLendingSplit).Status);
    }

    [Fact]
    public async Task A_score_edited_in_the_stored_history_is_caught_by_the_chain_the_replay_and_the_scoring_step()
    {
        var id = await RunAsync(TestForms.GoodHousehold("43062619820315123"));
        var outcome = await FinishAsync(id);

        await StoredRecordEditor.EditHistoryEventAsync(_pipeline, id, e => e.Type == HistoryEventType.TaskCompleted && e.Name == DataScoring.Name,
            credit => credit["score"] = credit["score"]!.GetValue<double>() + 100, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        Assert.Equal(AuditStep.Failed, Step(verdict, Names.HistoryChain).Status);
        Assert.Contains("altered", Step(verdict, Names.HistoryChain).Difference, StringComparison.Ordinal);
        var replay = Step(verdict, Names.Replay);
        Assert.Equal(AuditStep.Failed, replay.Status);
        Assert.Contains("ExecutionCompleted", replay.Difference, StringComparison.Ordinal);
        Assert.Contains("$.score", replay.Difference, StringComparison.Ordinal);
        var scoring = Step(verdict, Names.DataScoring);
        Assert.Equal(AuditStep.Failed, scoring.Status);
        Assert.Contains($"output $.score: recorded {outcome.Score!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} vs in history", scoring.Difference, StringComparison.Ordinal);
        foreach (var untouched in new[] { Names.DocumentOcr, $"{Names.FieldValidation} #1", Names.CoLendingSplit, Names.DisbursementLedger })
        {
            Assert.Equal(AuditStep.Verified, Step(verdict, untouched).Status);
        }
    }

    [Fact]
    public async Task A_split_edited_in_the_decision_log_is_caught_and_named_while_the_history_still_verifies()
    {
        var id = await RunAsync(TestForms.GoodHousehold("43062619820315123"));
        var outcome = await FinishAsync(id);
        var firstLender = outcome.Split![0].AmountYuan;

        await StoredRecordEditor.EditDecisionAsync(_pipeline, id, CoLendingSplit.Name, decision =>
        {
            // Moves 100 yuan between two lenders: the principal still adds up, only the shares are wrong.
            var allocations = decision["output"]!["split"]!["allocations"]!.AsArray();
            allocations[0]!["amountYuan"] = allocations[0]!["amountYuan"]!.GetValue<decimal>() + 100m;
            allocations[1]!["amountYuan"] = allocations[1]!["amountYuan"]!.GetValue<decimal>() - 100m;
        }, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        var split = Step(verdict, Names.CoLendingSplit);
        Assert.Equal(AuditStep.Failed, split.Status);
        var edited = (firstLender + 100m).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        var original = firstLender.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"$.split.allocations[0].amountYuan: recorded {edited} vs in history {original}", split.Difference, StringComparison.Ordinal);
        Assert.Contains($"$.split.allocations[0].amountYuan: recorded {edited} vs recomputed under rules cn2021-in2025-v1 {original}", split.Difference, StringComparison.Ordinal);
        foreach (var untouched in new[] { Names.HistoryChain, Names.Replay, Names.DocumentOcr, $"{Names.FieldValidation} #1", Names.DataScoring, Names.DisbursementLedger })
        {
            Assert.Equal(AuditStep.Verified, Step(verdict, untouched).Status);
        }
    }

    [Fact]
    public async Task A_deleted_decision_fails_its_step()
    {
        var id = await RunAsync(TestForms.GoodHousehold("43062619850712551"));
        await _pipeline.WaitForStageAsync(id, ApplicationStage.Declined, Cancel);
        var decisions = _pipeline.Options.Cosmos.GetContainer(_pipeline.Options.CosmosDatabase, "decisions");
        await decisions.DeleteItemAsync<JsonObject>($"{id}:{DataScoring.Name}", new Microsoft.Azure.Cosmos.PartitionKey(id), cancellationToken: Cancel);

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        Assert.Contains("no decision is recorded", Step(verdict, Names.DataScoring).Difference, StringComparison.Ordinal);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Replay).Status);
    }

    [Theory]
    [InlineData("MFI001-00000000000000000000")]
    [InlineData("../etc/passwd")]
    [InlineData("")]
    public async Task An_unknown_application_is_refused_as_not_found(string id)
    {
        var refused = await Assert.ThrowsAsync<ActionRefusedException>(() => _pipeline.Runtime.Auditor.AuditAsync(id, Cancel));

        Assert.Equal("not-found", refused.Code);
    }
}
