using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Domain.Scoring;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RuralLoans.TaskHub;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Journal;
using RuralLoans.Storage.Ledger;
using PayoutStep = RuralLoans.Pipeline.Steps.Disbursement;

namespace RuralLoans.Pipeline.Audit;

/// <summary>What is stored about one application: history with its table rows, decisions, journal, and how they compare.</summary>
public sealed record StoredApplicationRecord(
    string ApplicationId,
    IList<HistoryEvent> History,
    IReadOnlyList<HistoryRow?> Rows,
    IReadOnlyList<StoredDecision> Decisions,
    JournalRead Journal,
    ReplayResult Replay,
    IReadOnlyDictionary<int, string?> ActivityInputs,
    JournalComparison Comparison);

/// <summary>
/// One-click audit of an application. Three independent kinds of evidence are checked: the audit journal written while
/// the application ran (its own hash chain, and that every history row and decision still matches what was journaled —
/// nobody edited or deleted one), a replay of the orchestrator against the history (today's code makes exactly the
/// recorded decisions from the recorded results), and every recorded decision re-executed from its recorded input with
/// the model, policy and rule versions it names, then compared with both its recorded output and what the history says
/// the step returned.
/// </summary>
/// <remarks>
/// The scoring step's challenger score is re-run too: with the artifact the record names (<paramref name="challengers"/>
/// finds it by id and version; its SHA-256 must match) on the features rebuilt from the recorded input. A decision
/// recorded without a challenger says why, and that is not a failure: the champion alone decided.
/// </remarks>
public sealed partial class ApplicationAuditor(DurableTaskClient engine, Func<ITaskOrchestrator> orchestrator, DecisionLog decisions, LedgerStore ledger, LendingCatalog lending,
    AuditJournal journal, HistoryTable historyTable, LoanContract contracts, IShadowModelSource? challengers = null)
{
    public static class StepNames
    {
        public const string Journal = "audit journal";
        public const string Replay = "orchestrator replay";
        public const string DocumentOcr = "document OCR";
        public const string FieldValidation = "field validation";
        public const string VillagePreCheck = "village pre-check";
        public const string DataScoring = "data scoring";
        public const string CoLendingSplit = "co-lending split";
        public const string LoanContract = "loan contract";
        public const string DisbursementLedger = "disbursement ledger";
    }

    private const int MaxDifferencesShown = 6;

    private static readonly JsonSerializerOptions Json = CosmosClients.JsonOptions;

    /// <summary>Reads everything stored about an application and compares the history and decisions with its journal.</summary>
    /// <exception cref="ActionRefusedException">With code <c>not-found</c> when there is no such application.</exception>
    public async Task<StoredApplicationRecord> ReadRecordAsync(string applicationId, CancellationToken ct)
    {
        await RequireKnownAsync(applicationId, ct);
        var history = await engine.GetOrchestrationHistoryAsync(applicationId, ct);
        var rows = await historyTable.RowsOfAsync(applicationId, history, ct);
        var stored = await decisions.ListStoredAsync(applicationId, ct);
        var read = await journal.ReadAsync(applicationId, ct);
        var replayed = new ReplayedCalls(orchestrator());
        var replay = OfflineReplay.Run(LoanApplicationOrchestration.Name, replayed, history);
        var inputs = InputsByTask(history, replayed.Calls);
        return new StoredApplicationRecord(applicationId, history, rows, stored, read, replay, inputs, JournalComparison.Compare(history, rows, inputs, stored, read));
    }

    /// <summary>
    /// Which input each scheduled task was given, by task id: the history's own when a row holds one, else the one
    /// today's code passed for it in the replay. Retries of a call are scheduled again with the same input, so a call
    /// owns every TaskScheduled of its activity until one of them completes.
    /// </summary>
    internal static IReadOnlyDictionary<int, string?> InputsByTask(IList<HistoryEvent> history, IReadOnlyList<ReplayedCall> calls)
    {
        var pending = calls.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new Queue<ReplayedCall>(g), StringComparer.Ordinal);
        var completed = history.OfType<TaskCompletedEvent>().Select(e => e.TaskScheduledId).ToHashSet();
        var current = new Dictionary<string, ReplayedCall>(StringComparer.Ordinal);
        var inputs = new Dictionary<int, string?>();
        foreach (var scheduled in history.OfType<TaskScheduledEvent>())
        {
            var name = scheduled.Name ?? "";
            if (!current.TryGetValue(name, out var call) && pending.TryGetValue(name, out var queue) && queue.TryDequeue(out var next))
            {
                call = current[name] = next;
            }
            inputs[scheduled.EventId] = HistoryEntries.ActivityInput(scheduled.Input) ?? call?.InputJson;
            if (completed.Contains(scheduled.EventId))
            {
                current.Remove(name);
            }
        }
        return inputs;
    }

    /// <exception cref="ActionRefusedException">With code <c>not-found</c> when there is no such application.</exception>
    public async Task<AuditVerdict> AuditAsync(string applicationId, CancellationToken ct)
    {
        StoredApplicationRecord record;
        IReadOnlyList<ActivityCall> calls;
        try
        {
            record = await ReadRecordAsync(applicationId, ct);
            calls = CompletedCalls(record.History, record.ActivityInputs);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            string[] notChecked = [StepNames.Journal, StepNames.DocumentOcr, StepNames.FieldValidation, StepNames.VillagePreCheck, StepNames.DataScoring, StepNames.CoLendingSplit, StepNames.LoanContract, StepNames.DisbursementLedger];
            return Verdict(applicationId, [.. notChecked.Select(name => AuditStep.Broken(name, $"the history cannot be read back to compare with: {e.Message}"))]);
        }
        var history = record.History;

        var steps = new List<AuditStep> { CheckJournal(record), CheckReplay(record.Replay) };

        steps.Add(await GuardAsync(StepNames.DocumentOcr, () => CheckDocumentOcrAsync(applicationId, calls, ct)));
        steps.AddRange(await CheckFieldValidationAsync(applicationId, calls, ct));
        steps.Add(await GuardAsync(StepNames.VillagePreCheck, () => CheckPreCheckAsync(applicationId, calls, ct)));
        steps.Add(await GuardAsync(StepNames.DataScoring, () => CheckScoringAsync(applicationId, calls, ct)));
        steps.Add(await GuardAsync(StepNames.CoLendingSplit, () => CheckSplitAsync(applicationId, calls, ct)));
        steps.Add(await GuardAsync(StepNames.LoanContract, () => CheckContractAsync(applicationId, calls, ct)));
        steps.Add(await GuardAsync(StepNames.DisbursementLedger, () => CheckLedgerAsync(applicationId, calls, ct)));
        return Verdict(applicationId, steps);
    }

    private static AuditVerdict Verdict(string applicationId, List<AuditStep> steps) =>
        new(applicationId, steps.TrueForAll(step => step.Status != AuditStep.Failed), steps);

    private async Task RequireKnownAsync(string applicationId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(applicationId) || !ApplicationIdPattern().IsMatch(applicationId)
            || await engine.GetInstanceAsync(applicationId, ct) is null)
        {
            throw new ActionRefusedException("not-found", $"There is no application {applicationId}.");
        }
    }

    private static AuditStep CheckJournal(StoredApplicationRecord record) =>
        record.Comparison.Agrees ? AuditStep.Passed(StepNames.Journal) : AuditStep.Broken(StepNames.Journal, Summarise([.. record.Comparison.Problems]));

    private static AuditStep CheckReplay(ReplayResult replay) =>
        replay.Deterministic ? AuditStep.Passed(StepNames.Replay) : AuditStep.Broken(StepNames.Replay, replay.Divergence!);

    private async Task<AuditStep> CheckDocumentOcrAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        // Reading the scan again is not a pure decision (engine versions, preprocessing); what must hold is that the
        // fields the history worked with are exactly the ones recorded for that document.
        if (calls.LastOrDefault(c => c.Name == DocumentOcr.Name) is not { } call)
        {
            return AuditStep.Skipped(StepNames.DocumentOcr);
        }

        if (await decisions.FindAsync(applicationId, DocumentOcr.Name, ct) is not { } decision)
        {
            return Unrecorded(StepNames.DocumentOcr);
        }

        // The task hub keeps no activity inputs in its History table: the input is what the replayed code passed, and
        // the journal vouches that the step was given exactly that.
        var findings = new Findings();
        if (call.InputJson is not null)
        {
            findings.Compare("input", ToNode(decision.Input), Parse(call.InputJson)?["document"], "passed by the orchestrator");
        }
        var recognised = decision.Output.Deserialize<DocumentOcr.Recognised>(Json) ?? throw new JsonException("The recorded OCR output is empty.");
        findings.Compare("result", Parse(call.ResultJson), Serialize(DocumentOcr.Summarise(recognised)), "from the recorded fields");
        return findings.ToStep(StepNames.DocumentOcr);
    }

    private async Task<IReadOnlyList<AuditStep>> CheckFieldValidationAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        var rounds = calls.Where(c => c.Name == FieldValidation.Name).ToList();
        if (rounds.Count == 0)
        {
            return [AuditStep.Skipped(StepNames.FieldValidation)];
        }

        var steps = new List<AuditStep>();
        // Each round is derived from the one before, as recorded; the rounds are checked in order, one at a time.
        FieldValidation.Judged? previous = null;
        for (var index = 0; index < rounds.Count; index++)
        {
            var call = rounds[index];
            var before = previous;
            previous = null;
            steps.Add(await GuardAsync($"{StepNames.FieldValidation} #{index + 1}", async name =>
            {
                // Rounds run one after another from 0, so the n-th validation the history completed judged round n - 1.
                var round = index;
                if (await decisions.FindAsync(applicationId, FieldValidation.StepOf(round), ct) is not { } decision)
                {
                    return Unrecorded(name);
                }

                var input = decision.Input.Deserialize<FieldValidation.Judged>(Json) ?? throw new JsonException("The recorded validation input is empty.");
                previous = input;
                var verdict = FieldValidation.Validate(input);
                var findings = new Findings();
                if (await JudgedFromSourcesAsync(applicationId, round, call, input, before, ct) is { } derived)
                {
                    findings.Compare("input", ToNode(decision.Input), Serialize(derived), "derived from the OCR reading and the corrections");
                }
                findings.Compare("output", ToNode(decision.Output), Serialize(verdict), "recomputed");
                findings.Compare("result", Parse(call.ResultJson), Serialize(FieldValidation.Summarise(round, verdict)), "recomputed");
                return findings.ToStep(name);
            }));
        }

        return steps;
    }

    /// <summary>
    /// What a round must have judged: round 0 the form OCR read with the doubts it raised, each later round the previous
    /// round's recorded form with the correction the history names. A form or a list of doubts edited in Cosmos (a doubt
    /// removed so a misread passes) differs from this. Rounds recorded before doubts were kept have none to compare.
    /// </summary>
    private async Task<FieldValidation.Judged?> JudgedFromSourcesAsync(string applicationId, int round, ActivityCall call, FieldValidation.Judged recorded,
        FieldValidation.Judged? previous, CancellationToken ct)
    {
        var passed = call.InputJson is null ? null : JsonSerializer.Deserialize<FieldValidation.Input>(call.InputJson, Json);
        var submittedAt = passed?.SubmittedAt ?? recorded.SubmittedAt;
        if (round == 0)
        {
            if (await decisions.FindAsync(applicationId, DocumentOcr.Name, ct) is not { } ocr)
            {
                return null;
            }
            var reading = ocr.Output.Deserialize<DocumentOcr.Recognised>(Json) ?? throw new JsonException("The recorded OCR reading is empty.");
            var first = FieldValidation.FirstRound(applicationId, reading, submittedAt);
            return recorded.ToConfirm is null ? first with { ToConfirm = null } : first;
        }
        if (previous is null
            || passed?.CorrectionId is not { } correctionId
            || await decisions.FindAsync(applicationId, $"{PersonalData.CaseFile.CorrectionStep}-{correctionId}", ct) is not { } correctionRecord)
        {
            return null;
        }
        var correction = correctionRecord.Input.Deserialize<PersonalData.CaseFile.StoredCorrection>(Json) ?? throw new JsonException("The recorded correction is empty.");
        return FieldValidation.NextRound(previous, correction.Fields, submittedAt);
    }

    private async Task<AuditStep> CheckPreCheckAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        if (calls.LastOrDefault(c => c.Name == VillagePreCheck.AssignName) is not { } assign)
        {
            return AuditStep.Skipped(StepNames.VillagePreCheck);
        }

        var findings = new Findings();
        if (await decisions.FindAsync(applicationId, VillagePreCheck.AssignName, ct) is not { } assignment)
        {
            return Unrecorded(StepNames.VillagePreCheck);
        }

        findings.Compare("result", Parse(assign.ResultJson), ToNode(assignment.Output), "recorded");
        if (calls.LastOrDefault(c => c.Name == VillagePreCheck.RecordName) is { } answered)
        {
            if (await decisions.FindAsync(applicationId, VillagePreCheck.RecordName, ct) is not { } recorded)
            {
                return Unrecorded(StepNames.VillagePreCheck);
            }

            var input = recorded.Input.Deserialize<VillagePreCheck.RecordInput>(Json) ?? throw new JsonException("The recorded pre-check input is empty.");
            findings.Compare("output", ToNode(recorded.Output), Serialize(new VillagePreCheck.Recorded(input.Decision, VillagePreCheck.Evaluate(input.Decision))), "recomputed");
            if (answered.InputJson is not null)
            {
                findings.Compare("input", ToNode(recorded.Input), Parse(answered.InputJson), "passed by the orchestrator");
            }
            findings.Compare("result", Parse(answered.ResultJson), ToNode(recorded.Output), "recorded");
        }

        return findings.ToStep(StepNames.VillagePreCheck);
    }

    private async Task<AuditStep> CheckScoringAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        if (calls.LastOrDefault(c => c.Name == DataScoring.Name) is not { } call)
        {
            return AuditStep.Skipped(StepNames.DataScoring);
        }

        if (await decisions.FindAsync(applicationId, DataScoring.Name, ct) is not { } decision)
        {
            return Unrecorded(StepNames.DataScoring);
        }

        var input = decision.Input.Deserialize<DataScoring.Scored>(Json) ?? throw new JsonException("The recorded scoring input is empty.");
        var recorded = decision.Output.Deserialize<CreditDecision>(Json) ?? throw new JsonException("The recorded credit decision is empty.");
        var policy = PolicyFor(recorded.PolicyVersion);
        if (policy is null)
        {
            return AuditStep.Broken(StepNames.DataScoring, $"policy version {recorded.PolicyVersion} is not shipped, so the decision cannot be re-executed");
        }

        // Features and the form-derived policy facts are recomputed from the recorded step input; the bureau facts
        // (existing debt, blacklist) were looked up at the time and are taken as recorded.
        var application = FieldValidation.ToApplication(input.ApplicationId, input.Form, input.SubmittedAt);
        var facts = recorded.Input.Facts with
        {
            ApplicantAge = application.ApplicantAge,
            AgeAtMaturity = RuralHouseholdFeatures.AgeAtMaturity(application),
            RequestedAmountYuan = application.RequestedAmountYuan,
            ProductCapYuan = input.ProductCapYuan,
            PreCheck = input.PreCheck.Outcome,
        };
        var model = ScorecardModelCatalog.Load(recorded.ModelId, recorded.ModelVersion);
        var features = RuralHouseholdFeatures.From(application, input.PreCheck);
        var replayed = CreditDecisionEngine.Replay(recorded with { Input = new DecisionInput(features, facts) }, model, policy);

        var findings = new Findings();
        findings.Compare("output", ToNode(decision.Output), Serialize(replayed), $"recomputed with {recorded.ModelId} {recorded.ModelVersion}");
        findings.Compare("result", Parse(call.ResultJson), ToNode(decision.Output), "recorded");
        CheckChallenger(decision, features, findings);
        return findings.ToStep(StepNames.DataScoring);
    }

    /// <summary>Re-scores the recorded challenger score with the artifact it names, on the rebuilt features.</summary>
    private void CheckChallenger(DecisionRecord decision, IReadOnlyDictionary<string, FeatureValue> features, Findings findings)
    {
        // Decisions recorded before champion–challenger scoring carry no shadow member at all; nothing to re-run.
        if (decision.Shadow is not { ValueKind: JsonValueKind.Object } shadowJson)
        {
            return;
        }
        var shadow = shadowJson.Deserialize<ShadowScoring>(Json) ?? throw new JsonException("The recorded challenger score is empty.");
        if (shadow.Challenger is not { } recorded)
        {
            if (string.IsNullOrWhiteSpace(shadow.Absent))
            {
                findings.Add("shadow: neither a challenger score nor the reason it is absent is recorded");
            }
            return;
        }
        var challenger = challengers?.Find(recorded.ModelId, recorded.ModelVersion);
        if (challenger is null || challenger.ModelSha256 != recorded.ModelSha256)
        {
            // Not the artifact that scored: say which one the record names and which one the audit has.
            findings.Add(ChampionChallenger.VerifyChallenger(recorded, features, challenger)[0]);
        }
        else
        {
            // Every recorded member (PD, score, reasons and their wording, contributions) against a fresh score.
            findings.Compare("shadow", shadowJson.Deserialize<JsonNode>(Json), Serialize(new ShadowScoring(challenger.Score(features), null)),
                $"re-scored with {recorded.ModelId} {recorded.ModelVersion}");
        }
    }

    private async Task<AuditStep> CheckSplitAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        if (calls.LastOrDefault(c => c.Name == CoLendingSplit.Name) is not { } call)
        {
            return AuditStep.Skipped(StepNames.CoLendingSplit);
        }

        if (await decisions.FindAsync(applicationId, CoLendingSplit.Name, ct) is not { } decision)
        {
            return Unrecorded(StepNames.CoLendingSplit);
        }

        var findings = new Findings();
        findings.Compare("result", Parse(call.ResultJson), ToNode(decision.Output), "recorded");
        var recorded = decision.Output.Deserialize<CoLendingSplit.Output>(Json) ?? throw new JsonException("The recorded split is empty.");
        if (recorded is { Funded: true, Split: { } split })
        {
            var input = decision.Input.Deserialize<CoLendingSplit.Planned>(Json) ?? throw new JsonException("The recorded split input is empty.");
            var scoring = (await decisions.FindAsync(applicationId, DataScoring.Name, ct))?.Output.Deserialize<CreditDecision>(Json);
            var recomputed = Resplit(input, split, recorded.HouseholdOpenYuan ?? scoring?.Input.Facts.ExistingDebtYuan ?? 0m, findings);
            if (recomputed is not null)
            {
                findings.Compare("output", Serialize(new { recorded.Funded, recorded.Split, recorded.Lenders }), Serialize(recomputed), $"recomputed under rules {split.RuleSetVersion}");
            }
        }

        return findings.ToStep(StepNames.CoLendingSplit);
    }

    /// <summary>
    /// Splits the principal again under the recorded product and rule-set versions. Lender quota is a fact of the moment
    /// that the split did not record; a funded split proves every lender had room for its part, so each lender is given
    /// room for the whole principal (never its recorded part, which may be what was tampered with).
    /// </summary>
    private object? Resplit(CoLendingSplit.Planned input, FundSplit recorded, decimal householdDebtYuan, Findings findings)
    {
        var product = lending.Find(input.ProductCode, input.PartnerId);
        var rules = lending.Products.Select(p => p.Rules).FirstOrDefault(r => r.Version == recorded.RuleSetVersion);
        if (product is null || product.Version != recorded.ProductVersion || rules is null)
        {
            findings.Add($"product {recorded.ProductId} {recorded.ProductVersion} under rules {recorded.RuleSetVersion} is not in the lending catalog "
                + $"(catalog has {product?.Version ?? "no such product"}), so the split cannot be re-executed");
            return null;
        }

        var application = FieldValidation.ToApplication(input.ApplicationId, input.Form, input.SubmittedAt);
        var lenders = product.Shares
            .Where(share => lending.Lenders.ContainsKey(share.LenderId))
            .ToDictionary(share => share.LenderId, share => (lending.TermsVersion(share.LenderId, recorded.Allocations.FirstOrDefault(a => a.LenderId == share.LenderId)?.TermsVersion)
                ?? lending.Lenders[share.LenderId]).WithAvailableQuota(application.RequestedAmountYuan), StringComparer.Ordinal);
        var result = FundSplitter.Split(product with { Rules = rules }, lenders, new FundSplitRequest
        {
            ApplicationId = input.ApplicationId,
            PrincipalYuan = application.RequestedAmountYuan,
            TermMonths = application.TermMonths,
            RepaymentMethod = application.RepaymentMethod,
            BorrowerRegionCode = BorrowerRegion.CodeOf(application),
            HouseholdExistingDebtYuan = householdDebtYuan,
        });
        var amounts = result.Split?.Allocations.Select(a => new LenderAmount(a.LenderId, lending.Lenders[a.LenderId].Name, a.AmountYuan)).ToList() ?? [];
        return new { Funded = result.IsAllowed, result.Split, Lenders = amounts };
    }

    /// <summary>
    /// The law checks and the contract's figures recomputed from the form and the split the split step recorded (the rate
    /// cap is a fact of the day, taken as recorded); the stored PDF must still have the hash the offer names, and the
    /// borrower must have accepted that very contract.
    /// </summary>
    private async Task<AuditStep> CheckContractAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        if (calls.LastOrDefault(c => c.Name == LoanContract.OfferName) is not { } call)
        {
            return AuditStep.Skipped(StepNames.LoanContract);
        }
        if (await decisions.FindAsync(applicationId, LoanContract.OfferName, ct) is not { } decision)
        {
            return Unrecorded(StepNames.LoanContract);
        }

        var findings = new Findings();
        findings.Compare("result", Parse(call.ResultJson), ToNode(decision.Output), "recorded");
        var planned = decision.Input.Deserialize<LoanContract.Planned>(Json) ?? throw new JsonException("The recorded contract input is empty.");
        var recorded = decision.Output.Deserialize<LoanContract.Offer>(Json) ?? throw new JsonException("The recorded contract offer is empty.");
        var splitRecord = await decisions.FindAsync(applicationId, CoLendingSplit.Name, ct) ?? throw new InvalidDataException("The contract has no recorded split to be checked against.");
        var splitInput = splitRecord.Input.Deserialize<CoLendingSplit.Planned>(Json) ?? throw new JsonException("The recorded split input is empty.");
        var split = splitRecord.Output.Deserialize<CoLendingSplit.Output>(Json)?.Split ?? throw new InvalidDataException("The contract was offered on a split that funded nothing.");
        findings.Compare("input split", Serialize(planned.Input.Split), Serialize(split), "the split recorded by the split step");

        var application = FieldValidation.ToApplication(splitInput.ApplicationId, splitInput.Form, splitInput.SubmittedAt);
        var facts = LoanContract.Facts(application, split, planned.Facts.RateCap);
        findings.Compare("facts", Serialize(planned.Facts), Serialize(facts), "from the form and the split");
        var expected = contracts.Decide(planned with { Input = planned.Input with { Split = split }, Facts = facts }, out _);
        findings.Compare("output", ToNode(decision.Output), Serialize(expected with { ContractSha256 = recorded.ContractSha256, ContractBlob = recorded.ContractBlob }),
            "recomputed under lending law");

        if (recorded.Offered)
        {
            try
            {
                _ = await contracts.PdfAsync(recorded, ct);
            }
            catch (Exception e) when (e is InvalidDataException or Azure.RequestFailedException or ArgumentException)
            {
                findings.Add($"contract PDF: {e.Message}");
            }
            if (calls.LastOrDefault(c => c.Name == LoanContract.AcceptName) is { } accepted
                && Parse(accepted.ResultJson).Deserialize<LoanContract.Accepted>(Json) is { } acceptance
                && acceptance.ContractSha256 != recorded.ContractSha256)
            {
                findings.Add($"acceptance: the borrower accepted contract {acceptance.ContractSha256}, the offer is {recorded.ContractSha256}");
            }
        }
        return findings.ToStep(StepNames.LoanContract);
    }

    private async Task<AuditStep> CheckLedgerAsync(string applicationId, IReadOnlyList<ActivityCall> calls, CancellationToken ct)
    {
        if (calls.LastOrDefault(c => c.Name == PayoutStep.BookName) is not { } call)
        {
            return AuditStep.Skipped(StepNames.DisbursementLedger);
        }

        var split = (await decisions.FindAsync(applicationId, CoLendingSplit.Name, ct))?.Output.Deserialize<CoLendingSplit.Output>(Json)?.Split
            ?? throw new JsonException("The payout has no recorded funded split to book against.");
        var paid = Parse(call.ResultJson).Deserialize<PayoutStep.Output>(Json) ?? throw new JsonException("The history's disbursement result is empty.");
        if (await ledger.FindAsync(paid.DisbursementId, ct) is not { } transfer)
        {
            return AuditStep.Broken(StepNames.DisbursementLedger, $"no ledger transfer {paid.DisbursementId} is booked for the recorded payout");
        }

        var findings = new Findings();
        if (transfer.Debits != transfer.Credits)
        {
            findings.Add($"transfer {transfer.TransferId} does not balance: debits {transfer.Debits} vs credits {transfer.Credits}");
        }

        var payout = new Domain.Disbursements.Disbursement
        {
            Key = DisbursementKey.Parse(paid.DisbursementId),
            AmountYuan = paid.AmountYuan,
            State = DisbursementState.Disbursed,
            RailReference = paid.RailReference,
        };
        var expected = DisbursementPostings.ForPayout(payout, split, transfer.PostedAt);
        findings.Compare("entries", Serialize(transfer.Entries), Serialize(expected.Entries), "recomputed from the split and the payout");
        return findings.ToStep(StepNames.DisbursementLedger);
    }

    private static CreditPolicy? PolicyFor(string version) => CreditPolicy.Find(version);

    private static AuditStep Unrecorded(string name) =>
        AuditStep.Broken(name, "the history shows this step completed, but no decision is recorded for it");

    /// <summary>Tampered or unreadable records fail their own step with the reason instead of stopping the audit.</summary>
    private static Task<AuditStep> GuardAsync(string name, Func<Task<AuditStep>> check) => GuardAsync(name, _ => check());

    private static async Task<AuditStep> GuardAsync(string name, Func<string, Task<AuditStep>> check)
    {
        try
        {
            return await check(name);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or KeyNotFoundException or InvalidDataException or FormatException)
        {
            return AuditStep.Broken(name, $"the record cannot be re-executed: {e.Message}");
        }
    }

    private static IReadOnlyList<ActivityCall> CompletedCalls(IList<HistoryEvent> history, IReadOnlyDictionary<int, string?> inputs)
    {
        var scheduled = history.OfType<TaskScheduledEvent>().GroupBy(e => e.EventId).ToDictionary(group => group.Key, group => group.First());
        return
        [
            // Delivery is at least once: a duplicated message can record a second completion of the same task,
            // which the orchestrator ignored on replay; the first is the one it acted on.
            .. history.OfType<TaskCompletedEvent>()
                .Where(done => scheduled.ContainsKey(done.TaskScheduledId))
                .GroupBy(done => done.TaskScheduledId)
                .Select(completions => completions.First())
                .Select(done => new ActivityCall(scheduled[done.TaskScheduledId].Name ?? "", done.TaskScheduledId, inputs.GetValueOrDefault(done.TaskScheduledId), done.Result)),
        ];
    }

    private static JsonNode? ToNode(JsonElement element) => element.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(element.GetRawText());

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static JsonNode? Serialize<T>(T value) => JsonSerializer.SerializeToNode(value, Json);

    private static string Summarise(List<string> lines) =>
        string.Join("; ", lines.Take(MaxDifferencesShown)) + (lines.Count > MaxDifferencesShown ? $"; and {lines.Count - MaxDifferencesShown} more" : "");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,199}$")]
    private static partial Regex ApplicationIdPattern();

    /// <summary>An activity the history shows completed: what the orchestrator passed and what it got back.</summary>
    private sealed record ActivityCall(string Name, int TaskId, string? InputJson, string? ResultJson);

    /// <summary>The differences found for one step, worded as path, recorded value and the value it was compared with.</summary>
    private sealed class Findings
    {
        private readonly List<string> lines = [];

        public void Add(string line) => lines.Add(line);

        public void Compare(string what, JsonNode? recorded, JsonNode? other, string otherLabel)
        {
            foreach (var difference in JsonDifferences.Find(recorded, other))
            {
                lines.Add($"{what} {difference.Path}: recorded {difference.Recorded ?? "(absent)"} vs {otherLabel} {difference.Recomputed ?? "(absent)"}");
            }
        }

        public AuditStep ToStep(string name) => lines.Count == 0 ? AuditStep.Passed(name) : AuditStep.Broken(name, Summarise(lines));
    }
}
