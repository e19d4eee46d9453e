using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// Layouts where the value and what qualifies it are printed apart (a unit after the blank, a cell the engine left
/// empty), and readings that look valid but cannot be told apart from another: flagged, not guessed.
/// </summary>
public sealed class FormLayoutExtractionTests
{
    private readonly LoanFormExtractor extractor = new();

    private static bool Flagged(ExtractedForm form, string field) => form.NeedsReview(field);

    [Theory]
    [InlineData("借款期限", "2", "年", LoanFormFields.TermMonths, "24")]
    [InlineData("借款期限", "18", "个月", LoanFormFields.TermMonths, "18")]
    [InlineData("贷款金额", "3.5", "万元", LoanFormFields.RequestedAmountYuan, "35000")]
    [InlineData("家庭人口", "4", "口人", LoanFormFields.HouseholdSize, "4")]
    public void A_unit_printed_after_the_blank_belongs_to_the_figure_on_it(string label, string figure, string unit, string field, string expected)
    {
        // "借款期限 ____2____ 年": label, the figure in the middle of the blank, the unit after it.
        var form = extractor.Extract(OcrDocuments.Page([(100, label), (700, figure), (1100, unit)]));

        Assert.Equal(expected, form.Fields[field].Value);
        Assert.False(Flagged(form, field));
    }

    [Fact]
    public void A_unit_does_not_reach_past_the_next_label()
    {
        // 年龄 is a label of its own: its 年 is no unit for the term before it.
        var form = extractor.Extract(OcrDocuments.Page([(100, "借款期限"), (500, "12"), (800, "年龄"), (1100, "45")]));

        Assert.Equal("12", form.Fields[LoanFormFields.TermMonths].Value);
    }

    [Theory]
    [InlineData("借款期限：2")]
    [InlineData("借款期限：3")]
    public void A_short_term_without_a_unit_is_flagged_as_months_or_years(string line)
    {
        var form = extractor.Extract(OcrDocuments.Lines(line));

        Assert.True(Flagged(form, LoanFormFields.TermMonths));
    }

    [Fact]
    public void A_bare_term_long_enough_to_be_months_is_months()
    {
        var form = extractor.Extract(OcrDocuments.Lines("借款期限：12"));

        Assert.Equal("12", form.Fields[LoanFormFields.TermMonths].Value);
        Assert.False(Flagged(form, LoanFormFields.TermMonths));
    }

    [Fact]
    public void A_ticked_option_that_reads_as_two_options_is_flagged()
    {
        // 等额本人金 is one character from 等额本息 and from 等额本金.
        var form = extractor.Extract(OcrDocuments.Lines("还款方式：□按月付息到期还本 国等额本人金"));

        Assert.True(Flagged(form, LoanFormFields.RepaymentMethod));
    }

    [Fact]
    public void An_amount_with_a_leading_zero_is_flagged()
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请金额：08万元"));

        Assert.True(Flagged(form, LoanFormFields.RequestedAmountYuan));
    }

    [Fact]
    public void A_label_with_an_empty_cell_asks_for_a_second_look_there_and_takes_a_valid_reading()
    {
        var document = OcrDocuments.Page([(100, "手机号码"), (1400, "性别"), (1600, "男")], [(100, "姓名"), (500, "张秀英")]);

        var first = extractor.Read(document, null);

        Assert.Null(first.Form.Fields[LoanFormFields.Phone].Value);
        var region = first.Doubtful[LoanFormFields.Phone];
        // Right of the label, short of the next cell on its row.
        Assert.InRange(region.Box.Left, 220, 300);
        Assert.True(region.Box.Right < 1400, $"{region.Box.Right}");
        Assert.InRange(region.Box.Top, 90, 110);

        var again = OcrDocuments.Lines("139 1234 5678").Pages[0].Lines[0];
        var second = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.Phone] = again });

        Assert.Equal("13912345678", second.Fields[LoanFormFields.Phone].Value);
        Assert.Equal("张秀英", second.Fields[LoanFormFields.ApplicantName].Value);
    }

    [Fact]
    public void A_second_look_at_an_empty_cell_that_fails_the_pattern_leaves_the_field_missing()
    {
        var document = OcrDocuments.Page([(100, "手机号码")]);
        var again = OcrDocuments.Lines("139 12").Pages[0].Lines[0];

        var form = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.Phone] = again });

        Assert.Null(form.Fields[LoanFormFields.Phone].Value);
        Assert.True(Flagged(form, LoanFormFields.Phone));
    }
}

public sealed class LabelUnitAndDateFoldingTests
{
    private readonly LoanFormExtractor extractor = new();

    [Theory]
    [InlineData("土地面积亩)", "12.5", LoanFormFields.LandAreaMu, "12.5")]
    [InlineData("贷款期限上月)", "18", LoanFormFields.TermMonths, "18")]
    public void A_labels_unit_that_lost_its_opening_bracket_is_not_taken_for_the_value(string label, string value, string field, string expected)
    {
        var form = extractor.Extract(OcrDocuments.Page([(100, label), (700, value)]));

        Assert.Equal(expected, form.Fields[field].Value);
        Assert.False(form.NeedsReview(field));
    }

