using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>
/// Mobile numbers, dates, partner codes, amounts, land areas, terms and household sizes have no check digit, names and
/// places no pattern: a value read with some doubt is read a second time, and is accepted only when the second reading
/// names the same value.
/// </summary>
public sealed class SecondReadingTests
{
    private readonly LoanFormExtractor extractor = new();

    [Theory]
    [InlineData(LoanFormFields.Phone, "联系电话：", "13912345674", "13912345673", 0.72)]
    [InlineData(LoanFormFields.ApplicationDate, "申请日期：", "2026-04-24", "2025-04-24", 0.72)]
    [InlineData(LoanFormFields.PartnerCode, "合作机构代码：", "NSD-34135", "XSD-34135", 0.72)]
    // Free text has no pattern at all: read twice unless read almost surely.
    [InlineData(LoanFormFields.Village, "所在村：", "水和村", "永和村", 0.9)]
    [InlineData(LoanFormFields.Purpose, "借款用途：", "购买菜苗", "购买茶苗", 0.9)]
    public void A_doubtful_value_a_second_reading_names_differently_is_flagged(string field, string label, string first, string second, double confidence)
    {
        var document = Form(label, first, confidence);

        var reading = extractor.Read(document, null);
        Assert.True(reading.Doubtful.ContainsKey(field));
        Assert.False(reading.Form.NeedsReview(field));

        var form = extractor.Extract(document, new Dictionary<string, OcrLine> { [field] = Line(second, 0.8) });

        Assert.True(form.NeedsReview(field));
        Assert.Contains(form.Errors, e => e.Field == field && e.Message.Contains("second look", StringComparison.Ordinal));
    }

    [Fact]
    public void A_name_read_again_with_the_end_of_its_label_in_front_agrees()
    {
        var document = Form("联系电话：", "13912345674", 0.96);

        var form = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.ApplicantName] = Line("名张秀英", 0.8) });

        Assert.Equal("张秀英", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.ApplicantName);
    }

    [Fact]
    public void A_partner_code_read_again_without_its_dashes_agrees()
    {
        var document = Form("合作机构代码：", "VB-2424-91", 0.72);

        var form = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.PartnerCode] = Line("VB242491", 0.8) });

        Assert.Equal("VB-2424-91", form.Fields[LoanFormFields.PartnerCode].Value);
        Assert.DoesNotContain(form.Errors, e => e.Field == LoanFormFields.PartnerCode);
    }

    [Fact]
    public void A_second_reading_that_agrees_accepts_the_value_and_one_that_reads_nothing_usable_leaves_it_in_doubt()
    {
        var document = Form("联系电话：", "139 1234 5674", 0.72);

        var agreeing = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.Phone] = Line("139-1234-5674", 0.8) });
        var garbled = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.Phone] = Line("13g1", 0.3) });

        Assert.Equal("13912345674", agreeing.Fields[LoanFormFields.Phone].Value);
        Assert.False(agreeing.NeedsReview(LoanFormFields.Phone));
        Assert.Equal("13912345674", garbled.Fields[LoanFormFields.Phone].Value);
        Assert.True(garbled.NeedsReview(LoanFormFields.Phone));
        Assert.Contains(garbled.Errors, e => e.Field == LoanFormFields.Phone && e.Message.Contains("did not confirm", StringComparison.Ordinal));
    }

    [Fact]
    public void An_amount_read_with_doubt_and_named_differently_on_a_second_look_is_flagged()
    {
        var document = Form("借款金额：", "220,000", 0.61, amount: "30000元");

        var form = extractor.Extract(document, new Dictionary<string, OcrLine> { [LoanFormFields.RequestedAmountYuan] = Line("20,000", 0.8) });

        Assert.True(form.NeedsReview(LoanFormFields.RequestedAmountYuan));
    }

    [Fact]
    public void A_value_read_with_confidence_gets_no_second_look()
    {
        var reading = extractor.Read(Form("联系电话：", "13912345674", 0.96), null);

        Assert.False(reading.Doubtful.ContainsKey(LoanFormFields.Phone));
    }

    [Fact]
    public void A_doubtful_value_gets_its_second_look_even_when_nothing_else_on_the_page_needs_one()
    {
        var reading = extractor.Read(Form("联系电话：", "13912345674", 0.72, amount: "30000元"), null);

        Assert.Contains(LoanFormFields.Phone, reading.Doubtful.Keys);
        Assert.False(reading.Form.NeedsReview(LoanFormFields.Phone));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_doubtful_value_is_flagged_when_the_second_look_cannot_be_taken_or_reads_nothing(bool fails)
    {
        var engine = new OneDocumentEngine(Form("联系电话：", "13912345674", 0.72, amount: "30000元"), fails);

        var form = await new LoanFormReader(engine).ReadAsync(new byte[] { 1 }, "image/png", TestContext.Current.CancellationToken);

        Assert.Equal("13912345674", form.Fields[LoanFormFields.Phone].Value);
        Assert.True(form.NeedsReview(LoanFormFields.Phone));
    }

    /// <summary>Returns one document, and a second look that fails (Tesseract missing, budget spent) or reads nothing.</summary>
    private sealed class OneDocumentEngine(OcrDocument document, bool secondLookFails) : IOcrEngine, IRegionRereader
    {
        public Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) => Task.FromResult(document);

        public Task<IReadOnlyList<OcrLine?>> RereadAsync(OcrDocument read, IReadOnlyList<PageRegion> regions, CancellationToken cancellationToken) =>
            secondLookFails
                ? throw new OcrException("Tesseract is not installed")
                : Task.FromResult<IReadOnlyList<OcrLine?>>(regions.Select(_ => (OcrLine?)null).ToList());
    }

    /// <summary>
    /// A form of padding fields read well but for an amount that fails its pattern (so the page gets a second look),
    /// and the field under test read at <paramref name="confidence"/>.
    /// </summary>
    private static OcrDocument Form(string label, string value, double confidence, string amount = "郊,.00000")
    {
        var rows = new List<OcrLine>
        {
            Row(0, ("申请人姓名：", 0.95), ("张秀英", 0.95)),
            Row(1, ("借款金额：", 0.95), (amount, 0.95)),
            Row(2, ("借款期限：", 0.95), ("12个月", 0.95)),
            Row(3, (label, 0.95), (value, confidence)),
        };
        return OcrDocument.FromPages([new OcrPage(1, 2000, 2800, rows)]);
    }

    private static OcrLine Row(int row, params (string Text, double Confidence)[] cells)
    {
        var words = new List<OcrWord>();
        var x = 100.0;
        foreach (var (text, confidence) in cells)
        {
            foreach (var c in text)
            {
                words.Add(new OcrWord(c.ToString(), new BoundingBox(x, 100 + (row * 60), 26, 30), confidence));
                x += 30;
            }
            x += 200;
        }
        return new OcrLine(words);
    }

    private static OcrLine Line(string text, double confidence) => Row(0, (text, confidence));
}
