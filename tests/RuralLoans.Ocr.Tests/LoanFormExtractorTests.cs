using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

public sealed class LoanFormExtractorTests
{
    private readonly LoanFormExtractor extractor = new();

    [Fact]
    public void Misread_borrower_labels_still_find_their_fields()
    {
        // chi_sim fast reads 借 as 背, 昔, 篆 or 沸 in almost every 借款… label.
        var form = extractor.Extract(OcrDocuments.Lines("背款人姓名：张秀英", "昔款金额：30,000元", "沸款期限：12个月"));

        Assert.Equal("张秀英", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("30000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.Equal("12", form.Fields[LoanFormFields.TermMonths].Value);
    }

    [Theory]
    [InlineData("30000", "30000")]
    [InlineData("30,000", "30000")]
    [InlineData("30.000", "30000")]
    [InlineData("３０，０００元", "30000")]
    [InlineData("3万", "30000")]
    [InlineData("3.5万元", "35000")]
    [InlineData("¥12,500.50", "12500.5")]
    public void Amounts_are_normalised_to_yuan(string printed, string yuan)
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请金额：" + printed));

        Assert.Equal(yuan, form.Fields[LoanFormFields.RequestedAmountYuan].Value);
    }

    [Theory]
    [InlineData("2024-03-15")]
    [InlineData("2024/3/15")]
    [InlineData("2024年3月15日")]
    [InlineData("２０２４年３月１５日")]
    [InlineData("2024.03.15")]
    public void Dates_are_normalised_to_iso(string printed)
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请日期:" + printed));

        Assert.Equal("2024-03-15", form.Fields[LoanFormFields.ApplicationDate].Value);
    }

    [Theory]
    [InlineData("2024/10V6", "2024-10-06")]
    [InlineData("2024年10月:日", "2024-10-01")]
    [InlineData("2026年)月5日", "2026-01-05")]
    public void Dates_survive_a_misread_separator_or_a_one_read_as_punctuation(string read, string iso)
    {
        // chi_sim reads the / of 2024/10/6 as V, and the 1 of 10月1日 or 1月5日 as : or ).
        var form = extractor.Extract(OcrDocuments.Lines("申请日期:" + read));

        Assert.Equal(iso, form.Fields[LoanFormFields.ApplicationDate].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.ApplicationDate);
    }

