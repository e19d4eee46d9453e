namespace RuralLoans.Domain.Applications;

/// <summary>
/// One problem with one form field, worded for the partner who keyed or scanned the form.
/// <paramref name="Code"/> is stable for machines (e.g. <c>id.checksum</c>); the two messages are for people.
/// </summary>
public sealed record FieldError(string Field, string Code, string MessageZh, string MessageEn)
{
    public override string ToString() => $"{Field}: {MessageZh} / {MessageEn} ({Code})";
}
