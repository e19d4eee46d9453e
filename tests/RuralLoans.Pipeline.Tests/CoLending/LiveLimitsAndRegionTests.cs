using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RuralLoans.Domain.CoLending;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.CoLending;

/// <summary>
/// The China 2021 balance limits are checked on live balances — loans paid out and loans reserved here count — under the
/// lender terms in force, whose version each split records; and the region rule looks at where the borrower lives.
/// </summary>
public sealed class LiveLimitsAndRegionTests(DevServicesFixture services) : IAsyncLifetime
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private string _config = null!;
    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync()
    {
        // The repository's lenders, except that the rural commercial bank's current terms leave room for ¥25,000 with
        // partner MFI001 (25% of ¥100,000 net tier-1 capital): one ¥30,000 loan's bank part (¥15,000), not two.
        _config = CopyConfig();
        EditBankTerms(_config, [Version("BANK-RCB-old", Today.AddDays(-400), 800_000_000m), Version("BANK-RCB-test", Today.AddDays(-1), 100_000m)]);
        _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken, configDirectory: _config);
    }

    public async ValueTask DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        TemporaryDirectories.TryDelete(_config);
    }

    [Fact]
    public async Task A_paid_out_loan_counts_against_the_banks_limit_with_the_partner()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await SubmitAsync("43062619820315123", ct);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(first, ct)).Stage);

        var second = await SubmitAsync("43062619780502231", ct);
        var refused = await _pipeline.FinishAsync(second, ct);

        Assert.Equal(ApplicationStage.Declined, refused.Stage);
        Assert.Contains("[cn2021-partner-exposure]", refused.Summary, StringComparison.Ordinal);
        Assert.Contains("¥30,000.00", refused.Summary, StringComparison.Ordinal);
        Assert.Equal("C09", Assert.Single(refused.Reasons!).Code);
        Assert.Single(_pipeline.Rail.CommittedPayouts);
    }

    [Fact]
    public async Task Two_concurrent_loans_cannot_pass_the_banks_limit_together()
    {
        var ct = TestContext.Current.CancellationToken;
        var ids = await Task.WhenAll(SubmitAsync("43062619820315123", ct), SubmitAsync("43062619780502231", ct));
        var outcomes = await Task.WhenAll(ids.Select(id => _pipeline.FinishAsync(id, ct)));

        Assert.Single(outcomes, o => o.Stage == ApplicationStage.Disbursed);
        Assert.Contains("[cn2021-partner-exposure]", Assert.Single(outcomes, o => o.Stage == ApplicationStage.Declined).Summary, StringComparison.Ordinal);
        var bank = await _pipeline.Runtime.Steps.Quotas.GetAsync("BANK-RCB", 0m, ct);
        Assert.Equal(15_000m, bank.PartnerBalanceYuan("MFI001"));
    }

    [Fact]
    public async Task A_split_records_the_terms_version_it_was_checked_under_and_stays_verifiable_when_terms_change()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await SubmitAsync("43062619820315123", ct);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(id, ct)).Stage);

        var decision = await _pipeline.Runtime.Decisions.FindAsync(id, CoLendingSplit.Name, ct);
        var recorded = decision!.Output.Deserialize<CoLendingSplit.Output>(WebJson)!;
        Assert.Equal("BANK-RCB-test", recorded.Split!.Allocations.Single(a => a.LenderId == "BANK-RCB").TermsVersion);
        Assert.Equal("BANK-CITY-2026.1", recorded.Split.Allocations.Single(a => a.LenderId == "BANK-CITY").TermsVersion);
        Assert.Contains(recorded.Balances!, b => b.LenderId == "BANK-RCB" && b.TermsVersion == "BANK-RCB-test");

        // New terms take effect today: the decision is re-executed under the version it recorded, not the new one.
        var changed = CopyConfig();
        try
        {
            EditBankTerms(changed, [Version("BANK-RCB-old", Today.AddDays(-400), 800_000_000m), Version("BANK-RCB-test", Today.AddDays(-1), 100_000m),
                Version("BANK-RCB-next", Today, 50_000m)]);
            var lending = LendingCatalog.Load(Path.Combine(changed, "lenders.json"), Path.Combine(changed, "co-lending-products.json"));
            Assert.Equal("BANK-RCB-next", lending.TermsOn("BANK-RCB", Today)!.Terms.Version);
            var auditor = new ApplicationAuditor(_pipeline.Client, PipelineActivities.Orchestrator, _pipeline.Runtime.Decisions, _pipeline.Runtime.Ledger, lending,
                _pipeline.Runtime.Journal, new HistoryTable(_pipeline.Runtime.StorageAccount, _pipeline.Options.TaskHubName), _pipeline.Runtime.Steps.Contracts);
            var verdict = await auditor.AuditAsync(id, ct);
            var split = Assert.Single(verdict.Steps, s => s.Name == ApplicationAuditor.StepNames.CoLendingSplit);
            Assert.True(split.Status == AuditStep.Verified, split.Difference);
        }
        finally
        {
            TemporaryDirectories.TryDelete(changed);
        }
    }

    [Fact]
    public async Task The_region_rule_uses_the_county_the_borrower_lives_in_not_where_the_id_was_issued()
    {
        var ct = TestContext.Current.CancellationToken;
        // Issued in Beijing (110101), living and farming in Pingjiang county, Hunan: the Hunan banks may lend.
        var movedHere = await SubmitAsync("11010119820315123", ct);
        // Issued in Pingjiang, now farming in Hongya county, Sichuan (511423): outside every Hunan bank's region.
        var movedAway = TestForms.GoodHousehold("43062619780502231");
        movedAway[LoanFormFields.County] = "洪雅县";
        movedAway[LoanFormFields.Township] = "止戈镇";
        movedAway[LoanFormFields.Village] = "青杠村";
        var away = (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(movedAway)), ct)).ApplicationId;

        var here = await FinishConfirmingCountyAsync(movedHere, "平江县", ct);
        var there = await FinishConfirmingCountyAsync(away, "洪雅县", ct);

        Assert.Equal(ApplicationStage.Disbursed, here.Stage);
        Assert.Equal(ApplicationStage.Declined, there.Stage);
        Assert.Contains("[cn2021-region]", there.Summary, StringComparison.Ordinal);
        Assert.Contains("511423", there.Summary, StringComparison.Ordinal);
        // (This test's bank has room for one loan with the partner, which the borrower who moved here took.)
        Assert.Equal("C03", there.Reasons![0].Code);
    }

    /// <summary>A county that differs from the ID's is asked about once; the partner confirms where the household lives.</summary>
    private async Task<ApplicationOutcome> FinishConfirmingCountyAsync(string id, string county, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var state = await _pipeline.StatusAsync(id, ct);
            if (state?.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed)
            {
                return state.ReadOutputAs<ApplicationOutcome>()!;
            }
            if (state?.ReadCustomStatusAs<ApplicationProgress>() is { Stage: ApplicationStage.NeedsCorrection })
            {
                await _pipeline.Runtime.Actions.CorrectAsync(id, "MFI001", new Dictionary<string, string> { [LoanFormFields.County] = county }, ct);
                await Task.Delay(500, ct);
            }
            if (state?.ReadCustomStatusAs<ApplicationProgress>() is { Stage: ApplicationStage.AwaitingContract })
            {
                await _pipeline.Runtime.AcceptOfferedContractAsync(id, ct);
                await Task.Delay(500, ct);
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"{id} did not finish.");
    }

    private async Task<string> SubmitAsync(string idFirst17, CancellationToken ct) =>
        (await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(TestForms.GoodHousehold(idFirst17))), ct)).ApplicationId;

    private static string CopyConfig()
    {
        var folder = Directory.CreateTempSubdirectory("ruralloans-config-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(PipelineHarness.RepositoryRoot(), "config"), "*.json"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        return folder;
    }

    private static JsonObject Version(string version, DateOnly effectiveFrom, decimal tierOneCapital) => new()
    {
        ["version"] = version,
        ["effectiveFrom"] = effectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["annualRate"] = 0.0435m,
        ["quotaYuan"] = 20_000_000m,
        ["tierOneCapitalYuan"] = tierOneCapital,
        ["otherLoansYuan"] = 12_000_000_000m,
        ["otherCoLentYuan"] = 0m,
    };

    private static void EditBankTerms(string folder, JsonObject[] versions)
    {
        var path = Path.Combine(folder, "lenders.json");
        var lenders = JsonNode.Parse(File.ReadAllText(path))!;
        var bank = lenders["lenders"]!.AsArray().Single(l => (string?)l!["id"] == "BANK-RCB")!;
        bank["terms"] = new JsonArray([.. versions]);
        File.WriteAllText(path, lenders.ToJsonString());
    }
}
