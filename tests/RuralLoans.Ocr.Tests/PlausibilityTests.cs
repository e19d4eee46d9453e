using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>Values that pass their pattern but are implausible for the form are flagged, never corrected.</summary>
public sealed class PlausibilityTests
{
    private readonly LoanFormExtractor extractor = new();

    [Theory]
    [InlineData("333亩", "333")] // 33.3 with its point lost
    [InlineData("106", "106")]
    public void A_land_area_larger_than_a_household_farms_is_flagged(string printed, string value)
    {
        var form = extractor.Extract(OcrDocuments.Lines("承包地面积：" + printed));

        Assert.Equal(value, form.Fields[LoanFormFields.LandAreaMu].Value);
        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.LandAreaMu && e.Message.Contains("decimal point", StringComparison.Ordinal));
    }

    [Fact]
    public void A_usual_land_area_passes_and_a_partner_of_large_farms_can_raise_the_limit()
    {
        var usual = extractor.Extract(OcrDocuments.Lines("承包地面积：33.3亩"));
        var largeFarms = new LoanFormExtractor(new KnownValues { UsualMaxLandAreaMu = 1000m }).Extract(OcrDocuments.Lines("承包地面积：333亩"));

        Assert.False(usual.NeedsReview(LoanFormFields.LandAreaMu));
        Assert.Equal("333", largeFarms.Fields[LoanFormFields.LandAreaMu].Value);
        Assert.False(largeFarms.NeedsReview(LoanFormFields.LandAreaMu));
    }

    [Fact]
    public void A_village_read_with_half_of_a_labels_bracket_is_flagged()
    {
        // The value cell lost, the end of the label 村(社区) read in its place.
        var form = extractor.Extract(OcrDocuments.Page([(100, "所在村"), (600, "林社区)")]));

        Assert.True(form.NeedsReview(LoanFormFields.Village));
        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.Village && e.Message.Contains("bracket", StringComparison.Ordinal));
    }

    [Fact]
    public void The_next_cells_label_read_into_a_purpose_is_not_part_of_it()
    {
        // The purpose cell and the label 民族 beside it read as one segment.
        var form = extractor.Extract(OcrDocuments.Lines("借款用途：支付土地流转费民族"));

        Assert.Equal("支付土地流转费", form.Fields[LoanFormFields.Purpose].Value);
        // 增加收入 ends in the label 收入 as well: the cut is never accepted unseen.
        Assert.True(form.NeedsReview(LoanFormFields.Purpose));
    }

    [Fact]
    public void A_village_with_paired_brackets_passes()
    {
        var form = extractor.Extract(OcrDocuments.Page([(100, "所在村"), (600, "石桥村")], [(100, "借款用途"), (600, "购买农机(拖拉机)")]));

        Assert.False(form.NeedsReview(LoanFormFields.Village));
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.Purpose && e.Message.Contains("bracket", StringComparison.Ordinal));
    }
}