    [Fact]
    public void A_labels_unit_that_lost_its_closing_bracket_is_not_part_of_the_figure()
    {
        var form = extractor.Extract(OcrDocuments.Lines("承包地面积(亩18.9"));

        Assert.Equal("18.9", form.Fields[LoanFormFields.LandAreaMu].Value);
        Assert.False(form.NeedsReview(LoanFormFields.LandAreaMu));
    }

    [Fact]
    public void A_date_with_a_letter_read_as_a_digit_is_flagged_and_one_read_cleanly_is_not()
    {
        var guessed = extractor.Extract(OcrDocuments.Lines("申请日期：2024/SV15"));
        var clean = extractor.Extract(OcrDocuments.Lines("申请日期：2024/5/15"));

        Assert.Equal("2024-05-15", guessed.Fields[LoanFormFields.ApplicationDate].Value);
        Assert.True(guessed.NeedsReview(LoanFormFields.ApplicationDate));
        Assert.False(clean.NeedsReview(LoanFormFields.ApplicationDate));
    }
}

public sealed class DoubtfulReadingsOfferedForReviewTests
{
    private readonly LoanFormExtractor extractor = new();

    [Fact]
    public void A_date_with_a_speck_after_a_separator_is_read_and_flagged()
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请日期：2025年12月:1日"));

        Assert.Equal("2025-12-01", form.Fields[LoanFormFields.ApplicationDate].Value);
        Assert.True(form.NeedsReview(LoanFormFields.ApplicationDate));
    }

    [Fact]
    public void A_written_method_with_a_neighbours_value_run_into_it_is_offered_and_flagged()
    {
        var form = extractor.Extract(OcrDocuments.Page([(100, "还款方式"), (500, "等额本金"), (900, "德江县")]));

        Assert.Equal("等额本金", form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.True(form.NeedsReview(LoanFormFields.RepaymentMethod));
    }
}

public sealed class FoldedDigitTests
{
    [Fact]
    public void A_count_with_a_letter_taken_for_a_digit_needs_a_well_read_page_to_pass()
    {
        var extractor = new LoanFormExtractor();
        static OcrDocument Read(string value, double confidence) => OcrDocument.FromPages([new OcrPage(1, 2000, 2800,
            [new OcrLine([new OcrWord("家庭人口", new BoundingBox(100, 100, 120, 30), 0.9), new OcrWord(value, new BoundingBox(240, 100, 60, 30), confidence)])])]);

        Assert.True(extractor.Extract(Read("2D人", 0.6)).NeedsReview(LoanFormFields.HouseholdSize));
        Assert.False(extractor.Extract(Read("2人", 0.6)).NeedsReview(LoanFormFields.HouseholdSize));
    }
}

public sealed class MisreadCapitalsTests
{
    [Theory]
    [InlineData("拥什元整", "8000")]
    [InlineData("喜拾万元整", "100000")]
    public void Capitals_read_with_look_alike_characters_are_offered_and_flagged(string read, string yuan)
    {
        var form = new LoanFormExtractor().Extract(OcrDocuments.Lines("申请金额：" + read));

        Assert.Equal(yuan, form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.True(form.NeedsReview(LoanFormFields.RequestedAmountYuan));
    }
}

public sealed class HeaderItemsReadTogetherTests
{
    [Fact]
    public void Two_header_items_read_as_one_are_split_at_the_second_label_even_misread()
    {
        // 填表日期 read as 质表日期, with no wide gap between the two items.
        var form = new LoanFormExtractor().Extract(OcrDocuments.Lines("合作机构代码:HZS46397778质表日期:2026-04-26"));

        Assert.Equal("HZS46397778", form.Fields[LoanFormFields.PartnerCode].Value);
        Assert.Equal("2026-04-26", form.Fields[LoanFormFields.ApplicationDate].Value);
    }

    [Fact]
    public void A_longer_second_label_is_cut_where_it_starts_not_inside_the_first_value()
    {
        var form = new LoanFormExtractor().Extract(OcrDocuments.Lines("服务站编号:VB-2024-07借款申请日期:2024/3/15"));

        Assert.Equal("VB-2024-07", form.Fields[LoanFormFields.PartnerCode].Value);
        Assert.Equal("2024-03-15", form.Fields[LoanFormFields.ApplicationDate].Value);
    }
}

public sealed class UnusualNameCharacterTests
{
    private static OcrDocument Name(string value, double confidence) => OcrDocument.FromPages([new OcrPage(1, 2000, 2800,
        [new OcrLine([new OcrWord("申请人姓名", new BoundingBox(100, 100, 150, 30), 0.95), new OcrWord(value, new BoundingBox(300, 100, 90, 30), confidence)])])]);

