namespace RuralLoans.Pipeline.Audit;

/// <summary>The outcome of auditing one application: verified only when no step failed.</summary>
public sealed record AuditVerdict(string ApplicationId, bool Verified, IReadOnlyList<AuditStep> Steps);

/// <summary>
/// One checked step. <see cref="Status"/> is <see cref="Verified"/>, <see cref="Failed"/> or <see cref="NotApplicable"/>
/// (the application never reached it); <see cref="Difference"/> says, for a failed step, where the record and the
/// recomputation (or the history) part ways: field path, recorded value, recomputed value.
/// </summary>
public sealed record AuditStep(string Name, string Status, string? Difference)
{
    public const string Verified = "verified";
    public const string Failed = "failed";
    public const string NotApplicable = "not-applicable";

    public static AuditStep Passed(string name) => new(name, Verified, null);

    public static AuditStep Skipped(string name) => new(name, NotApplicable, null);

    public static AuditStep Broken(string name, string difference) => new(name, Failed, difference);
}
