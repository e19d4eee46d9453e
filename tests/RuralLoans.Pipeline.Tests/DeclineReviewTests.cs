using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using RuralLoans.TaskHub;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Products;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests;

/// <summary>
/// PIPL Art. 24: a borrower declined by the model alone may, through the submitting partner, ask a person to review the
/// decline while its window is open. Whole applications on Azurite, the Cosmos emulator and real OCR.
/// </summary>
public sealed class DeclineReviewTests(DevServicesFixture services) : IAsyncLifetime
{
    private const string BlacklistedIdStem = "43062619850712551";

    private PipelineHarness _pipeline = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, Cancel);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    private static ProductCatalog CatalogWithWindow(TimeSpan? window) =>
        new(ProductCatalog.Default.All.Select(p => p with { DeclineReviewWindow = window }));

    private static async Task<string> SubmitAsync(PipelineHarness pipeline, string idStem, string partner = "MFI001") =>
        (await pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication(partner, "farm-310", TestForms.TextPdf(TestForms.GoodHousehold(idStem))), Cancel)).ApplicationId;

    private static async Task<ActionRefusedException> RefusedAsync(Task request) => await Assert.ThrowsAsync<ActionRefusedException>(() => request);

    private static void AssertVerified(Pipeline.Audit.AuditVerdict verdict) =>
        Assert.True(verdict.Verified, string.Join(Environment.NewLine, verdict.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}")));

    [Fact]
    public async Task A_declined_borrower_who_asks_in_time_gets_a_person_whose_approval_pays_out_and_audits_clean()
    {
        var id = await SubmitAsync(_pipeline, BlacklistedIdStem);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.Declined, Cancel);

        await _pipeline.Runtime.Actions.RequestReviewAsync(id, "MFI001", "the court listing was lifted last month", Cancel);
        var inReview = await _pipeline.WaitForStageAsync(id, ApplicationStage.AwaitingHumanReview, Cancel);
        var progress = inReview.ReadCustomStatusAs<ApplicationProgress>()!;
        Assert.Equal(LoanApplicationOrchestration.ReviewRequestedDetail, progress.Detail);
        Assert.NotNull(progress.WaitingUntilUtc);
        AssertVerified(await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel));

        await _pipeline.Runtime.Actions.ReviewAsync(id, "OP-7", approve: true, "listing lifted, checked with the court", Cancel);
        var done = await _pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(90), Cancel);

        var outcome = done.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Single(_pipeline.Rail.CommittedPayouts);
        Assert.NotNull(outcome.DisbursementId);
        AssertVerified(await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel));
    }

    [Fact]
    public async Task A_reviewer_who_upholds_the_decline_ends_it_declined_with_the_reviewer_named()
    {
        var id = await SubmitAsync(_pipeline, BlacklistedIdStem);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.Declined, Cancel);
        await _pipeline.Runtime.Actions.RequestReviewAsync(id, "MFI001", null, Cancel);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.AwaitingHumanReview, Cancel);

        await _pipeline.Runtime.Actions.ReviewAsync(id, "OP-9", approve: false, "still listed", Cancel);
        var outcome = (await _pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), Cancel)).ReadOutputAs<ApplicationOutcome>()!;

        Assert.Equal(ApplicationStage.Declined, outcome.Stage);
        Assert.Equal("OP-9", outcome.ReviewedBy);
        Assert.Contains("OP-9", outcome.Summary, StringComparison.Ordinal);
        Assert.Empty(_pipeline.Rail.CommittedPayouts);
        var again = await RefusedAsync(_pipeline.Runtime.Actions.RequestReviewAsync(id, "MFI001", null, Cancel));
        Assert.Equal("review-window-closed", again.Code);
    }

    [Fact]
    public async Task Requests_from_another_partner_on_an_undeclined_application_or_twice_are_refused_and_change_nothing()
    {
        var declined = await SubmitAsync(_pipeline, BlacklistedIdStem);
        var household = TestForms.GoodHousehold("43062619900101301");
        household[LoanFormFields.IdNumber] = household[LoanFormFields.IdNumber][..17] + (household[LoanFormFields.IdNumber][17] == '0' ? '1' : '0');
        var correcting = (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), Cancel)).ApplicationId;
        await _pipeline.WaitForStageAsync(declined, ApplicationStage.Declined, Cancel);
        await _pipeline.WaitForStageAsync(correcting, ApplicationStage.NeedsCorrection, Cancel);

        var otherPartner = await RefusedAsync(_pipeline.Runtime.Actions.RequestReviewAsync(declined, "MFI002", "please", Cancel));
        var notDeclined = await RefusedAsync(_pipeline.Runtime.Actions.RequestReviewAsync(correcting, "MFI001", "please", Cancel));
        var unknown = await RefusedAsync(_pipeline.Runtime.Actions.RequestReviewAsync("MFI001-00000000000000000000", "MFI001", null, Cancel));
        var tooLong = await RefusedAsync(_pipeline.Runtime.Actions.RequestReviewAsync(declined, "MFI001", new string('x', ApplicationActions.MaxFieldLength + 1), Cancel));
        Assert.Equal("not-your-application", otherPartner.Code);
        Assert.Equal("not-declined", notDeclined.Code);
        Assert.Equal("not-found", unknown.Code);
        Assert.Equal("field-too-long", tooLong.Code);
        var stillDeclined = (await _pipeline.StatusAsync(declined, Cancel))!;
        Assert.Equal(ApplicationStage.Declined, stillDeclined.ReadCustomStatusAs<ApplicationProgress>()!.Stage);

        await _pipeline.Runtime.Actions.RequestReviewAsync(declined, "MFI001", "first", Cancel);
        await _pipeline.WaitForStageAsync(declined, ApplicationStage.AwaitingHumanReview, Cancel);
        var twice = await RefusedAsync(_pipeline.Runtime.Actions.RequestReviewAsync(declined, "MFI001", "second", Cancel));
        Assert.Equal("already-requested", twice.Code);
    }

    [Fact]
    public async Task When_the_window_passes_unasked_the_decline_becomes_final_and_a_late_request_is_refused()
    {
        await using var pipeline = await PipelineHarness.StartAsync(services, Cancel, products: CatalogWithWindow(TimeSpan.FromSeconds(3)));
        var id = await SubmitAsync(pipeline, BlacklistedIdStem);
        var open = (await pipeline.WaitForStageAsync(id, ApplicationStage.Declined, Cancel)).ReadCustomStatusAs<ApplicationProgress>()!;

        var done = await pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), Cancel);

        var outcome = done.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(ApplicationStage.Declined, outcome.Stage);
        Assert.Null(outcome.ReviewedBy);
        // Durable timers may fire up to about a second early (whole-second queue visibility).
        Assert.True(done.LastUpdatedAt >= open.WaitingUntilUtc!.Value.AddSeconds(-1.5), $"completed at {done.LastUpdatedAt:O}, before the window closed at {open.WaitingUntilUtc:O}");
        Assert.Null(done.ReadCustomStatusAs<ApplicationProgress>()!.WaitingUntilUtc);
        var late = await RefusedAsync(pipeline.Runtime.Actions.RequestReviewAsync(id, "MFI001", "too late", Cancel));
        Assert.Equal("review-window-closed", late.Code);
        AssertVerified(await pipeline.Runtime.Auditor.AuditAsync(id, Cancel));
    }

    [Fact]
    public async Task An_application_started_from_a_snapshot_without_a_window_ends_at_the_decline_as_before()
    {
        await using var pipeline = await PipelineHarness.StartAsync(services, Cancel, products: CatalogWithWindow(null));
        var id = await SubmitAsync(pipeline, BlacklistedIdStem);

        var done = await pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), Cancel);

        // The input is exactly the shape recorded before the window existed: the product snapshot has no such field.
        var history = HistoryEntries.Describe(await pipeline.Client.GetOrchestrationHistoryAsync(id, Cancel));
        var started = history.First(e => e.Type == "ExecutionStarted");
        var product = JsonNode.Parse(started.Input!)!["product"]!.AsObject();
        Assert.True(product.ContainsKey("humanReviewDeadline"), product.ToJsonString());
        Assert.False(product.ContainsKey("declineReviewWindow"), product.ToJsonString());
        Assert.Equal(ApplicationStage.Declined, done.ReadOutputAs<ApplicationOutcome>()!.Stage);
        Assert.DoesNotContain(history, e => e.Type == "TimerCreated");
        var late = await RefusedAsync(pipeline.Runtime.Actions.RequestReviewAsync(id, "MFI001", null, Cancel));
        Assert.Equal("review-window-closed", late.Code);
        AssertVerified(await pipeline.Runtime.Auditor.AuditAsync(id, Cancel));
    }

    [Fact]
    public void A_product_snapshot_recorded_before_the_window_existed_reads_back_without_one()
    {
        var recorded = TaskHubJson.Converter.Serialize(ProductCatalog.Default.Find("farm-310")! with { DeclineReviewWindow = TimeSpan.FromDays(3) })!;
        var oldShape = JsonNode.Parse(recorded)!.AsObject();
        Assert.True(oldShape.Remove("declineReviewWindow"));

        var product = TaskHubJson.Converter.Deserialize<PipelineProduct>(oldShape.ToJsonString())!;

        Assert.Null(product.DeclineReviewWindow);
        Assert.False(product.OffersDeclineReview);
        Assert.False((product with { DeclineReviewWindow = TimeSpan.Zero }).OffersDeclineReview);
        Assert.True(ProductCatalog.Default.All.All(p => p.DeclineReviewWindow == TimeSpan.FromDays(PipelineProduct.DeclineReviewWindowDays)));
    }
}