    [Fact]
    public void A_date_with_a_character_where_a_number_should_be_is_reported()
    {
        // 8月 read as 明: nothing says which number it was.
        var form = extractor.Extract(OcrDocuments.Lines("申请日期:2024年明11日"));

        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.ApplicationDate);
    }

    [Fact]
    public void An_amount_whose_label_was_misread_beyond_matching_is_found_by_its_currency()
    {
        // 申请金额 read as 申请立怒: two of four characters wrong, too far for a label match.
        var form = extractor.Extract(OcrDocuments.Lines("姓名：张秀英", "申请立怒：1万元", "家庭人口：4"));

        Assert.Equal("10000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.Equal("4", form.Fields[LoanFormFields.HouseholdSize].Value);
    }

    [Fact]
    public void A_bare_number_without_its_label_is_not_taken_for_the_amount()
    {
        var form = extractor.Extract(OcrDocuments.Lines("姓名：张秀英", "申请立怒：30000"));

        Assert.Null(form.Fields[LoanFormFields.RequestedAmountYuan].Value);
    }

    [Fact]
    public void A_county_whose_label_lost_a_character_is_found_after_the_colon()
    {
        // 县区：望谟县 read as 区：望谋县 — the label is too short to match, the value snaps to a lending-region county.
        var form = extractor.Extract(OcrDocuments.Lines("姓名：张秀英", "区：望谋县"));

        Assert.Equal("望谟县", form.Fields[LoanFormFields.County].Value);
    }

    [Fact]
    public void A_value_failing_its_pattern_is_reported_with_where_it_was_read()
    {
        var reading = extractor.Read(OcrDocuments.Lines("姓名：张秀英", "乡(镇)：三合"), null);

        Assert.Null(reading.Form.Errors.SingleOrDefault(e => e.Field == LoanFormFields.ApplicantName));
        Assert.Contains(reading.Form.Errors, e => e.Field == LoanFormFields.Township);
        var region = reading.Doubtful[LoanFormFields.Township];
        // The name, read with less than near certainty and with no pattern of its own, rides along in that second look.
        Assert.Equal([LoanFormFields.ApplicantName, LoanFormFields.Township], reading.Doubtful.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, region.PageNumber);
        Assert.InRange(region.Box.Top, 150, 170);
    }

    [Fact]
    public void A_second_look_replaces_a_failing_value_only_when_it_passes()
    {
        // 三合乡 is a township of 静宁县 in the national list; without a county it could not be checked.
        var document = OcrDocuments.Lines("姓名：张秀英", "乡(镇)：三合", "所在村：柳树村", "县区：静宁县");
        var passing = OcrDocuments.Lines(")：三合乡").Pages[0].Lines[0];
        var failing = OcrDocuments.Lines("三合").Pages[0].Lines[0];

        var repaired = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.Township] = passing, [LoanFormFields.Village] = failing });
        var unrepaired = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.Township] = failing });

        Assert.Equal("三合乡", repaired.Fields[LoanFormFields.Township].Value);
        Assert.DoesNotContain(repaired.Errors, e => e.Field == LoanFormFields.Township);
        Assert.Equal("柳树村", repaired.Fields[LoanFormFields.Village].Value);
        Assert.Equal("三合", unrepaired.Fields[LoanFormFields.Township].Value);
        Assert.Contains(unrepaired.Errors, e => e.Field == LoanFormFields.Township);
    }

    [Fact]
    public void Full_width_digits_and_colons_are_folded()
    {
        var form = extractor.Extract(OcrDocuments.Lines("联系电话：１３８００１３８０００", "家庭人口：４人"));

        Assert.Equal("13800138000", form.Fields[LoanFormFields.Phone].Value);
        Assert.Equal("4", form.Fields[LoanFormFields.HouseholdSize].Value);
    }

    [Fact]
    public void An_id_number_with_a_wrong_check_character_is_reported_and_loses_confidence()
    {
        var valid = extractor.Extract(OcrDocuments.Lines("身份证号码：11010519491231002X"));
        var misread = extractor.Extract(OcrDocuments.Lines("身份证号码：110105194912310021"));

        Assert.Equal("11010519491231002X", valid.Fields[LoanFormFields.IdNumber].Value);
        Assert.DoesNotContain(valid.Errors, e => e.Field == LoanFormFields.IdNumber);
        Assert.Contains(misread.Errors, e => e.Field == LoanFormFields.IdNumber && e.Message.Contains("check character", StringComparison.Ordinal));
        Assert.True(misread.Fields[LoanFormFields.IdNumber].Confidence < valid.Fields[LoanFormFields.IdNumber].Confidence / 2);
    }

    [Fact]
    public void A_phone_number_that_is_not_a_mobile_number_loses_confidence()
    {
        var valid = extractor.Extract(OcrDocuments.Lines("手机号码：13912345678"));
        var invalid = extractor.Extract(OcrDocuments.Lines("手机号码：1291234567"));

        Assert.Contains(invalid.Errors, e => e.Field == LoanFormFields.Phone);
        Assert.True(invalid.Fields[LoanFormFields.Phone].Confidence < valid.Fields[LoanFormFields.Phone].Confidence / 2);
    }

    [Fact]
    public void Table_cells_and_two_column_rows_pair_labels_with_the_value_to_their_right()
    {
        var form = extractor.Extract(OcrDocuments.Page(
            [(100, "姓名"), (400, "李建国"), (900, "身份证号码"), (1200, "11010519491231002X")],
            [(100, "所在村"), (400, "石桥村"), (900, "乡镇"), (1200, "柳树镇")]));

        Assert.Equal("李建国", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("11010519491231002X", form.Fields[LoanFormFields.IdNumber].Value);
        Assert.Equal("石桥村", form.Fields[LoanFormFields.Village].Value);
        Assert.Equal("柳树镇", form.Fields[LoanFormFields.Township].Value);
    }

    [Fact]
    public void Near_misses_of_known_vocabulary_are_snapped_with_lower_confidence()
    {
        var form = extractor.Extract(OcrDocuments.Lines("还款方式：按月付息到期还木", "种养项目：游菜种植"));

        Assert.Equal("按月付息到期还本", form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.Equal("蔬菜种植", form.Fields[LoanFormFields.FarmingProject].Value);
        Assert.True(form.Fields[LoanFormFields.RepaymentMethod].Confidence < 0.9);
    }

    [Fact]
    public void A_reading_equally_close_to_two_repayment_methods_is_not_guessed()
    {
        // 等额本恩 is one character from both 等额本息 and 等额本金.
        var form = extractor.Extract(OcrDocuments.Lines("还款方式：等额本恩"));

        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.RepaymentMethod);
    }

    [Fact]
    public void Missing_fields_are_reported_with_null_values()
    {
        var form = extractor.Extract(OcrDocuments.Lines("借款人姓名：王芳"));

        Assert.Equal(LoanFormFields.All, form.Fields.Keys);
        Assert.Null(form.Fields[LoanFormFields.Purpose].Value);
        Assert.Equal(0, form.Fields[LoanFormFields.Purpose].Confidence);
        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.Purpose);
    }

    [Fact]
    public void Key_value_pairs_from_the_engine_are_used_directly()
    {
        var document = new OcrDocument([], [new OcrKeyValue("借款人姓名", "赵丽", 0.97), new OcrKeyValue("申请金额", "5万元", 0.9)]);

        var form = extractor.Extract(document);

        Assert.Equal("赵丽", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("50000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
    }
}