    [Fact]
    public void A_name_with_a_character_names_rarely_use_is_flagged_unless_read_with_full_confidence()
    {
        var extractor = new LoanFormExtractor();

        // 霞 read as 起: a real character, but rarely one of a name.
        Assert.True(extractor.Extract(Name("马丽起", 0.85)).NeedsReview(LoanFormFields.ApplicantName));
        Assert.False(extractor.Extract(Name("马丽霞", 0.85)).NeedsReview(LoanFormFields.ApplicantName));
        // A text layer reads as printed: a rare name stays as it is.
        Assert.False(extractor.Extract(Name("马丽起", 1.0)).NeedsReview(LoanFormFields.ApplicantName));
    }
}

public sealed class ValueBelowTests
{
    [Fact]
    public void A_value_below_its_label_wins_over_a_misread_label_to_the_right_that_fails_the_pattern()
    {
        // 手机 over its number; to its right the next box's label 证件号码, misread (证仵号玛) and so not known as a label.
        var form = new LoanFormExtractor().Extract(OcrDocuments.Page(
            [(100, "手机"), (700, "证仵号玛")],
            [(100, "13912345678"), (700, "130131198503120019")]));

        Assert.Equal("13912345678", form.Fields[LoanFormFields.Phone].Value);
    }
}

public sealed class SecondLookReviewTests
{
    [Fact]
    public void A_figure_only_the_second_look_made_out_is_taken_but_confirmed_by_a_person()
    {
        var extractor = new LoanFormExtractor();
        var document = OcrDocuments.Lines("耕地面积：as", "联系电话：139 1234 567");
        var again = new Dictionary<string, OcrLine>
        {
            [LoanFormFields.LandAreaMu] = OcrDocuments.Lines("11.3").Pages[0].Lines[0],
            [LoanFormFields.Phone] = OcrDocuments.Lines("139 1234 5678").Pages[0].Lines[0],
        };

        var form = extractor.Extract(document, again);

        Assert.Equal("11.3", form.Fields[LoanFormFields.LandAreaMu].Value);
        Assert.True(form.NeedsReview(LoanFormFields.LandAreaMu));
        // A mobile number's shape is a strong enough check: the second reading stands.
        Assert.Equal("13912345678", form.Fields[LoanFormFields.Phone].Value);
        Assert.False(form.NeedsReview(LoanFormFields.Phone));
    }
}

public sealed class UnlabelledRepaymentMethodTests
{
    [Fact]
    public void A_repayment_method_written_out_is_found_when_its_label_was_not_read()
    {
        // The shaded label cell read as junk; the method itself is unmistakable.
        var form = new LoanFormExtractor().Extract(OcrDocuments.Page([(100, "asx"), (500, "到期一次还本付息")], [(100, "姓名"), (500, "张秀英")]));

        Assert.Equal("到期一次还本付息", form.Fields[LoanFormFields.RepaymentMethod].Value);
    }

    [Fact]
    public void A_fragment_that_only_resembles_a_method_is_not_taken_without_its_label()
    {
        var form = new LoanFormExtractor().Extract(OcrDocuments.Page([(100, "asx"), (500, "等额本")]));

        Assert.Null(form.Fields[LoanFormFields.RepaymentMethod].Value);
    }
}

public sealed class MisreadShortLabelTests
{
    private readonly LoanFormExtractor extractor = new();

    [Fact]
    public void A_three_character_label_with_one_character_misread_is_found_before_a_colon_or_as_a_whole_cell()
    {
        var colon = extractor.Extract(OcrDocuments.Lines("背款人：张秀英"));
        var cell = extractor.Extract(OcrDocuments.Page([(100, "背款人"), (500, "李桂英")]));

        Assert.Equal("张秀英", colon.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("李桂英", cell.Fields[LoanFormFields.ApplicantName].Value);
    }

    [Fact]
    public void Three_characters_one_off_a_label_inside_a_value_are_not_a_label()
    {
        // 背款人员 runs on: not a label followed by a colon or standing alone.
        Assert.Null(LoanFormExtractor.MatchLabel("背款人员名单"));
        Assert.NotNull(LoanFormExtractor.MatchLabel("背款人:"));
    }
}

public sealed class NearPartnerCodeTests
{
    [Fact]
    public void A_code_with_one_character_of_its_fixed_part_misread_is_offered_and_flagged()
    {
        var form = new LoanFormExtractor().Extract(OcrDocuments.Lines("合作机构代码：MEI446"));

        Assert.Equal("MFI446", form.Fields[LoanFormFields.PartnerCode].Value);
        Assert.True(form.NeedsReview(LoanFormFields.PartnerCode));
    }
}

public sealed class AmountWithForeignWordsTests
{
    [Fact]
    public void Figures_run_together_with_words_no_amount_is_written_with_are_flagged()
    {
        var form = new LoanFormExtractor().Extract(OcrDocuments.Lines("申请金额：家放年收先47000"));

        Assert.True(form.NeedsReview(LoanFormFields.RequestedAmountYuan));
    }
}

public sealed class MisreadCurrencyMarkTests
{
    [Fact]
    public void Figures_after_a_yuan_sign_read_as_a_chinese_character_are_offered_and_flagged()
    {
        var form = new LoanFormExtractor().Extract(OcrDocuments.Lines("申请金额：圣30.000.00"));

        Assert.Equal("30000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.True(form.NeedsReview(LoanFormFields.RequestedAmountYuan));
    }
}
