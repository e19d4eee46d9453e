using System.Security.Cryptography;
using System.Text.Json;
using DurableTask.Core.History;
using Microsoft.DurableTask.Client;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Products;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Testing;
using UglyToad.PdfPig;

namespace RuralLoans.Pipeline.Tests.Contracts;

/// <summary>The contract between split and payout, on the real emulators through the whole pipeline.</summary>
public sealed class LoanContractStepTests(DevServicesFixture services) : IAsyncLifetime
{
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan ShortReminder = TimeSpan.FromSeconds(5);

    private PipelineHarness _pipeline = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The shipped products, with a contract deadline short enough to pass during a test.</summary>
    private static ProductCatalog Hurried { get; } = new(ProductCatalog.Default.All.Select(p => p with { ContractAcceptanceDeadline = ShortDeadline, ContractReminderBefore = ShortReminder }));

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, Cancel, products: Hurried);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    private async Task<string> SubmitAsync(Dictionary<string, string> household, PipelineHarness? pipeline = null) =>
        (await (pipeline ?? _pipeline).Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), Cancel)).ApplicationId;

    [Fact]
    public async Task The_borrower_gets_the_contract_with_its_rate_and_schedule_and_only_accepting_that_contract_pays_out()
    {
        var household = TestForms.GoodHousehold("43062619820315223");
        var id = await SubmitAsync(household);

        var waiting = (await _pipeline.WaitForStageAsync(id, ApplicationStage.AwaitingContract, Cancel)).ReadCustomStatusAs<ApplicationProgress>()!;
        Assert.Equal(4, waiting.Step);
        Assert.NotNull(waiting.WaitingUntilUtc);
        Assert.Empty(_pipeline.Rail.CommittedPayouts);

        var (offer, pdf) = await _pipeline.Runtime.Actions.ContractAsync(id, Cancel);
        Assert.Equal(offer.ContractSha256, Convert.ToHexStringLower(SHA256.HashData(pdf)));
        using (var document = PdfDocument.Open(pdf))
        {
            var text = string.Concat(document.GetPages().Select(p => string.Concat(p.GetWords().Select(w => w.Text)))).Normalize(System.Text.NormalizationForm.FormKC);
            Assert.Contains("年化利率:" + Domain.Contracts.Rates.Percent(offer.AnnualizedRate), text, StringComparison.Ordinal);
            Assert.Contains(offer.TotalInterestYuan.ToString("#,##0.00", System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            Assert.Contains("刘建华", text, StringComparison.Ordinal);
        }
        Assert.Equal(12, offer.Instalments);
        Assert.InRange(offer.AnnualizedRate, 0.04m, offer.RateCapAnnual);

        // Someone else's app, or another text, accepts nothing.
        var other = await Assert.ThrowsAsync<ActionRefusedException>(() => _pipeline.Runtime.Actions.AcceptContractAsync(id, "MFI002", offer.ContractSha256, Cancel));
        Assert.Equal("not-your-application", other.Code);
        var changed = await Assert.ThrowsAsync<ActionRefusedException>(() => _pipeline.Runtime.Actions.AcceptContractAsync(id, "MFI001", new string('0', 64), Cancel));
        Assert.Equal("contract-mismatch", changed.Code);

        await _pipeline.Runtime.Actions.AcceptContractAsync(id, "MFI001", offer.ContractSha256, Cancel);
        var done = await _pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), Cancel, acceptContract: false);
        Assert.Equal(ApplicationStage.Disbursed, done.ReadOutputAs<ApplicationOutcome>()!.Stage);
        Assert.Single(_pipeline.Rail.CommittedPayouts);

        // The hash is in the history and the audit replays the whole application, contract included; no name is in history.
        var record = await _pipeline.Runtime.Auditor.ReadRecordAsync(id, Cancel);
        var results = record.History.OfType<TaskCompletedEvent>().Select(e => e.Result ?? "").ToList();
        Assert.Contains(results, r => r.Contains(offer.ContractSha256!, StringComparison.Ordinal) && r.Contains("AnnualizedRate", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(record.History.OfType<EventRaisedEvent>(), e => e.Name == LoanApplicationOrchestration.Events.ContractAccepted);
        var history = JsonSerializer.Serialize(record.History.Select(e => e.ToString() + (e as TaskCompletedEvent)?.Result + (e as TaskScheduledEvent)?.Input + (e as EventRaisedEvent)?.Input));
        Assert.DoesNotContain("刘建华", history, StringComparison.Ordinal);
        Assert.DoesNotContain(household["idNumber"], history, StringComparison.Ordinal);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);
        Assert.True(verdict.Verified, string.Join("; ", verdict.Steps.Where(s => s.Status == global::RuralLoans.Pipeline.Audit.AuditStep.Failed).Select(s => $"{s.Name}: {s.Difference}")));
    }

    [Fact]
    public async Task A_contract_not_accepted_by_the_deadline_expires_after_one_reminder_and_gives_the_quota_back()
    {
        var id = await SubmitAsync(TestForms.GoodHousehold("43062619820315323"));

        var done = await _pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(90), Cancel, acceptContract: false);

        var outcome = done.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(ApplicationStage.Expired, outcome.Stage);
        Assert.Contains("合同", outcome.Summary, StringComparison.Ordinal);
        Assert.Empty(_pipeline.Rail.CommittedPayouts);
        Assert.NotNull(await _pipeline.Runtime.Decisions.FindAsync(id, LoanContract.RemindName, Cancel));
        var reservation = new DisbursementKey(id, 1).Value;
        foreach (var lender in _pipeline.Runtime.Steps.Lending.Lenders.Values)
        {
            var quota = await _pipeline.Runtime.Steps.Quotas.GetAsync(lender.Id, lender.QuotaYuan, Cancel);
            Assert.DoesNotContain(quota.Held, r => r.ReservationId == reservation);
        }
        // Too late is too late.
        var late = await Assert.ThrowsAsync<ActionRefusedException>(() => _pipeline.Runtime.AcceptOfferedContractAsync(id, Cancel));
        Assert.Equal("wrong-step", late.Code);
    }

    [Fact]
    public async Task A_purpose_the_law_forbids_is_declined_with_its_reason_code_before_any_contract()
    {
        var household = TestForms.GoodHousehold("43062619820315423");
        household["purpose"] = "购买股票";
        var id = await SubmitAsync(household);

        var outcome = (await _pipeline.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), Cancel)).ReadOutputAs<ApplicationOutcome>()!;

        Assert.Equal(ApplicationStage.Declined, outcome.Stage);
        Assert.Equal("L01", Assert.Single(outcome.Reasons!).Code);
        Assert.Null(await _pipeline.Runtime.Steps.Contracts.OfferedAsync(id, Cancel));
        Assert.Empty(_pipeline.Rail.CommittedPayouts);
    }

    [Fact]
    public async Task A_blended_rate_above_the_products_cap_is_declined_with_L03_and_reserves_nothing()
    {
        var config = TemporaryDirectories.Create("contract-cap");
        try
        {
            await DeclinesAboveTheCapAsync(config);
        }
        finally
        {
            TemporaryDirectories.TryDelete(config);
        }
    }

    private async Task DeclinesAboveTheCapAsync(string config)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(PipelineHarness.RepositoryRoot(), "config"), "*.json"))
        {
            File.Copy(file, Path.Combine(config, Path.GetFileName(file)));
        }
        var products = Path.Combine(config, "co-lending-products.json");
        // farm-310 from MFI001 blends 7.2%, 4.35% and 4.8% (30/50/20) to 5.295%: a 5% cap of its own is below that.
        await File.WriteAllTextAsync(products, (await File.ReadAllTextAsync(products, Cancel))
            .Replace("\"productId\": \"farm-310\", \"version\": \"2026.1\", \"partnerId\": \"MFI001\",", "\"productId\": \"farm-310\", \"version\": \"2026.1\", \"partnerId\": \"MFI001\", \"maxAnnualRate\": 0.05,", StringComparison.Ordinal), Cancel);
        await using var capped = await PipelineHarness.StartAsync(services, Cancel, products: Hurried, configDirectory: config);
        var id = await SubmitAsync(TestForms.GoodHousehold("43062619820315523"), capped);

        var outcome = (await capped.WaitForCompletionAsync(id, TimeSpan.FromSeconds(60), Cancel)).ReadOutputAs<ApplicationOutcome>()!;

        Assert.Equal(ApplicationStage.Declined, outcome.Stage);
        var reason = Assert.Single(outcome.Reasons!);
        Assert.Equal("L03", reason.Code);
        Assert.Contains("5.00%", reason.Zh, StringComparison.Ordinal);
        Assert.Empty(capped.Rail.CommittedPayouts);
        var reservation = new DisbursementKey(id, 1).Value;
        foreach (var lender in capped.Runtime.Steps.Lending.Lenders.Values)
        {
            var quota = await capped.Runtime.Steps.Quotas.GetAsync(lender.Id, lender.QuotaYuan, Cancel);
            Assert.DoesNotContain(quota.Held, r => r.ReservationId == reservation);
        }
    }
}
