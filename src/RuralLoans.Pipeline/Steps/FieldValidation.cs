using System.Globalization;
using RuralLoans.Domain.Applications;
using RuralLoans.Durable.Core;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 1b: validates the fields (ID check character, phone, amounts, dates, limits). Runs again after every
/// correction; each run is recorded so an auditor sees what was wrong and what the partner changed.
/// </summary>
public sealed class FieldValidation(DecisionLog decisions)
{
    public const string Name = "FieldValidation";

    /// <summary>Applications are judged on the day they were submitted, in China's time zone, whenever the step runs.</summary>
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public sealed record Input(string ApplicationId, LoanApplicationForm Form, DateTimeOffset SubmittedAt);

    public sealed record Output(bool IsValid, LoanApplicationForm Form, IReadOnlyList<FieldError> Errors);

    public async Task<Output> RunAsync(TaskActivityContext context, Input input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        // The task id tells the rounds apart and stays the same when one round is retried.
        var step = $"{Name}-{context.TaskId.ToString(CultureInfo.InvariantCulture)}";
        return await decisions.RecordOnceAsync(input.ApplicationId, step, input, () => Validate(input), context.CancellationToken);
    }

    /// <summary>Pure: the same input always gives the same output, which is what audit replay relies on.</summary>
    public static Output Validate(Input input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = ValidateOn(input.Form, input.SubmittedAt);
        return new Output(result.IsValid, input.Form, result.Errors);
    }

    /// <summary>The typed application of a form that passed validation; later steps derive everything from the form this way.</summary>
    public static LoanApplication ToApplication(string applicationId, LoanApplicationForm form, DateTimeOffset submittedAt) =>
        ValidateOn(form, submittedAt).Application
            ?? throw new InvalidOperationException($"Application {applicationId} reached a later step with invalid fields.");

    private static ApplicationValidationResult ValidateOn(LoanApplicationForm form, DateTimeOffset submittedAt) =>
        ApplicationValidator.Validate(form, DateOnly.FromDateTime(submittedAt.ToOffset(ChinaOffset).DateTime));

    /// <summary>Applies a partner's corrections to the form; unknown field names are ignored (they were rejected at the edge).</summary>
    public static LoanApplicationForm Apply(LoanApplicationForm form, FieldCorrection correction)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(correction);
        foreach (var (field, value) in correction.Fields)
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
