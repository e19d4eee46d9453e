using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>Forms of other partners: their wordings, layouts, value formats, and the cross-checks that flag instead of guessing.</summary>
public sealed class PartnerFormExtractionTests
{
    // 平山县 (130131) is outside the default lending region; its ID body below is valid with check character 9.
    private const string PingshanId = "130131198503120019";

    private readonly LoanFormExtractor extractor = new();

    private static bool Flagged(ExtractedForm form, string field) => form.Errors.Any(e => e.Field == field);

    [Theory]
    [InlineData("叁万元整", "30000")]
    [InlineData("人民币叁万伍仟元整", "35000")]
    [InlineData("壹拾万元", "100000")]
    [InlineData("¥30,000.00（大写：叁万元整）", "30000")]
    [InlineData("30，000元", "30000")]
    // ¥ read as Y or #, and the thousands comma read as a comma and a stop, as OCR of a Ming face gives them.
    [InlineData("Y60.000.00", "60000")]
    [InlineData("Y#60,.000.00", "60000")]
    public void Amounts_in_capitals_and_with_separators_are_read_in_yuan(string printed, string yuan)
    {
        var form = extractor.Extract(OcrDocuments.Lines("贷款额度(元)：" + printed));

        Assert.Equal(yuan, form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.False(Flagged(form, LoanFormFields.RequestedAmountYuan));
    }

    [Fact]
    public void Figures_and_capitals_that_disagree_are_flagged()
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请金额：¥30,000（大写：叁仟元整）"));

        Assert.True(Flagged(form, LoanFormFields.RequestedAmountYuan));
    }

