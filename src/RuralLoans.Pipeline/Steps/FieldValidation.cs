using System.Globalization;
using RuralLoans.Domain.Applications;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 1b: validates the fields (ID check character, phone, amounts, dates, limits). Runs again after every
/// correction; each run is recorded so an auditor sees what was wrong and what the partner changed. A value OCR read
/// with doubt (low confidence, a failed cross-check) is not accepted because it looks valid: the partner confirms or
/// corrects it against the original first, like a value that failed its check.
/// </summary>
public sealed class FieldValidation(DecisionLog decisions, CaseFile caseFile)
{
    public const string Name = "FieldValidation";

    /// <summary>Applications are judged on the day they were submitted, in China's time zone, whenever the step runs.</summary>
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>Round 0 judges what OCR read; round n the form after the n-th correction, named by its id.</summary>
    public sealed record Input(string ApplicationId, int Round, DateTimeOffset SubmittedAt, string? CorrectionId = null);

    /// <summary>
    /// What one round judged, as the decision log keeps it (with the form, which stays in Cosmos). <paramref name="ToConfirm"/>
    /// names the fields OCR read with doubt that no correction has named yet; rounds recorded before it existed have none.
    /// </summary>
    public sealed record Judged(string ApplicationId, int Round, LoanApplicationForm Form, DateTimeOffset SubmittedAt, IReadOnlyList<string>? ToConfirm = null);

    public const string UnsureReadingCode = "ocr.unsure";

    public sealed record Verdict(bool IsValid, LoanApplicationForm Form, IReadOnlyList<FieldError> Errors);

    /// <summary>What the orchestration sees: whether the round passed and which fields are wrong, without their values.</summary>
    public sealed record Output(bool IsValid, int Round, IReadOnlyList<FieldError> Errors);

    public static string StepOf(int round) => $"{Name}-{round.ToString(CultureInfo.InvariantCulture)}";

    public async Task<Output> RunAsync(Input input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var judged = input.Round == 0
            ? FirstRound(input.ApplicationId, await caseFile.OcrReadingAsync(input.ApplicationId, ct), input.SubmittedAt)
            : NextRound(await caseFile.RoundAsync(input.ApplicationId, input.Round - 1, ct),
                (await caseFile.CorrectionAsync(input.ApplicationId, input.CorrectionId ?? throw new ArgumentException("A later validation round names its correction.", nameof(input)), ct)).Fields,
                input.SubmittedAt);
        var verdict = await decisions.RecordOnceAsync(input.ApplicationId, StepOf(input.Round), judged, () => Validate(judged), ct);
        return Summarise(input.Round, verdict);
    }

    public static Output Summarise(int round, Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return new Output(verdict.IsValid, round, verdict.Errors);
    }

    /// <summary>Pure: the same input always gives the same output, which is what audit replay relies on.</summary>
    public static Verdict Validate(Judged input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = ValidateOn(input.Form, input.SubmittedAt);
        // A field already wrong says so once; the message carries no value, since it goes into the orchestration's history.
        var unsure = (input.ToConfirm ?? [])
            .Where(field => result.Errors.All(e => e.Field != field))
            .Select(field => new FieldError(field, UnsureReadingCode,
                "此项识别结果不确定，请对照原件核对后确认或改正",
                "This field could not be read with certainty; check it against the original, then confirm or correct it"))
            .ToList();
        return new Verdict(result.IsValid && unsure.Count == 0, input.Form, [.. result.Errors, .. unsure]);
    }

    /// <summary>Round 0 judges the form OCR read, with the doubts it raised.</summary>
    public static Judged FirstRound(string applicationId, DocumentOcr.Recognised reading, DateTimeOffset submittedAt)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return new Judged(applicationId, 0, DocumentOcr.ToForm(reading.Fields), submittedAt, DocumentOcr.FieldsToConfirm(reading));
    }

    /// <summary>Each later round judges the previous round's form with one correction applied.</summary>
    public static Judged NextRound(Judged previous, IReadOnlyDictionary<string, string> correction, DateTimeOffset submittedAt)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return new Judged(previous.ApplicationId, previous.Round + 1, Apply(previous.Form, correction), submittedAt, StillToConfirm(previous.ToConfirm, correction));
    }

    /// <summary>A correction that names a field confirms it, whether or not its value changed.</summary>
    public static IReadOnlyList<string>? StillToConfirm(IReadOnlyList<string>? toConfirm, IReadOnlyDictionary<string, string> correction)
    {
        ArgumentNullException.ThrowIfNull(correction);
        return toConfirm?.Where(field => !correction.ContainsKey(field)).ToList();
    }

    /// <summary>The typed application of a form that passed validation; later steps derive everything from the form this way.</summary>
    public static LoanApplication ToApplication(string applicationId, LoanApplicationForm form, DateTimeOffset submittedAt) =>
        ValidateOn(form, submittedAt).Application
            ?? throw new InvalidOperationException($"Application {applicationId} reached a later step with invalid fields.");

    private static ApplicationValidationResult ValidateOn(LoanApplicationForm form, DateTimeOffset submittedAt) =>
        ApplicationValidator.Validate(form, DateOnly.FromDateTime(submittedAt.ToOffset(ChinaOffset).DateTime));

    /// <summary>Applies a partner's corrections to the form; unknown field names are ignored (they were rejected at the edge).</summary>
    public static LoanApplicationForm Apply(LoanApplicationForm form, IReadOnlyDictionary<string, string> correction)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(correction);
        foreach (var (field, value) in correction)
        {
            form = field switch
            {
                "applicantName" => form with { ApplicantName = value },
                "idNumber" => form with { IdNumber = value },
                "phone" => form with { Phone = value },
                "village" => form with { Village = value },
                "township" => form with { Township = value },
                "county" => form with { County = value },
                "householdSize" => form with { HouseholdSize = value },
                "landAreaMu" => form with { LandAreaMu = value },
                "farmingProject" => form with { FarmingProject = value },
                "requestedAmountYuan" => form with { RequestedAmountYuan = value },
                "termMonths" => form with { TermMonths = value },
                "purpose" => form with { Purpose = value },
                "repaymentMethod" => form with { RepaymentMethod = value },
                "partnerCode" => form with { PartnerCode = value },
                "applicationDate" => form with { ApplicationDate = value },
                _ => form,
            };
        }
        return form;
    }

    public static IReadOnlySet<string> CorrectableFields { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "applicantName", "idNumber", "phone", "village", "township", "county", "householdSize", "landAreaMu",
        "farmingProject", "requestedAmountYuan", "termMonths", "purpose", "repaymentMethod", "partnerCode", "applicationDate",
    };
}
