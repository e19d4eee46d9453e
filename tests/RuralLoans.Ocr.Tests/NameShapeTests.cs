using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>A name has no pattern, but it has a shape: a surname first, and four characters only with a compound surname.</summary>
public sealed class NameShapeTests
{
    private readonly LoanFormExtractor extractor = new();

    [Theory]
    [InlineData("和孙文国")] // a mark before the name read as 和
    [InlineData("对太平")] // 刘 misread: no surname first
    [InlineData("张明华丽")] // four characters, one-character surname
    public void A_name_out_of_shape_is_flagged(string read)
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请人姓名：" + read));

        Assert.Equal(read, form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.True(form.NeedsReview(LoanFormFields.ApplicantName));
    }

    [Theory]
    [InlineData("孙文国")]
    [InlineData("欧阳明华")]
    [InlineData("司马丽")]
    [InlineData("王芳")]
    public void A_name_in_shape_passes(string read)
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请人姓名：" + read));

        Assert.False(form.NeedsReview(LoanFormFields.ApplicantName));
    }
}
