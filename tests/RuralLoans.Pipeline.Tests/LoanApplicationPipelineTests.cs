using System.Text.Json;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Domain.Scoring;
using Microsoft.DurableTask.Client;
using RuralLoans.TaskHub;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests;

/// <summary>Whole applications through Azurite, the Cosmos emulator, real OCR and the rail simulator.</summary>
public sealed class LoanApplicationPipelineTests(DevServicesFixture services) : IAsyncLifetime
{
    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task A_digital_form_on_the_310_path_is_paid_out_once_and_booked_in_balance()
    {
        var ct = TestContext.Current.CancellationToken;
        var form = TestForms.TextPdf(TestForms.GoodHousehold());

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct);
        var state = await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(60), ct);

        var outcome = state.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal(30_000m, outcome.Split!.Sum(l => l.AmountYuan));
        Assert.Equal(["MFI001", "BANK-RCB", "BANK-CITY"], outcome.Split!.Select(l => l.LenderId));
        Assert.Equal(30_000m, Assert.Single(_pipeline.Rail.CommittedPayouts).Value);

        var transfer = await _pipeline.Runtime.Ledger.FindAsync(outcome.DisbursementId!, ct);
        Assert.NotNull(transfer);
        Assert.True(BalanceChecker.Check([transfer]).IsBalanced);
        var record = await _pipeline.Runtime.Applications.GetAsync(submitted.ApplicationId, ct);
        Assert.Equal("Disbursed", record!.Stage);
    }

    [Fact]
    public async Task The_same_file_sent_twice_or_under_the_same_key_is_one_application()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = TestForms.GoodHousehold("43062619780502231");
        var form = TestForms.TextPdf(household);

        var first = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form, "batch-7/row-3"), ct);
        var sameBytes = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct);
        var rescanSameKey = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.CleanScan(household), "batch-7/row-3"), ct);

        Assert.False(first.Duplicate);
        Assert.Equal(first.ApplicationId, sameBytes.ApplicationId);
        Assert.True(sameBytes.Duplicate);
        Assert.Equal(first.ApplicationId, rescanSameKey.ApplicationId);
        Assert.True(rescanSameKey.Duplicate);
        await _pipeline.WaitForCompletionAsync(first.ApplicationId, TimeSpan.FromSeconds(60), ct);
        Assert.Single(_pipeline.Rail.CommittedPayouts);
    }

    [Fact]
    public async Task A_wrong_id_check_character_waits_for_the_partners_correction_and_then_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = TestForms.GoodHousehold("43062619900101301");
        var rightId = household[LoanFormFields.IdNumber];
        household[LoanFormFields.IdNumber] = rightId[..17] + (rightId[17] == '0' ? '1' : '0');

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), ct);
        var waiting = await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.NeedsCorrection, ct);

        var progress = waiting.ReadCustomStatusAs<ApplicationProgress>()!;
        Assert.Equal(1, progress.Step);
        Assert.Contains(progress.Errors!, e => e.Field == LoanFormFields.IdNumber);
        Assert.Equal(OrchestrationRuntimeStatus.Running, waiting.RuntimeStatus);

        await _pipeline.Runtime.Actions.CorrectAsync(submitted.ApplicationId, "MFI001", new Dictionary<string, string> { [LoanFormFields.IdNumber] = rightId }, ct);
        var done = await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(60), ct);
        Assert.Equal(ApplicationStage.Disbursed, done.ReadOutputAs<ApplicationOutcome>()!.Stage);

        // The task hub's history (which operators and support staff can read) names fields, never their values.
        var history = System.Text.Json.JsonSerializer.Serialize(HistoryEntries.Describe(await _pipeline.Client.GetOrchestrationHistoryAsync(submitted.ApplicationId, ct)))
            + done.SerializedCustomStatus + done.SerializedOutput + done.SerializedInput;
        Assert.Contains(LoanFormFields.IdNumber, history, StringComparison.Ordinal);
        foreach (var personal in new[] { rightId, household[LoanFormFields.IdNumber], household[LoanFormFields.Phone], household[LoanFormFields.ApplicantName] })
        {
            Assert.DoesNotContain(personal, System.Text.RegularExpressions.Regex.Unescape(history), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_reading_the_cross_checks_doubt_waits_for_the_partner_to_confirm_it_and_an_unchanged_confirmation_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        // Every field is well formed, but the ID was issued in 湘阴县 (430624) and the form says 平江县: OCR flags it.
        var household = TestForms.GoodHousehold("43062419830716122");

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), ct);
        var waiting = await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.NeedsCorrection, ct);

        var errors = waiting.ReadCustomStatusAs<ApplicationProgress>()!.Errors!;
        Assert.Contains(errors, e => e.Field == LoanFormFields.County);
        Assert.All(errors, e => Assert.Equal(FieldValidation.UnsureReadingCode, e.Code));
        Assert.Empty(_pipeline.Rail.CommittedPayouts);

        // The partner checks the original and sends the values back as they are: confirmed, not changed.
        await _pipeline.Runtime.Actions.CorrectAsync(submitted.ApplicationId, "MFI001", errors.ToDictionary(e => e.Field, e => household[e.Field]), ct);
        var done = await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(60), ct);
        Assert.Equal(ApplicationStage.Disbursed, done.ReadOutputAs<ApplicationOutcome>()!.Stage);
    }

    [Fact]
    public async Task An_acquaintance_loan_waits_for_the_village_partner_of_the_applicants_village()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = TestForms.GoodHousehold("43062619750818402");

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-acquaintance", TestForms.TextPdf(household)), ct);
        var waiting = await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.AwaitingPreCheck, ct);

        Assert.Contains("VP-WANG", waiting.ReadCustomStatusAs<ApplicationProgress>()!.Detail, StringComparison.Ordinal);
        Assert.Equal("VP-WANG", (await _pipeline.Runtime.Applications.GetAsync(submitted.ApplicationId, ct))!.VillagePartnerId);
        Assert.Empty(_pipeline.Rail.CommittedPayouts);

        await _pipeline.Client.RaiseEventAsync(submitted.ApplicationId, LoanApplicationOrchestration.Events.PreCheckDecided,
            new PreCheckDecision("VP-WANG", Approved: true, IdentitySeen: true, HouseholdRegisterSeen: true, HomesteadCertificateSeen: true,
                ["photos/rice-paddy.jpg"], null, DateTimeOffset.UtcNow), ct);
        var done = await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(60), ct);

        var outcome = done.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal(["MFI001", "BANK-RCB"], outcome.Split!.Select(l => l.LenderId));
    }

    [Fact]
    public async Task A_blacklisted_applicant_is_declined_with_reasons_and_may_ask_for_review_for_fifteen_days()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = TestForms.GoodHousehold("43062619850712551");

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), ct);
        var declined = await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.Declined, ct);

        var progress = declined.ReadCustomStatusAs<ApplicationProgress>()!;
        Assert.Equal(OrchestrationRuntimeStatus.Running, declined.RuntimeStatus);
        var until = Assert.NotNull(progress.WaitingUntilUtc);
        Assert.InRange(until, DateTime.UtcNow.AddDays(15).AddMinutes(-5), DateTime.UtcNow.AddDays(15));
        Assert.Contains($"until {until:u}", progress.Detail, StringComparison.Ordinal);
        var scored = await _pipeline.Runtime.Decisions.FindAsync(submitted.ApplicationId, Steps.DataScoring.Name, ct);
        var decision = scored!.Output.Deserialize<CreditDecision>(Storage.CosmosClients.JsonOptions)!;
        Assert.Equal(DecisionOutcome.Decline, decision.Outcome);
        Assert.InRange(decision.Reasons.Count, 1, 4);
        Assert.Empty(_pipeline.Rail.CommittedPayouts);
    }

    [Fact]
    public async Task A_household_in_a_village_no_partner_covers_goes_to_a_loan_officer_with_its_own_reason_and_audits_clean()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = TestForms.GoodHousehold("43062619790611234");
        household[LoanFormFields.Village] = "白沙村"; // 安定镇 has partners for 柳树村 and 石桥村 only

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-acquaintance", TestForms.TextPdf(household)), ct);
        await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.AwaitingHumanReview, ct);

        var record = await _pipeline.Runtime.Decisions.FindAsync(submitted.ApplicationId, Steps.DataScoring.Name, ct);
        var decision = record!.Output.Deserialize<CreditDecision>(Storage.CosmosClients.JsonOptions)!;
        Assert.Equal(DecisionOutcome.ReferToHumanReview, decision.Outcome);
        Assert.Equal(CreditPolicy.RuralDefault.Version, decision.PolicyVersion);
        Assert.Equal(PreCheckOutcome.NoLocalPartner, decision.Input.Facts.PreCheck);
        Assert.Equal("P08", decision.Reasons[0].Code);
        Assert.DoesNotContain(decision.Reasons, r => r.Code is "P06" or "P07" or "R09");
        Assert.Null((await _pipeline.Runtime.Applications.GetAsync(submitted.ApplicationId, ct))!.VillagePartnerId);
        var waiting = await _pipeline.Runtime.Auditor.AuditAsync(submitted.ApplicationId, ct);
        Assert.True(waiting.Verified, string.Join("; ", waiting.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}")));

        await _pipeline.Runtime.Actions.ReviewAsync(submitted.ApplicationId, "OP-1", approve: true, "visited by phone", ct);
        var done = await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(60), ct);

        var outcome = done.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal("No local partner could vouch for the household; a loan officer reviews it", outcome.Reasons![0].En);
        var audited = await _pipeline.Runtime.Auditor.AuditAsync(submitted.ApplicationId, ct);
        Assert.True(audited.Verified, string.Join("; ", audited.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}")));
    }

    [Theory]
    [InlineData("MZ this is an executable", "unsupported-file-type")]
    [InlineData("", "empty-file")]
    public async Task A_file_that_is_not_a_form_is_refused_before_anything_is_stored(string content, string code)
    {
        var ct = TestContext.Current.CancellationToken;

        var refused = await Assert.ThrowsAsync<IntakeRejectedException>(() =>
            _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", System.Text.Encoding.UTF8.GetBytes(content)), ct));

        Assert.Equal(code, refused.Code);
        var page = await _pipeline.Runtime.Applications.ListByPartnerAsync("MFI001", 10, null, ct);
        Assert.Empty(page.Items);
    }
}
