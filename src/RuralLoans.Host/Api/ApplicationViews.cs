using System.Text.Json;
using System.Text.Json.Nodes;
using RuralLoans.Domain.Applications;
using Microsoft.DurableTask.Client;
using RuralLoans.TaskHub;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Host.Api;

public sealed record ApplicationSummary(
    string ApplicationId, string PartnerId, string ProductCode, string Stage, int Step, DateTimeOffset SubmittedAt,
    string? ApplicantName, string? Village, decimal? RequestedAmountYuan);

public sealed record ApplicationPage(IReadOnlyList<ApplicationSummary> Items, string? ContinuationToken);

/// <summary>A field problem; <c>message</c> is Chinese then English, both also given apart.</summary>
public sealed record FieldErrorView(string Field, string Code, string Message, string MessageZh, string MessageEn);

public sealed record ReasonView(string Code, string Zh, string En);

public sealed record OutcomeView(string Summary, double? Score, IReadOnlyList<ReasonView> Reasons, IReadOnlyList<LenderAmount> Split, string? DisbursementId, string? ReviewedBy);

public sealed record ApplicationDetail(
    string ApplicationId, string PartnerId, string ProductCode, string Stage, int Step, string Detail, string Status,
    IReadOnlyList<FieldErrorView> Errors, DateTime? WaitingUntilUtc, OutcomeView? Outcome, IReadOnlyDictionary<string, string?> Fields,
    DateTimeOffset SubmittedAt, string? VillagePartnerId, string? Failure);

public sealed record SubmissionView(string ApplicationId, bool Duplicate, string Stage);

public sealed record HistoryEventView(long Sequence, string Type, string? Name, DateTimeOffset Timestamp, JsonNode? Input, JsonNode? Result, string? Hash, string? PreviousHash);

public sealed record HistoryView(string ApplicationId, IReadOnlyList<HistoryEventView> Events, bool ChainIntact, string? ChainProblem);

public sealed record DecisionView(string Step, DateTimeOffset RecordedAt, JsonNode? Input, JsonNode? Output);

public sealed record DecisionsView(string ApplicationId, IReadOnlyList<DecisionView> Decisions);

