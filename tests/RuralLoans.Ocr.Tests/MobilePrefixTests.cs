using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>A mobile number under a prefix no operator issues was misread: it is flagged, not accepted.</summary>
public sealed class MobilePrefixTests
{
    private readonly LoanFormExtractor extractor = new();

    [Theory]
    [InlineData("15412345678")]
    [InlineData("16812345678")]
    [InlineData("14112345678")]
    [InlineData("17912345678")]
    public void A_number_under_an_unissued_prefix_is_flagged(string printed)
    {
        var form = extractor.Extract(OcrDocuments.Lines("联系电话：" + printed));

        Assert.Equal(printed, form.Fields[LoanFormFields.Phone].Value);
        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.Phone && e.Message.Contains(printed[..3], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("13912345678")]
    [InlineData("14512345678")]
    [InlineData("16612345678")]
    [InlineData("19212345678")]
    [InlineData("19912345678")]
    public void A_number_under_an_issued_prefix_passes(string printed)
    {
        var form = extractor.Extract(OcrDocuments.Lines("联系电话：" + printed));

        Assert.False(form.NeedsReview(LoanFormFields.Phone));
    }

    [Fact]
    public void The_generator_prints_only_numbers_someone_could_be_called_on()
    {
        var generator = new FormValuesGenerator(new Random(53));

        var phones = Enumerable.Range(0, 400).Select(_ => generator.Next().Expected[LoanFormFields.Phone]).ToList();

        Assert.All(phones, p => Assert.True(MobilePrefixes.IsAssigned(p), p));
    }
}
