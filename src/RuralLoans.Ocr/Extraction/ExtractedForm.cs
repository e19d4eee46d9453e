namespace RuralLoans.Ocr.Extraction;

/// <summary>
/// One field as read from the form. <see cref="Value"/> is normalised only as far as matching needs (ASCII digits,
/// amounts in yuan, ISO dates); null when the field was not found. <see cref="RawText"/> is what the engine read.
/// </summary>
public sealed record ExtractedField(string? Value, double Confidence, string? RawText)
{
    public static ExtractedField Missing { get; } = new(null, 0, null);
}

/// <summary>A problem a reviewer should look at; <see cref="Field"/> is null for document-level problems.</summary>
public sealed record ExtractionError(string? Field, string Message)
{
    /// <summary>For a document-level failure, its kind (<see cref="OcrErrorCodes"/>), when it has one.</summary>
    public string? Code { get; init; }
}

/// <summary>All fields of one loan application form (every field is present, missing ones with a null value).</summary>
public sealed record ExtractedForm(IReadOnlyDictionary<string, ExtractedField> Fields, IReadOnlyList<ExtractionError> Errors)
{
    /// <summary>
    /// Whether a person should look at <paramref name="field"/>: it has an error (missing, failed its pattern or a
    /// cross-check) or its confidence is below the field's review threshold.
    /// </summary>
    public bool NeedsReview(string field) =>
        Errors.Any(e => e.Field == field) || !Fields.TryGetValue(field, out var value) || value.Confidence < ReviewThresholds.For(field);

    public static ExtractedForm Failed(string message, string? code = null) =>
        new(LoanFormFields.All.ToDictionary(f => f, _ => ExtractedField.Missing), [new ExtractionError(null, message) { Code = code }]);
}

/// <summary>The extracted form, and where on the page each value that failed its pattern was read.</summary>
public sealed record FormReading(ExtractedForm Form, IReadOnlyDictionary<string, PageRegion> Doubtful);

/// <summary>
/// Confidence below which a field goes to a person. Free text (names, villages, purposes) has no pattern to fail, so
/// it needs more confidence to be accepted: chosen on the development forms, where these thresholds turned half the
/// wrong names that passed at 0.5 into flags for a few right ones.
/// </summary>
public static class ReviewThresholds
{
    public const double Default = 0.5;

    public static double For(string field) => field switch
    {
        LoanFormFields.ApplicantName or LoanFormFields.Village => 0.6,
        LoanFormFields.Purpose => 0.7,
        _ => Default,
    };
}
