using RuralLoans.Domain.Applications;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Steps;

namespace RuralLoans.Pipeline.Tests;

/// <summary>What OCR read with doubt is confirmed by the partner before the application goes on, whatever it looks like.</summary>
public sealed class FieldValidationTests
{
    // The good household is dated today, so it is judged today.
    private static readonly DateTimeOffset Submitted = DateTimeOffset.UtcNow;

    private static LoanApplicationForm GoodForm() =>
        DocumentOcr.ToForm(TestForms.GoodHousehold().ToDictionary(f => f.Key, f => new ExtractedField(f.Value, 0.95, f.Value)));

    [Fact]
    public void A_valid_looking_value_read_with_doubt_holds_the_application_until_confirmed()
    {
        var verdict = FieldValidation.Validate(new FieldValidation.Judged("A1", 0, GoodForm(), Submitted, [LoanFormFields.Village]));

        Assert.False(verdict.IsValid);
        var error = Assert.Single(verdict.Errors);
        Assert.Equal((LoanFormFields.Village, FieldValidation.UnsureReadingCode), (error.Field, error.Code));
        Assert.DoesNotContain("柳树村", error.MessageZh + error.MessageEn, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correction_naming_the_field_confirms_it_even_unchanged_and_other_doubts_stay()
    {
        IReadOnlyList<string> doubts = [LoanFormFields.Village, LoanFormFields.Phone];
        var left = FieldValidation.StillToConfirm(doubts, new Dictionary<string, string> { [LoanFormFields.Village] = "柳树村" });

        Assert.Equal([LoanFormFields.Phone], left);
        Assert.False(FieldValidation.Validate(new FieldValidation.Judged("A1", 1, GoodForm(), Submitted, left)).IsValid);
        Assert.True(FieldValidation.Validate(new FieldValidation.Judged("A1", 2, GoodForm(), Submitted, FieldValidation.StillToConfirm(left, new Dictionary<string, string> { [LoanFormFields.Phone] = "13900000000" }))).IsValid);
    }

    [Fact]
    public void A_doubtful_field_that_also_fails_its_check_is_reported_once_by_its_check()
    {
        var form = GoodForm() with { Phone = "1390000" };

        var verdict = FieldValidation.Validate(new FieldValidation.Judged("A1", 0, form, Submitted, [LoanFormFields.Phone]));

        var error = Assert.Single(verdict.Errors);
        Assert.Equal(LoanFormFields.Phone, error.Field);
        Assert.NotEqual(FieldValidation.UnsureReadingCode, error.Code);
    }

    [Fact]
    public void Rounds_recorded_before_doubts_were_kept_replay_as_they_were_judged()
    {
        var verdict = FieldValidation.Validate(new FieldValidation.Judged("A1", 0, GoodForm(), Submitted));

        Assert.True(verdict.IsValid);
        Assert.Empty(verdict.Errors);
    }

    [Fact]
    public void The_fields_to_confirm_are_those_read_with_a_value_that_a_person_should_look_at()
    {
        var fields = TestForms.GoodHousehold().ToDictionary(f => f.Key, f => new ExtractedField(f.Value, 0.95, f.Value));
        fields[LoanFormFields.Purpose] = new ExtractedField("购买化肥种子", 0.4, "购买化肥种子");
        fields[LoanFormFields.Phone] = ExtractedField.Missing;
        ExtractionError[] errors = [new(LoanFormFields.County, "the ID was issued in another county"), new(LoanFormFields.Phone, "not found")];

        var toConfirm = DocumentOcr.FieldsToConfirm(new DocumentOcr.Recognised(fields, errors));

        // The missing phone is validation's to report (it is required); only values read are confirmed.
        Assert.Equal([LoanFormFields.County, LoanFormFields.Purpose], toConfirm);
    }
}
