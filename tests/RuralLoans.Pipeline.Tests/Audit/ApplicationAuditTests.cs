using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage.Journal;
using RuralLoans.Testing;
using Names = RuralLoans.Pipeline.Audit.ApplicationAuditor.StepNames;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>
/// Real applications run on the local task hub (Azurite) and the Cosmos emulator, then audited: untouched ones verify
/// step by step; an edit or a deletion made directly in the task hub's History table or in Cosmos fails the audit,
/// which names the table row or the decision.
/// </summary>
public sealed class ApplicationAuditTests(DevServicesFixture services) : IAsyncLifetime
{
    private const string Household = "43062619820315123";

    private PipelineHarness _pipeline = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, Cancel);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    private string HistoryTableName => _pipeline.Options.TaskHubName + "History";

    private async Task<string> SubmitAsync(Dictionary<string, string> household)
    {
        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), Cancel);
        return submitted.ApplicationId;
    }

    private async Task<(string Id, ApplicationOutcome Outcome)> DisbursedAsync(string household = Household)
    {
        var id = await SubmitAsync(TestForms.GoodHousehold(household));
        var outcome = await _pipeline.FinishAsync(id, Cancel);
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        return (id, outcome);
    }

    /// <summary>An application whose ID number fails its check digit, corrected by the partner through the actions.</summary>
    private async Task<string> CorrectedAsync()
    {
        var household = TestForms.GoodHousehold("43062619900101301");
        var rightId = household[LoanFormFields.IdNumber];
        household[LoanFormFields.IdNumber] = rightId[..17] + (rightId[17] == '0' ? '1' : '0');
        var id = await SubmitAsync(household);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, Cancel);
        await _pipeline.Runtime.Actions.CorrectAsync(id, "MFI001", new Dictionary<string, string> { [LoanFormFields.IdNumber] = rightId }, Cancel);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(id, Cancel)).Stage);
        return id;
    }

    /// <summary>The journal blob as stored (non-ASCII text unescaped), to look for personal data in it.</summary>
    private async Task<string> JournalTextAsync(string applicationId)
    {
        var blob = services.CreateBlobServiceClient().GetBlobContainerClient(AuditJournal.ContainerName)
            .GetBlobClient($"{_pipeline.Options.TaskHubName.ToLowerInvariant()}/{applicationId}");
        return (await blob.DownloadContentAsync(Cancel)).Value.Content.ToString();
    }

    private static AuditStep Step(AuditVerdict verdict, string name) => Assert.Single(verdict.Steps, s => s.Name == name);

    private static void AssertVerified(AuditVerdict verdict)
    {
        Assert.True(verdict.Verified, Describe(verdict));
        Assert.All(verdict.Steps, s => Assert.Contains(s.Status, new[] { AuditStep.Verified, AuditStep.NotApplicable }));
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Journal).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Replay).Status);
    }

    private static string Describe(AuditVerdict verdict) => string.Join(Environment.NewLine, verdict.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}"));

    /// <summary>The audit fails and its journal step names the History table row.</summary>
    private string JournalFailure(AuditVerdict verdict, string rowKeys)
    {
        Assert.False(verdict.Verified);
        var journal = Step(verdict, Names.Journal);
        Assert.Equal(AuditStep.Failed, journal.Status);
        Assert.Contains($"{HistoryTableName} row {rowKeys}", journal.Difference, StringComparison.Ordinal);
        return journal.Difference!;
    }

    [Fact]
    public async Task A_disbursed_application_verifies_every_step_and_its_journal_holds_hashes_and_ids_only()
    {
        var (id, _) = await DisbursedAsync();

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(verdict);
        Assert.Equal(
            [Names.Journal, Names.Replay, Names.DocumentOcr, $"{Names.FieldValidation} #1", Names.VillagePreCheck, Names.DataScoring, Names.CoLendingSplit, Names.LoanContract, Names.DisbursementLedger],
            verdict.Steps.Select(s => s.Name));
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.DisbursementLedger).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.LoanContract).Status);
        var journal = await _pipeline.Runtime.Journal.ReadAsync(id, Cancel);
        Assert.True(journal.ChainIntact, journal.ChainProblem);
        Assert.Single(journal.Entries, e => e.Kind == "start");
        Assert.Equal([DocumentOcr.Name, FieldValidation.Name, DataScoring.Name, CoLendingSplit.Name, LoanContract.OfferName, LoanContract.AcceptName, Disbursement.Name, Disbursement.BookName],
            journal.Entries.Where(e => e.Kind == "activity").Select(e => e.Name));
        Assert.Contains(journal.Entries, e => e.Kind == "decision" && e.Name == $"{id}:{DataScoring.Name}");
        var text = await JournalTextAsync(id);
        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestForms.IdNumber(Household), text, StringComparison.Ordinal);
        Assert.DoesNotContain("刘建华", text, StringComparison.Ordinal);
        Assert.DoesNotContain("柳树村", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrected_application_verifies_while_it_waits_and_after_the_partners_correction()
    {
        var household = TestForms.GoodHousehold("43062619900101301");
        var rightId = household[LoanFormFields.IdNumber];
        household[LoanFormFields.IdNumber] = rightId[..17] + (rightId[17] == '0' ? '1' : '0');
        var id = await SubmitAsync(household);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, Cancel);

        var waiting = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);
        await _pipeline.Runtime.Actions.CorrectAsync(id, "MFI001", new Dictionary<string, string> { [LoanFormFields.IdNumber] = rightId }, Cancel);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(id, Cancel)).Stage);
        var finished = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(waiting);
        Assert.Equal(AuditStep.NotApplicable, Step(waiting, Names.DataScoring).Status);
        AssertVerified(finished);
        Assert.Equal(AuditStep.Verified, Step(finished, $"{Names.FieldValidation} #2").Status);
        var journal = await _pipeline.Runtime.Journal.ReadAsync(id, Cancel);
        Assert.Single(journal.Entries, e => e.Kind == "event" && e.Name == LoanApplicationOrchestration.Events.FieldsCorrected);
        Assert.Contains(journal.Entries, e => e.Kind == "decision" && e.Name.StartsWith($"{id}:Correction-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_acquaintance_loan_verifies_the_village_partners_answer_and_journals_no_remark_text()
    {
        var household = TestForms.GoodHousehold("43062619750818402");
        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-acquaintance", TestForms.TextPdf(household)), Cancel);
        var id = submitted.ApplicationId;
        await _pipeline.WaitForStageAsync(id, ApplicationStage.AwaitingPreCheck, Cancel);
        await _pipeline.Runtime.Actions.PreCheckAsync(id, "VP-WANG", approve: true, identitySeen: true, householdRegisterSeen: true, homesteadCertificateSeen: true,
            [new PreCheckPhoto(await File.ReadAllBytesAsync(Path.Combine(DevServices.RepositoryRoot.Find(), "samples", "demo", "precheck-cattle-shed.jpg"), Cancel))],
            "认识这户人家，种水稻多年", Cancel);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(id, Cancel)).Stage);

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        AssertVerified(verdict);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.VillagePreCheck).Status);
        var journal = await _pipeline.Runtime.Journal.ReadAsync(id, Cancel);
        Assert.Contains(journal.Entries, e => e.Kind == "event" && e.Name == LoanApplicationOrchestration.Events.PreCheckDecided);
        Assert.Contains(journal.Entries, e => e.Kind == "activity" && e.Name == VillagePreCheck.RecordName);
        var text = await JournalTextAsync(id);
        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain("认识这户人家", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_score_edited_in_a_TaskCompleted_row_fails_the_audit_naming_the_row()
    {
        var (id, outcome) = await DisbursedAsync();

        // The History table names no activity on a TaskCompleted row; scoring's is the one whose result has a score.
        var scoringRow = await StoredRecordEditor.FindRowAsync(_pipeline, id, r => r.GetString("EventType") == "TaskCompleted" && (r.GetString("Result") ?? "").Contains("\"score\"", StringComparison.Ordinal), Cancel);
        await StoredRecordEditor.EditHistoryRowAsync(_pipeline, id, r => r.RowKey == scoringRow.RowKey, "Result", result => result["score"] = result["score"]!.GetValue<double>() + 100, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var difference = JournalFailure(verdict, $"{id}/{scoringRow.RowKey}");
        Assert.Contains($"TaskCompleted {DataScoring.Name}", difference, StringComparison.Ordinal);
        Assert.Contains("was edited", difference, StringComparison.Ordinal);
        var scoring = Step(verdict, Names.DataScoring);
        Assert.Equal(AuditStep.Failed, scoring.Status);
        Assert.Contains($"result $.score: recorded {(outcome.Score!.Value + 100).ToString(CultureInfo.InvariantCulture)} vs recorded {outcome.Score.Value.ToString(CultureInfo.InvariantCulture)}",
            scoring.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_payload_edited_in_an_EventRaised_row_fails_the_audit_naming_the_row()
    {
        var id = await CorrectedAsync();

        var row = await StoredRecordEditor.EditHistoryRowAsync(_pipeline, id, StoredRecordEditor.Event("EventRaised", LoanApplicationOrchestration.Events.FieldsCorrected), "Input",
            correction => correction["partnerId"] = "MFI002", Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var difference = JournalFailure(verdict, row);
        Assert.Contains($"EventRaised {LoanApplicationOrchestration.Events.FieldsCorrected}", difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_product_edited_in_the_ExecutionStarted_row_fails_the_audit_naming_the_row()
    {
        var (id, _) = await DisbursedAsync();

        var row = await StoredRecordEditor.EditHistoryRowAsync(_pipeline, id, StoredRecordEditor.Event("ExecutionStarted"), "Input",
            started => started["product"]!["maxAmountYuan"] = 5_000_000, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var difference = JournalFailure(verdict, row);
        Assert.Contains("ExecutionStarted", difference, StringComparison.Ordinal);
        // What the code then passes to scoring follows from the edited product, and differs from what scoring was given.
        Assert.Contains($"TaskScheduled {DataScoring.Name}", difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_input_written_into_a_TaskScheduled_row_fails_the_audit_naming_the_row()
    {
        var (id, _) = await DisbursedAsync();
        var scheduled = await StoredRecordEditor.FindRowAsync(_pipeline, id, StoredRecordEditor.Event("TaskScheduled", CoLendingSplit.Name), Cancel);
        scheduled["Input"] = $$"""{"applicationId":"{{id}}","partnerId":"MFI002","productCode":"farm-310","validatedRound":0,"submittedAt":"2026-01-01T00:00:00+00:00"}""";
        await StoredRecordEditor.HistoryTable(_pipeline).UpdateEntityAsync(scheduled, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Replace, Cancel);

        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var difference = JournalFailure(verdict, $"{scheduled.PartitionKey}/{scheduled.RowKey}");
        Assert.Contains($"TaskScheduled {CoLendingSplit.Name}", difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_doubt_OCR_raised_verifies_once_confirmed_and_a_doubt_deleted_in_Cosmos_fails_the_validation_audit()
    {
        // The form says 平江县 but the ID was issued in 湘阴县 (430624): OCR asks for the county to be confirmed.
        var household = TestForms.GoodHousehold("43062419830716122");
        var id = await SubmitAsync(household);
        await _pipeline.WaitForStageAsync(id, ApplicationStage.NeedsCorrection, Cancel);
        await _pipeline.Runtime.Actions.CorrectAsync(id, "MFI001", new Dictionary<string, string> { [LoanFormFields.County] = household[LoanFormFields.County] }, Cancel);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(id, Cancel)).Stage);
        AssertVerified(await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel));

        // Someone with database access removes the doubt from the first round, as if OCR had been sure.
        await StoredRecordEditor.EditDecisionAsync(_pipeline, id, FieldValidation.StepOf(0),
            decision => decision["input"]!["toConfirm"] = new JsonArray(), Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var first = Step(verdict, $"{Names.FieldValidation} #1");
        Assert.Equal(AuditStep.Failed, first.Status);
        Assert.Contains("input $.toConfirm", first.Difference, StringComparison.Ordinal);
        Assert.Contains("derived from the OCR reading", first.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_split_edited_in_Cosmos_fails_the_audit_naming_the_decision()
    {
        var (id, outcome) = await DisbursedAsync();
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
        var journal = Step(verdict, Names.Journal);
        Assert.Equal(AuditStep.Failed, journal.Status);
        Assert.Contains($"decision {id}:{CoLendingSplit.Name} in Cosmos was edited", journal.Difference, StringComparison.Ordinal);
        var split = Step(verdict, Names.CoLendingSplit);
        Assert.Equal(AuditStep.Failed, split.Status);
        var edited = (firstLender + 100m).ToString("0.##", CultureInfo.InvariantCulture);
        var original = firstLender.ToString("0.##", CultureInfo.InvariantCulture);
        Assert.Contains($"$.split.allocations[0].amountYuan: recorded {original} vs recorded {edited}", split.Difference, StringComparison.Ordinal);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Replay).Status);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.DataScoring).Status);
    }

    [Fact]
    public async Task A_contract_rate_edited_in_Cosmos_fails_the_contract_audit_with_the_rate_lending_law_recomputes()
    {
        var (id, _) = await DisbursedAsync();
        decimal original = 0;

        await StoredRecordEditor.EditDecisionAsync(_pipeline, id, LoanContract.OfferName, decision =>
        {
            var output = decision["output"]!;
            original = output["annualizedRate"]!.GetValue<decimal>();
            output["annualizedRate"] = original / 2;
        }, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        var contract = Step(verdict, Names.LoanContract);
        Assert.Equal(AuditStep.Failed, contract.Status);
        Assert.Contains("$.annualizedRate", contract.Difference, StringComparison.Ordinal);
        Assert.Contains($"recomputed under lending law {original.ToString("0.######", CultureInfo.InvariantCulture)}", contract.Difference, StringComparison.Ordinal);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.CoLendingSplit).Status);
    }

    [Fact]
    public async Task A_contract_PDF_replaced_in_blob_storage_fails_the_contract_audit()
    {
        // A household of its own: blob storage is shared by every test's pipeline, and the same form on the same day
        // prints the same contract under the same name, which other tests audit while this one replaces it.
        var (id, _) = await DisbursedAsync("43062619820315913");
        var offer = await _pipeline.Runtime.Steps.Contracts.OfferedAsync(id, Cancel);
        Assert.NotNull(offer);
        Assert.Equal(AuditStep.Verified, Step(await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel), Names.LoanContract).Status);

        // The bytes the borrower accepted are swapped for others under the same name, as someone with storage access could.
        var blob = _pipeline.Runtime.Steps.DocumentBlobs.GetBlobClient(offer.ContractBlob);
        await blob.UploadAsync(BinaryData.FromString("%PDF-1.7 another contract"), overwrite: true, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var contract = Step(verdict, Names.LoanContract);
        Assert.Equal(AuditStep.Failed, contract.Status);
        Assert.Contains($"does not match its hash {offer.ContractSha256}", contract.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_TaskCompleted_row_fails_the_audit_naming_the_call_left_without_its_result()
    {
        var (id, _) = await DisbursedAsync();
        var scheduled = await StoredRecordEditor.FindRowAsync(_pipeline, id, StoredRecordEditor.Event("TaskScheduled", CoLendingSplit.Name), Cancel);
        var taskId = scheduled.GetInt32("EventId");

        await StoredRecordEditor.DeleteHistoryRowAsync(_pipeline, id, r => r.GetString("EventType") == "TaskCompleted" && r.GetInt32("TaskScheduledId") == taskId, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        var difference = JournalFailure(verdict, $"{scheduled.PartitionKey}/{scheduled.RowKey}");
        Assert.Contains($"{CoLendingSplit.Name} returned a result", difference, StringComparison.Ordinal);
        Assert.Contains("no TaskCompleted", difference, StringComparison.Ordinal);
        Assert.Equal(AuditStep.Failed, Step(verdict, Names.Replay).Status);
    }

    [Fact]
    public async Task Deleted_rows_of_a_whole_activity_call_fail_the_audit_naming_the_journal_entry()
    {
        var (id, _) = await DisbursedAsync();
        var scheduled = await StoredRecordEditor.FindRowAsync(_pipeline, id, StoredRecordEditor.Event("TaskScheduled", Disbursement.Name), Cancel);
        var taskId = scheduled.GetInt32("EventId");

        await StoredRecordEditor.DeleteHistoryRowAsync(_pipeline, id, r => r.GetString("EventType") == "TaskCompleted" && r.GetInt32("TaskScheduledId") == taskId, Cancel);
        await StoredRecordEditor.DeleteHistoryRowAsync(_pipeline, id, r => r.RowKey == scheduled.RowKey, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        var journal = Step(verdict, Names.Journal);
        Assert.Equal(AuditStep.Failed, journal.Status);
        Assert.Matches($"journal entry #\\d+ records a call of {Disbursement.Name} at .* that the history no longer holds", journal.Difference);
    }

    [Fact]
    public async Task A_deleted_EventRaised_row_fails_the_audit()
    {
        var id = await CorrectedAsync();

        await StoredRecordEditor.DeleteHistoryRowAsync(_pipeline, id, StoredRecordEditor.Event("EventRaised", LoanApplicationOrchestration.Events.FieldsCorrected), Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        Assert.Matches($"journal entry #\\d+ records a {LoanApplicationOrchestration.Events.FieldsCorrected} event sent at .* that the history no longer holds: its EventRaised row was deleted",
            Step(verdict, Names.Journal).Difference);
    }

    [Fact]
    public async Task A_deleted_decision_fails_the_audit_naming_the_decision()
    {
        var (id, _) = await DisbursedAsync();

        await StoredRecordEditor.DeleteDecisionAsync(_pipeline, id, DataScoring.Name, Cancel);
        var verdict = await _pipeline.Runtime.Auditor.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        Assert.Contains($"decision {id}:{DataScoring.Name} (journal entry #", Step(verdict, Names.Journal).Difference, StringComparison.Ordinal);
        Assert.Contains("is missing from Cosmos: it was deleted", Step(verdict, Names.Journal).Difference, StringComparison.Ordinal);
        Assert.Contains("no decision is recorded", Step(verdict, Names.DataScoring).Difference, StringComparison.Ordinal);
        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Replay).Status);
    }

    [Fact]
    public async Task A_changed_orchestrator_is_reported_as_non_deterministic_naming_the_first_divergence()
    {
        var (id, _) = await DisbursedAsync();
        // Today's code would ask a village partner first: the recorded history scheduled scoring at that point.
        var changed = _pipeline.AuditorWith(() => FuncTaskOrchestrator.Create<ApplicationStarted, ApplicationOutcome>((context, started) =>
            LoanApplicationOrchestration.RunAsync(context, started with { Product = started.Product with { RequiresPreCheck = true } })));

        var verdict = await changed.AuditAsync(id, Cancel);

        Assert.False(verdict.Verified);
        var replay = Step(verdict, Names.Replay);
        Assert.Equal(AuditStep.Failed, replay.Status);
        Assert.Contains(VillagePreCheck.AssignName, replay.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_orchestrator_that_now_passes_another_input_fails_the_audit_though_the_engine_replays_it()
    {
        var (id, _) = await DisbursedAsync();
        var changed = _pipeline.AuditorWith(() => FuncTaskOrchestrator.Create<ApplicationStarted, ApplicationOutcome>((context, started) =>
            LoanApplicationOrchestration.RunAsync(context, started with { Product = started.Product with { MaxAmountYuan = 1_000_000 } })));

        var verdict = await changed.AuditAsync(id, Cancel);

        Assert.Equal(AuditStep.Verified, Step(verdict, Names.Replay).Status);
        var scheduled = await StoredRecordEditor.FindRowAsync(_pipeline, id, StoredRecordEditor.Event("TaskScheduled", DataScoring.Name), Cancel);
        var difference = JournalFailure(verdict, $"{scheduled.PartitionKey}/{scheduled.RowKey}");
        Assert.Contains("the orchestrator now passes other inputs", difference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_export_holds_the_history_rows_the_decisions_and_the_journal_as_json_lines()
    {
        var (id, _) = await DisbursedAsync();

        var record = await _pipeline.Runtime.Auditor.ReadRecordAsync(id, Cancel);
        using var output = new StringWriter();
        var written = await ApplicationRecordExport.WriteAsync(record, output, DateTimeOffset.UtcNow, Cancel);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();

        Assert.Equal(written, lines.Count);
        var summary = lines[0];
        Assert.Equal("application", (string?)summary["record"]);
        Assert.True((bool)summary["agreesWithJournal"]!);
        var history = lines.Where(l => (string?)l["record"] == "history").ToList();
        Assert.Equal(record.History.Count, history.Count);
        var scoring = Assert.Single(history, l => (string?)l["eventType"] == "TaskScheduled" && (string?)l["name"] == DataScoring.Name);
        Assert.Equal(HistoryTableName, (string?)scoring["table"]);
        Assert.Equal(id, (string?)scoring["partitionKey"]);
        Assert.NotNull(scoring["journalHash"]);
        Assert.Contains("\"productCapYuan\"", (string?)scoring["inputFromReplay"], StringComparison.Ordinal);
        var decisions = lines.Where(l => (string?)l["record"] == "decision").ToList();
        Assert.Contains(decisions, d => (string?)d["id"] == $"{id}:{DataScoring.Name}" && d["document"]!["output"]!["score"] is not null);
        Assert.All(decisions, d => Assert.DoesNotContain("_etag", d["document"]!.AsObject().Select(m => m.Key)));
        var journal = lines.Where(l => (string?)l["record"] == "journal").ToList();
        Assert.Equal(record.Journal.Entries.Count, journal.Count);
        Assert.Equal(record.Journal.Entries[^1].Hash, (string?)journal[^1]["hash"]);
        Assert.Equal(decisions.Count, journal.Count(j => (string?)j["kind"] == "decision"));
    }
}
