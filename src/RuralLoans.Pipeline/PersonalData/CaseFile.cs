using System.Text.Json;
using RuralLoans.Domain.Applications;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.PersonalData;

/// <summary>
/// An application's personal data as the steps need it: the form of each validation round, the partner's corrections
/// and people's free-text notes, all in Cosmos. The orchestration passes only application ids, rounds and note ids, so
/// the task hub's history — which operators and support staff can read — holds no resident ID, phone or name in clear.
/// </summary>
public sealed class CaseFile(DecisionLog decisions)
{
    public const string CorrectionStep = "Correction";
    public const string NoteStep = "Note";

    public sealed record StoredCorrection(string PartnerId, IReadOnlyDictionary<string, string> Fields);

    public sealed record StoredNote(string Kind, string Text);

    /// <summary>The form a validation round judged: round 0 is what OCR read, each later round adds one correction.</summary>
    public async Task<LoanApplicationForm> FormOfRoundAsync(string applicationId, int round, CancellationToken ct) =>
        (await RoundAsync(applicationId, round, ct)).Form;

    /// <summary>What a validation round judged: its form and the doubtful readings still to be confirmed.</summary>
    public async Task<FieldValidation.Judged> RoundAsync(string applicationId, int round, CancellationToken ct)
    {
        var record = await decisions.FindAsync(applicationId, FieldValidation.StepOf(round), ct)
            ?? throw new InvalidOperationException($"Application {applicationId} has no validation round {round} on record.");
        return record.Input.Deserialize<FieldValidation.Judged>(CosmosClients.JsonOptions)!;
    }

    /// <summary>The form validated in the round the orchestration names, which must have passed.</summary>
    public async Task<LoanApplication> ValidApplicationAsync(string applicationId, int round, DateTimeOffset submittedAt, CancellationToken ct) =>
        FieldValidation.ToApplication(applicationId, await FormOfRoundAsync(applicationId, round, ct), submittedAt);

    /// <summary>What OCR read from the uploaded document: every field with its confidence, and what it could not do.</summary>
    public async Task<DocumentOcr.Recognised> OcrReadingAsync(string applicationId, CancellationToken ct)
    {
        var record = await decisions.FindAsync(applicationId, DocumentOcr.Name, ct)
            ?? throw new InvalidOperationException($"Application {applicationId} has no OCR result on record.");
        return record.Output.Deserialize<DocumentOcr.Recognised>(CosmosClients.JsonOptions)!;
    }

    /// <summary>Keeps a partner's corrected values; the id goes into the orchestration's event instead of the values.</summary>
    public async Task<string> KeepCorrectionAsync(string applicationId, string partnerId, IReadOnlyDictionary<string, string> fields, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N");
        await decisions.RecordOnceAsync(applicationId, $"{CorrectionStep}-{id}", new StoredCorrection(partnerId, fields), () => id, ct);
        return id;
    }

    public async Task<StoredCorrection> CorrectionAsync(string applicationId, string correctionId, CancellationToken ct)
    {
        var record = await decisions.FindAsync(applicationId, $"{CorrectionStep}-{correctionId}", ct)
            ?? throw new InvalidOperationException($"Correction {correctionId} of application {applicationId} is not on record.");
        return record.Input.Deserialize<StoredCorrection>(CosmosClients.JsonOptions)!;
    }

    /// <summary>Keeps a free-text note (pre-check remarks, review notes, review reasons); null when there is none.</summary>
    public async Task<string?> KeepNoteAsync(string applicationId, string kind, string? text, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var id = Guid.NewGuid().ToString("N");
        await decisions.RecordOnceAsync(applicationId, $"{NoteStep}-{id}", new StoredNote(kind, text), () => id, ct);
        return id;
    }

    public async Task<string?> NoteAsync(string applicationId, string? noteId, CancellationToken ct)
    {
        if (noteId is null)
        {
            return null;
        }
        var record = await decisions.FindAsync(applicationId, $"{NoteStep}-{noteId}", ct);
        return record?.Input.Deserialize<StoredNote>(CosmosClients.JsonOptions)?.Text;
    }
}
