using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// Values that two independent readings or two fields agree on pass without a person's look; values a second reading
/// contradicts are flagged.
/// </summary>
public sealed class CorroborationTests
{
    // 平山县 (130131); born 1985, so 39 on the application date below.
    private static readonly string PingshanId = WithCheck("13013119850312001");

    // 望奎县 (231221) is outside the default lending region, one character from its 望谟县.
    private static readonly string WangkuiId = WithCheck("23122119800101002");

    private readonly LoanFormExtractor extractor = new();

    private static string WithCheck(string body) => body + ResidentIdentity.CheckCharacter(body);

    /// <summary>One "label value" row per item, the value read with the given confidence, as an engine reports an image.</summary>
    private static OcrDocument Rows(params (string Label, string Value, double Confidence)[] rows) => OcrDocument.FromPages([new OcrPage(1, 2000, 2800,
        rows.Select((row, i) => new OcrLine([
            new OcrWord(row.Label, new BoundingBox(100, 100 + (i * 60), 30 * row.Label.Length, 30), 0.95),
            new OcrWord(row.Value, new BoundingBox(600, 100 + (i * 60), 30 * row.Value.Length, 30), row.Confidence),
        ])).ToList())]);

    private static OcrLine Line(string text, double confidence) =>
        new([new OcrWord(text, new BoundingBox(0, 0, 30 * text.Length, 30), confidence)]);

    [Fact]
    public void A_whole_number_land_area_from_an_image_is_read_again_and_flagged_when_the_second_reading_differs()
    {
        var document = Rows(("土地面积(亩)", "73", 0.91));

        var first = extractor.Read(document, null);
        var contradicted = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.LandAreaMu] = Line("7.3", 0.8) });
        var confirmed = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.LandAreaMu] = Line("73", 0.8) });

        Assert.False(first.Form.NeedsReview(LoanFormFields.LandAreaMu));
        Assert.True(first.Doubtful.ContainsKey(LoanFormFields.LandAreaMu));
        Assert.True(contradicted.NeedsReview(LoanFormFields.LandAreaMu));
        Assert.Contains(contradicted.Errors, e => e.Field == LoanFormFields.LandAreaMu && e.Message.Contains("7.3", StringComparison.Ordinal));
        Assert.False(confirmed.NeedsReview(LoanFormFields.LandAreaMu));
        Assert.Equal("73", confirmed.Fields[LoanFormFields.LandAreaMu].Value);
    }

    [Fact]
    public void A_second_reading_with_stray_marks_around_another_figure_still_contradicts_the_first()
    {
        var document = Rows(("土地面积(亩)", "1039", 0.82));

        var form = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.LandAreaMu] = Line("阔109", 0.4) });

        Assert.True(form.NeedsReview(LoanFormFields.LandAreaMu));
    }

    [Fact]
    public void Decimal_land_areas_and_a_text_layers_whole_numbers_are_not_read_again()
    {
        Assert.False(extractor.Read(Rows(("土地面积(亩)", "7.3", 0.91)), null).Doubtful.ContainsKey(LoanFormFields.LandAreaMu));
        Assert.False(extractor.Read(Rows(("土地面积(亩)", "73", 1.0)), null).Doubtful.ContainsKey(LoanFormFields.LandAreaMu));
    }

    [Fact]
    public void An_id_that_passes_its_check_and_names_the_forms_county_is_accepted_however_faintly_read()
    {
        var agreeing = extractor.Extract(Rows(("身份证号码", PingshanId, 0.4), ("县(区)", "平山县", 0.95), ("申请日期", "2024-03-15", 0.95)));
        var alone = extractor.Extract(Rows(("身份证号码", PingshanId, 0.4), ("申请日期", "2024-03-15", 0.95)));
        // Specks cut away to find the number: the reading is not the number as printed.
        var specked = extractor.Extract(Rows(("身份证号码", "7" + PingshanId, 0.4), ("县(区)", "平山县", 0.95), ("申请日期", "2024-03-15", 0.95)));

        Assert.Equal(PingshanId, agreeing.Fields[LoanFormFields.IdNumber].Value);
        Assert.False(agreeing.NeedsReview(LoanFormFields.IdNumber));
        Assert.True(alone.NeedsReview(LoanFormFields.IdNumber));
        Assert.True(specked.NeedsReview(LoanFormFields.IdNumber));
    }

    [Fact]
    public void A_township_one_character_off_in_the_ids_county_is_that_township()
    {
        var misread = extractor.Extract(Rows(("身份证号码", PingshanId, 0.95), ("县(区)", "平山县", 0.95), ("乡镇", "温糖镇", 0.8), ("申请日期", "2024-03-15", 0.95)));
        // 乡 for 镇: a township renamed since the list was made reads the same, so the kind of place is never repaired.
        var otherKind = extractor.Extract(Rows(("身份证号码", PingshanId, 0.95), ("县(区)", "平山县", 0.95), ("乡镇", "温塘乡", 0.8), ("申请日期", "2024-03-15", 0.95)));
        // Without the ID the county stands alone: offered, flagged.
        var noId = extractor.Extract(Rows(("县(区)", "平山县", 0.95), ("乡镇", "温糖镇", 0.8)));

        Assert.Equal("温塘镇", misread.Fields[LoanFormFields.Township].Value);
        Assert.False(misread.NeedsReview(LoanFormFields.Township));
        Assert.True(otherKind.NeedsReview(LoanFormFields.Township));
        Assert.Equal("温塘镇", noId.Fields[LoanFormFields.Township].Value);
        Assert.True(noId.NeedsReview(LoanFormFields.Township));
    }

    [Fact]
    public void A_county_read_one_character_off_the_ids_is_the_ids_even_when_a_lending_region_county_is_as_near()
    {
        // 望甸县 is no county; it is one character from both the lending region's 望谟县 and the ID's 望奎县.
        var form = extractor.Extract(Rows(("身份证号码", WangkuiId, 0.95), ("县(区)", "望甸县", 0.9), ("申请日期", "2024-03-15", 0.95)));

        Assert.Equal("望奎县", form.Fields[LoanFormFields.County].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.County);
    }

    [Fact]
    public void On_a_poor_page_a_farming_project_read_exactly_as_listed_passes_and_one_snapped_to_the_list_does_not()
    {
        // Four fields that fail their checks make the page a poor one.
        (string, string, double)[] poor = [("手机号码", "1391", 0.5), ("身份证号码", "1301", 0.5), ("申请日期", "20x4", 0.5), ("家庭人口", "x", 0.5)];

        var exact = extractor.Extract(Rows([.. poor, ("种养项目", "肉牛养殖", 0.7)]));
        var snapped = extractor.Extract(Rows([.. poor, ("种养项目", "肉牛养植", 0.7)]));

        Assert.Equal("肉牛养殖", exact.Fields[LoanFormFields.FarmingProject].Value);
        Assert.False(exact.NeedsReview(LoanFormFields.FarmingProject));
        Assert.Equal("肉牛养殖", snapped.Fields[LoanFormFields.FarmingProject].Value);
        Assert.True(snapped.NeedsReview(LoanFormFields.FarmingProject));
    }
}
