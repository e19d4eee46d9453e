using RuralLoans.Domain.Applications;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 1a: reads the uploaded original and extracts the form's fields. An unreadable document is not an error here:
/// its fields come back empty and validation sends the application to the partner for correction. The values stay in
/// the decision log; the orchestration learns only how many fields were read.
/// </summary>
public sealed class DocumentOcr(ContentAddressedBlobStore documents, LoanFormReader reader, DecisionLog decisions)
{
    public const string Name = "DocumentOcr";

    public sealed record Input(string ApplicationId, DocumentRef Document);

    public sealed record Output(int FieldsRead, int FieldsExpected);

    /// <summary>What the decision log keeps: every field with its confidence, and what the reader could not do.</summary>
    public sealed record Recognised(IReadOnlyDictionary<string, ExtractedField> Fields, IReadOnlyList<ExtractionError> Errors);

    public async Task<Output> RunAsync(Input input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var recognised = await decisions.RecordOnceAsync(input.ApplicationId, Name, input.Document, async () =>
        {
            var content = await documents.ReadAsync(input.Document.BlobName, ct);
            var extracted = await reader.ReadAsync(content.ToMemory(), input.Document.ContentType, ct);
            return new Recognised(extracted.Fields, extracted.Errors);
        }, ct);
        return Summarise(recognised);
    }

    /// <summary>What the orchestration sees of a recorded reading; the audit derives it the same way.</summary>
    public static Output Summarise(Recognised recognised)
    {
        ArgumentNullException.ThrowIfNull(recognised);
        return new Output(recognised.Fields.Values.Count(f => !string.IsNullOrEmpty(f.Value)), recognised.Fields.Count);
    }

    /// <summary>
    /// The fields read with a value that a person should still look at (low confidence, a failed cross-check), in the
    /// form's order; validation asks the partner to confirm them. Empty fields are left to validation's own checks.
    /// </summary>
    public static IReadOnlyList<string> FieldsToConfirm(Recognised recognised)
    {
        ArgumentNullException.ThrowIfNull(recognised);
        var form = new ExtractedForm(recognised.Fields, recognised.Errors);
        return [.. LoanFormFields.All.Where(field =>
            recognised.Fields.TryGetValue(field, out var read) && !string.IsNullOrEmpty(read.Value) && form.NeedsReview(field))];
    }

    internal static LoanApplicationForm ToForm(IReadOnlyDictionary<string, ExtractedField> fields)
    {
        string? Value(string name) => fields.TryGetValue(name, out var field) ? field.Value : null;
        return new LoanApplicationForm
        {
            ApplicantName = Value(LoanFormFields.ApplicantName),
            IdNumber = Value(LoanFormFields.IdNumber),
            Phone = Value(LoanFormFields.Phone),
            Village = Value(LoanFormFields.Village),
            Township = Value(LoanFormFields.Township),
            County = Value(LoanFormFields.County),
            HouseholdSize = Value(LoanFormFields.HouseholdSize),
            LandAreaMu = Value(LoanFormFields.LandAreaMu),
            FarmingProject = Value(LoanFormFields.FarmingProject),
            RequestedAmountYuan = Value(LoanFormFields.RequestedAmountYuan),
            TermMonths = Value(LoanFormFields.TermMonths),
            Purpose = Value(LoanFormFields.Purpose),
            RepaymentMethod = Value(LoanFormFields.RepaymentMethod),
            PartnerCode = Value(LoanFormFields.PartnerCode),
            ApplicationDate = Value(LoanFormFields.ApplicationDate),
        };
    }
}
