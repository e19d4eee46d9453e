using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>A page read as noise is reported once, as a page to rescan, not as fifteen flags.</summary>
public sealed class UnreadablePageTests
{
    private readonly LoanFormExtractor extractor = new();

    [Fact]
    public void A_page_read_as_noise_is_one_document_level_error_asking_for_a_rescan()
    {
        // A blurred photo: some labels still read, every value junk, and junk between them.
        var rows = new List<(double, string)[]>
        {
            new[] { (100.0, "申请人姓名"), (600.0, "丨彡乀氵") },
            new[] { (100.0, "身份证号码"), (600.0, "4l1Z?.8;7") },
            new[] { (100.0, "联系电话"), (600.0, "l3-9.?") },
            new[] { (100.0, "借款金额"), (600.0, "彡,0.丨元") },
            new[] { (100.0, "借款期限"), (600.0, "乀个丨") },
            new[] { (100.0, "所在县"), (600.0, "氵丨县") },
        };
        for (var i = 0; i < 12; i++)
        {
            rows.Add([(100.0, "丨彡乀氵灬丶"), (600.0, "匚冂亻")]);
        }

        var form = extractor.Extract(OcrDocuments.Page([.. rows]));

        var error = Assert.Single(form.Errors);
        Assert.Null(error.Field);
        Assert.Equal(OcrErrorCodes.PageUnreadable, error.Code);
        Assert.Contains("rescan", error.Message, StringComparison.OrdinalIgnoreCase);
        // Nothing read from such a page may pass validation unseen.
        Assert.All(form.Fields.Values, f => Assert.Null(f.Value));
    }

    [Fact]
    public async Task The_reader_reports_a_noise_page_as_unreadable_without_spending_a_second_look_on_it()
    {
        var engine = new NoisePageEngine();

        var form = await new LoanFormReader(engine).ReadAsync(new byte[] { 1 }, OcrContentTypes.Jpeg, CancellationToken.None);

        Assert.Equal(OcrErrorCodes.PageUnreadable, Assert.Single(form.Errors).Code);
        Assert.Equal(0, engine.SecondLooks);
    }

    [Fact]
    public void A_poor_page_with_a_few_fields_read_well_keeps_its_fields_and_their_flags()
    {
        var form = extractor.Extract(OcrDocuments.Page(
            [(100, "申请人姓名"), (600, "张秀英")],
            [(100, "身份证号码"), (600, "110101199003074514")],
            [(100, "联系电话"), (600, "13912345678")],
            [(100, "借款金额"), (600, "彡,0.丨元")],
            [(100, "借款期限"), (600, "乀个丨")],
            [(100, "丨彡乀氵灬丶匚冂亻丨彡乀氵灬丶匚冂亻丨彡乀氵灬丶匚冂亻丨彡乀氵灬丶匚冂亻")],
            [(100, "丨彡乀氵灬丶匚冂亻丨彡乀氵灬丶匚冂亻丨彡乀氵灬丶匚冂亻丨彡乀氵灬丶匚冂亻")]));

        Assert.DoesNotContain(form.Errors, e => e.Field is null);
        Assert.Equal("13912345678", form.Fields[LoanFormFields.Phone].Value);
        Assert.True(form.NeedsReview(LoanFormFields.RequestedAmountYuan));
    }

    /// <summary>An engine whose page reads as a few labels among junk, and that counts the second looks asked of it.</summary>
    private sealed class NoisePageEngine : IOcrEngine, IRegionRereader
    {
        public int SecondLooks { get; private set; }

        public Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
        {
            var rows = new List<(double, string)[]> { new[] { (100.0, "申请人姓名"), (600.0, "丨彡乀") }, new[] { (100.0, "借款金额"), (600.0, "彡,0.丨元") } };
            rows.AddRange(Enumerable.Range(0, 14).Select(_ => new[] { (100.0, "丨彡乀氵灬丶"), (600.0, "匚冂亻") }));
            return Task.FromResult(OcrDocuments.Page([.. rows]));
        }

        public Task<IReadOnlyList<OcrLine?>> RereadAsync(OcrDocument document, IReadOnlyList<PageRegion> regions, CancellationToken cancellationToken)
        {
            SecondLooks++;
            return Task.FromResult<IReadOnlyList<OcrLine?>>(regions.Select(_ => (OcrLine?)null).ToList());
        }
    }

    [Fact]
    public void A_fragment_with_one_field_is_not_judged_as_a_page()
    {
        var form = extractor.Extract(OcrDocuments.Lines("借款金额：彡,0.丨元"));

        Assert.DoesNotContain(form.Errors, e => e.Field is null);
        Assert.True(form.NeedsReview(LoanFormFields.RequestedAmountYuan));
    }
}