    [Fact]
    public void An_amount_outside_the_products_range_is_flagged_not_corrected()
    {
        var narrow = new LoanFormExtractor(new KnownValues { MaxAmountYuan = 50_000 });

        var form = narrow.Extract(OcrDocuments.Lines("申请金额：80000元"));

        Assert.Equal("80000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.True(Flagged(form, LoanFormFields.RequestedAmountYuan));
    }

    [Theory]
    [InlineData("□等额本息 ■等额本金 □按月付息到期还本 □到期一次还本付息", "等额本金")]
    [InlineData("☑等额本息 □等额本金", "等额本息")]
    [InlineData("口等额本息 口等额本金 √按月付息到期还本", "按月付息到期还本")]
    [InlineData("Vv到期一次还本付息5等额本息5等额本金", "到期一次还本付息")]
    public void The_ticked_box_is_the_repayment_method(string printed, string method)
    {
        var form = extractor.Extract(OcrDocuments.Lines("还款方式：" + printed));

        Assert.Equal(method, form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.False(Flagged(form, LoanFormFields.RepaymentMethod));
    }

    [Theory]
    [InlineData("□等额本息 □等额本金 □按月付息到期还本")]
    [InlineData("■等额本息 ■等额本金 □按月付息到期还本")]
    [InlineData("D到期一次还本付息0按月付息到期还本")]
    // Boxes read as digits say nothing about which is empty: a ticked box reads as 0 as readily as an empty one as 9
    // (or 5 in a Hei face), so neither the odd one out nor the one with no mark read is taken.
    [InlineData("9等额本息0等额本金0按月付息到期还本")]
    [InlineData("0等额本息9等额本金 0到期一次还本付息")]
    [InlineData("5按月付息到期还本5等额本息等额本金")]
    public void No_tick_or_two_ticks_are_flagged(string printed)
    {
        var form = extractor.Extract(OcrDocuments.Lines("还款方式：" + printed));

        Assert.True(Flagged(form, LoanFormFields.RepaymentMethod));
    }

    [Fact]
    public void Checkboxes_spread_over_the_cells_of_a_row_are_read_together()
    {
        var form = extractor.Extract(OcrDocuments.Page([(100, "还款方式"), (500, "□等额本息"), (900, "■等额本金"), (1300, "□按月付息到期还本")]));

        Assert.Equal("等额本金", form.Fields[LoanFormFields.RepaymentMethod].Value);
    }

    [Fact]
    public void A_value_printed_on_the_line_below_its_label_is_found()
    {
        var form = extractor.Extract(OcrDocuments.Page(
            [(100, "客户姓名"), (900, "手机")],
            [(100, "李桂英"), (900, "139 1234 5678")],
            [(100, "借款期限"), (900, "贷款用途")],
            [(100, "三年"), (900, "购买化肥种子")]));

        Assert.Equal("李桂英", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("13912345678", form.Fields[LoanFormFields.Phone].Value);
        Assert.Equal("36", form.Fields[LoanFormFields.TermMonths].Value);
        Assert.Equal("购买化肥种子", form.Fields[LoanFormFields.Purpose].Value);
    }

    [Fact]
    public void Fields_we_do_not_use_never_lend_their_values_to_ours()
    {
        var form = extractor.Extract(OcrDocuments.Page(
            [(100, "担保人姓名"), (500, "王德明"), (900, "性别"), (1200, "男")],
            [(100, "紧急联系人电话"), (500, "13800138000"), (900, "年收入(元)"), (1200, "30000元")],
            [(100, "编号"), (500, "HB123456")]));

        Assert.Null(form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Null(form.Fields[LoanFormFields.Phone].Value);
        Assert.Null(form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.Null(form.Fields[LoanFormFields.PartnerCode].Value);
    }

    [Theory]
    [InlineData("HB123456", "HB123456")]
    [InlineData("MFI0O7", "MFI007")]
    [InlineData("VB-2024-07", "VB-2024-07")]
    [InlineData("HZS2024O315", "HZS20240315")]
    public void Partner_codes_of_each_configured_format_are_read(string printed, string code)
    {
        var form = extractor.Extract(OcrDocuments.Lines("推荐人编号：" + printed));

        Assert.Equal(code, form.Fields[LoanFormFields.PartnerCode].Value);
        Assert.False(Flagged(form, LoanFormFields.PartnerCode));
    }

    [Fact]
    public void A_code_that_two_formats_explain_equally_well_is_flagged()
    {
        // MS034135 (AA999999) read with its 0 as D is also NSD34135, a code of the AAA-99999 format without its hyphen.
        var form = extractor.Extract(OcrDocuments.Lines("合作机构代码：NSD34135"));

        Assert.True(Flagged(form, LoanFormFields.PartnerCode));
    }

    [Fact]
    public void Figures_next_to_unreadable_capitals_stand_and_a_bracketed_unit_is_not_the_value()
    {
        var form = extractor.Extract(OcrDocuments.Lines("申请金额：15,000(大写:喜万伍什元整)", "土地面积(亩)：12.5"));

        Assert.Equal("15000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.Equal("12.5", form.Fields[LoanFormFields.LandAreaMu].Value);
    }

    [Fact]
    public void A_partner_adds_its_wording_and_code_format_with_a_file_and_no_code()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                { "fields": { "applicantName": ["贷户{名称|称谓}"], "partnerCode": ["介绍网点"] },
                  "formats": [ { "partner": "Qingxi co-op", "mask": "QX-999" } ] }
                """);
            var partner = new LoanFormExtractor(new KnownValues { Vocabulary = FormVocabulary.LoadWith([file]) });

            var before = extractor.Extract(OcrDocuments.Lines("贷户称谓：张秀英", "介绍网点：QX-015"));
            var after = partner.Extract(OcrDocuments.Lines("贷户称谓：张秀英", "介绍网点：QX-015"));

            Assert.Null(before.Fields[LoanFormFields.ApplicantName].Value);
            Assert.Equal("张秀英", after.Fields[LoanFormFields.ApplicantName].Value);
            Assert.Equal("QX-015", after.Fields[LoanFormFields.PartnerCode].Value);
            Assert.False(Flagged(after, LoanFormFields.PartnerCode));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_county_outside_the_lending_region_is_read_when_it_exists_nationally()
    {
        var form = extractor.Extract(OcrDocuments.Lines("身份证号码：" + PingshanId, "县(区)：平山县", "乡镇：温塘镇", "申请日期：2024-03-15"));

        Assert.Equal("平山县", form.Fields[LoanFormFields.County].Value);
        Assert.Equal("温塘镇", form.Fields[LoanFormFields.Township].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field is LoanFormFields.County or LoanFormFields.Township or LoanFormFields.IdNumber);
    }

    [Fact]
    public void A_county_that_disagrees_with_the_ids_region_code_is_flagged()
    {
        var form = extractor.Extract(OcrDocuments.Lines("身份证号码：" + PingshanId, "县(区)：阜平县"));

        Assert.Equal("阜平县", form.Fields[LoanFormFields.County].Value);
        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.County && e.Message.Contains("平山县", StringComparison.Ordinal));
    }

    [Fact]
    public void A_township_not_in_the_county_is_flagged_and_one_a_character_off_is_offered_for_confirmation()
    {
        var wrong = extractor.Extract(OcrDocuments.Lines("县(区)：平山县", "乡镇：柳树镇"));
        var misread = extractor.Extract(OcrDocuments.Lines("县(区)：平山县", "乡镇：温糖镇"));

        Assert.True(Flagged(wrong, LoanFormFields.Township));
        Assert.Equal("温塘镇", misread.Fields[LoanFormFields.Township].Value);
        Assert.Contains(misread.Errors, e => e.Field == LoanFormFields.Township && e.Message.Contains("温塘镇", StringComparison.Ordinal));
    }

    [Fact]
    public void A_real_county_one_character_from_the_ids_county_is_not_changed_to_it()
    {
        // 平江县 (430626) and 平山县 (130131) differ in one character; someone from 平山 may live in 平江 now.
        var form = extractor.Extract(OcrDocuments.Lines("身份证号码：" + PingshanId, "县(区)：平江县"));

        Assert.Equal("平江县", form.Fields[LoanFormFields.County].Value);
        Assert.True(Flagged(form, LoanFormFields.County));
    }

    [Fact]
    public void A_county_name_that_does_not_exist_is_flagged()
    {
        var form = extractor.Extract(OcrDocuments.Lines("县(区)：大风车县"));

        Assert.True(Flagged(form, LoanFormFields.County));
    }

    [Fact]
    public void A_stated_age_that_disagrees_with_the_ids_birth_date_flags_the_id()
    {
        var agreeing = extractor.Extract(OcrDocuments.Lines("身份证号码：" + PingshanId, "年龄：39", "申请日期：2024-03-15"));
        var disagreeing = extractor.Extract(OcrDocuments.Lines("身份证号码：" + PingshanId, "年龄：45", "申请日期：2024-03-15"));

        Assert.False(Flagged(agreeing, LoanFormFields.IdNumber));
        Assert.Contains(disagreeing.Errors, e => e.Field == LoanFormFields.IdNumber && e.Message.Contains("45", StringComparison.Ordinal));
    }

    [Fact]
    public void An_id_with_a_speck_read_as_a_letter_is_read_without_it_and_flagged_when_another_reading_also_checks_out()
    {
        // Folding the speck S to 5 gives 19 digits, and the window 116255196302156444 happens to pass the check too.
        var form = extractor.Extract(OcrDocuments.Lines("身份证号码：411625S196302156444"));

        Assert.Equal("411625196302156444", form.Fields[LoanFormFields.IdNumber].Value);
        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.IdNumber && e.Message.Contains("116255196302156444", StringComparison.Ordinal));
    }

    [Fact]
    public void An_id_with_one_reading_that_checks_out_among_extra_characters_is_taken()
    {
        var form = extractor.Extract(OcrDocuments.Lines("身份证号码：3" + PingshanId));

        Assert.Equal(PingshanId, form.Fields[LoanFormFields.IdNumber].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.IdNumber);
    }

    [Fact]
    public void An_id_with_extra_characters_is_not_guessed_when_two_windows_check_out()
    {
        // 7130131198503120019: both 713013119850312001 and 130131198503120019 pass the check character.
        var form = extractor.Extract(OcrDocuments.Lines("身份证号码：7" + PingshanId));

        Assert.Contains(form.Errors, e => e.Field == LoanFormFields.IdNumber && e.Message.Contains(PingshanId, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("4口人", "4")]
    [InlineData("12.5亩", "12.5")]
    [InlineData("五人", "5")]
    public void Counts_with_units_or_in_chinese_are_read(string printed, string count)
    {
        var field = printed.EndsWith('亩') ? LoanFormFields.LandAreaMu : LoanFormFields.HouseholdSize;
        var form = extractor.Extract(OcrDocuments.Lines((field == LoanFormFields.LandAreaMu ? "耕地面积：" : "家庭成员数：") + printed));

        Assert.Equal(count, form.Fields[field].Value);
        Assert.False(Flagged(form, field));
    }

    [Theory]
    [InlineData("29.)亩")]
    [InlineData("1n5")]
    [InlineData("职(亩)1")]
    public void A_number_read_with_a_stray_character_is_flagged(string read)
    {
        var form = extractor.Extract(OcrDocuments.Lines("耕地面积：" + read));

        Assert.True(Flagged(form, LoanFormFields.LandAreaMu));
    }

    [Fact]
    public void A_partner_file_naming_an_unknown_field_is_refused_with_the_known_fields()
    {
        var error = Assert.Throws<OcrException>(() => FormVocabulary.FromJson("""{ "fields": { "borrowerName": ["贷户名称"] } }"""));

        Assert.Contains("borrowerName", error.Message, StringComparison.Ordinal);
        Assert.Contains(LoanFormFields.ApplicantName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_label_pattern_in_the_shipped_dictionary_expands()
    {
        Assert.Equal(["借款人姓名", "申请人姓名", "姓名"], FormVocabulary.Expand("{借款人|申请人|}姓名"));
        Assert.Contains(FormVocabulary.Default.Labels, l => l.Field == LoanFormFields.ApplicantName && l.Label == "客户姓名");
        Assert.Contains(FormVocabulary.Default.Labels, l => l.Kind == LabelKind.Ignored && l.Label == "紧急联系人电话");
    }
}