/// <summary>
/// Reads applications for the API: the Cosmos record (who, which product, which village partner), the engine's status
/// (stage, waiting, outcome) and the latest recorded form (fields after the partner's corrections). Decides what each
/// actor may see: a partner its own, a village partner what is assigned to it, auditors and operators everything;
/// resident ID and phone are masked for everyone but the submitting partner.
/// </summary>
public sealed class ApplicationReader(Func<PipelineRuntime> runtime)
{
    /// <summary>The application if this actor may see it; null for missing and for not-yours alike.</summary>
    public async Task<ApplicationRecord?> FindVisibleAsync(Actor actor, string applicationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!LooksLikeApplicationId(applicationId))
        {
            return null;
        }
        var record = await runtime().Applications.GetAsync(applicationId, ct);
        return record is not null && MaySee(actor, record) ? record : null;
    }

    public static bool MaySee(Actor actor, ApplicationRecord record)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(record);
        return actor.Role switch
        {
            ApiRoles.Partner => record.PartnerId == actor.Id,
            ApiRoles.VillagePartner => record.VillagePartnerId == actor.Id,
            ApiRoles.Auditor or ApiRoles.Operator => true,
            _ => false,
        };
    }

    public async Task<ApplicationDetail> DetailAsync(Actor actor, ApplicationRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(record);
        var state = await runtime().Client.GetInstanceAsync(record.Id, getInputsAndOutputs: true, ct);
        var progress = state?.ReadCustomStatusAs<ApplicationProgress>();
        var outcome = state?.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? state.ReadOutputAs<ApplicationOutcome>()
            : await OpenDecline.OutcomeAsync(runtime().Decisions, record.Id, progress, ct);
        var form = await CurrentFormAsync(record.Id, ct);
        var unmasked = actor.IsPartner && actor.Id == record.PartnerId;
        return new ApplicationDetail(
            record.Id, record.PartnerId, record.ProductCode,
            StageOf(state, progress), progress?.Step ?? 1, Mask(progress?.Detail ?? "已提交 / submitted", unmasked), state?.RuntimeStatus.ToString() ?? "Pending",
            (progress?.Errors ?? []).Select(e => new FieldErrorView(e.Field, e.Code, Mask($"{e.MessageZh} / {e.MessageEn}", unmasked), Mask(e.MessageZh, unmasked), Mask(e.MessageEn, unmasked))).ToList(),
            progress?.WaitingUntilUtc,
            outcome is null ? null : new OutcomeView(outcome.Summary, outcome.Score, (outcome.Reasons ?? []).Select(r => new ReasonView(r.Code, r.Zh, r.En)).ToList(), outcome.Split ?? [], outcome.DisbursementId, outcome.ReviewedBy),
            FieldsOf(form, unmasked),
            record.SubmittedAt, record.VillagePartnerId,
            state?.FailureDetails is { } failure ? PersonalData.Redact(failure.ErrorMessage) : null);
    }

    public async Task<ApplicationSummary> SummaryAsync(ApplicationRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        var stateTask = runtime().Client.GetInstanceAsync(record.Id, getInputsAndOutputs: false, ct);
        var formTask = CurrentFormAsync(record.Id, ct);
        var state = await stateTask;
        var form = await formTask;
        var progress = state?.ReadCustomStatusAs<ApplicationProgress>();
        decimal? amount = FieldNormalizers.TryNormalizeAmountYuan(form?.RequestedAmountYuan, out var yuan) ? yuan : null;
        return new ApplicationSummary(record.Id, record.PartnerId, record.ProductCode, StageOf(state, progress), progress?.Step ?? 1, record.SubmittedAt,
            form?.ApplicantName, form?.Village ?? record.Village, amount);
    }

    /// <summary>
    /// One page of the applications this actor may list. The stage lives in the engine, so a stage filter is applied to
    /// each Cosmos page as it is read; reading stops at <paramref name="pageSize"/> matches or after a bounded number of
    /// pages, and the continuation token resumes exactly after the last page read.
    /// </summary>
    public async Task<ApplicationPage> ListAsync(Actor actor, ApplicationFilter filter, string? stage, int pageSize, string? continuationToken, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        filter = actor.Role switch
        {
            ApiRoles.Partner => filter with { PartnerId = actor.Id },
            ApiRoles.VillagePartner => filter with { VillagePartnerId = actor.Id },
            _ => filter,
        };
        // A village partner's list is its to-do list: what waits for its pre-check.
        stage = actor.IsVillagePartner ? nameof(ApplicationStage.AwaitingPreCheck) : stage;

        var items = new List<ApplicationSummary>();
        var token = continuationToken;
        for (var pages = 0; pages < 20 && items.Count < pageSize; pages++)
        {
            var (records, next) = await runtime().Applications.QueryAsync(filter, pageSize - items.Count, token, ct);
            var summaries = await Task.WhenAll(records.Select(r => SummaryAsync(r, ct)));
            items.AddRange(summaries.Where(s => stage is null || s.Stage == stage));
            token = next;
            if (token is null)
            {
                break;
            }
        }
        return new ApplicationPage(items, token);
    }

    /// <summary>
    /// Every history event with the audit journal entry that vouches for it (its hash and the hash it chains to), and
    /// whether the journal's chain holds and every history row and decision still matches it.
    /// </summary>
    public async Task<HistoryView> HistoryAsync(string applicationId, CancellationToken ct)
    {
        Pipeline.Audit.StoredApplicationRecord record;
        try
        {
            record = await runtime().Auditor.ReadRecordAsync(applicationId, ct);
        }
        catch (ActionRefusedException)
        {
            return new HistoryView(applicationId, [], true, null);
        }
        var history = HistoryEntries.Describe(record.History);
        var events = history.Select(e =>
        {
            var isResult = e.Type is "TaskCompleted" or "TaskFailed" or "ExecutionCompleted" or "ExecutionFailed";
            var result = e.Type is "TaskFailed" or "ExecutionFailed"
                ? new JsonObject { ["failure"] = PersonalData.Redact(e.Result) }
                : isResult ? PersonalData.MaskJsonText(e.Result) : null;
            var entry = record.Comparison.EntryForEvent.GetValueOrDefault(e.Sequence);
            return new HistoryEventView(e.Sequence, e.Type, e.Name, e.Timestamp, isResult ? null : PersonalData.MaskJsonText(e.Input), result, entry?.Hash, entry?.Previous);
        }).ToList();
        var intact = record.Journal.ChainIntact && record.Comparison.Agrees;
        return new HistoryView(applicationId, events, intact, intact ? null : string.Join("; ", record.Comparison.Problems));
    }

    public async Task<DecisionsView> DecisionsAsync(string applicationId, CancellationToken ct)
    {
        var records = await runtime().Decisions.ListAsync(applicationId, ct);
        return new DecisionsView(applicationId, records.Select(r => new DecisionView(r.Step, r.RecordedAt,
            PersonalData.Mask(JsonNode.Parse(r.Input.GetRawText())), PersonalData.Mask(JsonNode.Parse(r.Output.GetRawText())))).ToList());
    }

    /// <summary>The form as last validated (after any corrections), else as read from the document; null before OCR.</summary>
    public async Task<LoanApplicationForm?> CurrentFormAsync(string applicationId, CancellationToken ct)
    {
        var decisions = await runtime().Decisions.ListAsync(applicationId, ct);
        var validated = decisions.Where(d => d.Step.StartsWith(FieldValidation.Name + "-", StringComparison.Ordinal))
            .OrderBy(d => d.RecordedAt).LastOrDefault();
        if (validated is not null && validated.Output.TryGetProperty("form", out var form))
        {
            return form.Deserialize<LoanApplicationForm>(Storage.CosmosClients.JsonOptions);
        }
        var read = decisions.FirstOrDefault(d => d.Step == DocumentOcr.Name);
        if (read is null || !read.Output.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in fields.EnumerateObject())
        {
            values[field.Name] = field.Value.ValueKind == JsonValueKind.Object && field.Value.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        return JsonSerializer.Deserialize<LoanApplicationForm>(JsonSerializer.Serialize(values), Storage.CosmosClients.JsonOptions);
    }

    public static bool LooksLikeApplicationId(string? applicationId) =>
        applicationId is { Length: > 3 and <= 100 } && applicationId.IndexOf('-', StringComparison.Ordinal) > 0
        && applicationId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static string StageOf(OrchestrationMetadata? state, ApplicationProgress? progress) =>
        progress?.Stage.ToString() ?? (state is null ? "Submitted" : nameof(ApplicationStage.ReadingDocument));

    private static string Mask(string text, bool unmasked) => unmasked ? text : PersonalData.Redact(text);

    private static Dictionary<string, string?> FieldsOf(LoanApplicationForm? form, bool unmasked)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (form is null)
        {
            return fields;
        }
        var node = JsonSerializer.SerializeToNode(form, Storage.CosmosClients.JsonOptions)!.AsObject();
        foreach (var (name, value) in node)
        {
            var text = value?.GetValue<string>();
            fields[name] = unmasked ? text : name switch
            {
                "idNumber" => PersonalData.MaskResidentId(text),
                "phone" => PersonalData.MaskPhone(text),
                _ => PersonalData.Redact(text),
            };
        }
        return fields;
    }
}
