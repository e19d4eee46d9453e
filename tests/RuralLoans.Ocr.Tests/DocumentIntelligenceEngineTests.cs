using System.Diagnostics;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

public sealed class DocumentIntelligenceEngineTests : IAsyncLifetime
{
    private static readonly byte[] Document = "%PDF-1.7 loan application"u8.ToArray();

    private FakeDocumentIntelligence service = null!;
    private HttpClient http = null!;

    public async ValueTask InitializeAsync()
    {
        service = await FakeDocumentIntelligence.StartAsync();
        http = new HttpClient();
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await service.DisposeAsync();
    }

    private OcrOptions Options(string key = FakeDocumentIntelligence.Key) => new()
    {
        Engine = OcrEngineKind.DocumentIntelligence,
        DocumentIntelligenceEndpoint = service.Endpoint,
        DocumentIntelligenceKey = key,
        DocumentIntelligencePollInterval = TimeSpan.FromMilliseconds(50),
    };

    private IOcrEngine Engine(OcrOptions? options = null) => OcrEngineFactory.Create(options ?? Options(), http);

    [Fact]
    public async Task Polls_the_operation_until_it_succeeds_and_reads_fields_from_key_value_pairs()
    {
        service.RunningPolls = 3;
        service.AddKeyValue("借款人姓名", "张秀英", 0.97);
        service.AddKeyValue("身份证号码", "11010519491231002X");
        service.AddKeyValue("申请金额(元)", "3万");

        var form = await new LoanFormReader(Engine()).ReadAsync(Document, "application/pdf", TestContext.Current.CancellationToken);

        Assert.Equal("张秀英", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("11010519491231002X", form.Fields[LoanFormFields.IdNumber].Value);
        Assert.Equal("30000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.InRange(form.Fields[LoanFormFields.ApplicantName].Confidence, 0.9, 1.0);
        Assert.Equal(Document, Assert.Single(service.ReceivedDocuments));
        Assert.Equal(4, service.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task Maps_pages_and_lines_with_their_positions()
    {
        var document = await Engine().RecognizeAsync(Document, "image/jpeg", TestContext.Current.CancellationToken);

        var line = Assert.Single(Assert.Single(document.Pages).Lines);
        Assert.Equal("农户小额信用贷款申请表", line.Text);
        Assert.Equal(2.5, line.Box.Left, 3);
        Assert.Equal(0.3, line.Box.Height, 3);
    }

    [Fact]
    public async Task Waits_for_retry_after_when_throttled_then_succeeds()
    {
        service.ThrottledPosts = 1;
        service.AddKeyValue("联系电话", "13912345678");

        var watch = Stopwatch.StartNew();
        var form = await new LoanFormReader(Engine()).ReadAsync(Document, "image/png", TestContext.Current.CancellationToken);

        Assert.Equal("13912345678", form.Fields[LoanFormFields.Phone].Value);
        var posts = service.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal([429, 202], posts.Select(p => p.Status));
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {(posts[1].At - posts[0].At).TotalMilliseconds} ms, Retry-After was 1 s");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Ruled_tables_and_ticked_boxes_go_through_the_same_labels_and_parsers()
    {
        service.AddTable(
            ["客户名称", "李桂英", "身份证件号码", "11010519491231002X"],
            ["贷款额度(元)", "叁万伍仟元整", "还款方式", ":unselected: 等额本息 :selected: 等额本金"],
            ["性别", "女", "紧急联系人电话", "13800138000"],
            ["借款期限", "推荐人编号"],
            ["24个月", "MFI002"]);

        var form = await new LoanFormReader(Engine()).ReadAsync(Document, "application/pdf", TestContext.Current.CancellationToken);

        Assert.Equal("李桂英", form.Fields[LoanFormFields.ApplicantName].Value);
        Assert.Equal("11010519491231002X", form.Fields[LoanFormFields.IdNumber].Value);
        Assert.Equal("35000", form.Fields[LoanFormFields.RequestedAmountYuan].Value);
        Assert.Equal("等额本金", form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.Equal("24", form.Fields[LoanFormFields.TermMonths].Value);
        Assert.Equal("MFI002", form.Fields[LoanFormFields.PartnerCode].Value);
        Assert.Null(form.Fields[LoanFormFields.Phone].Value);
    }

    [Fact]
    public async Task Retries_polls_that_meet_a_server_error()
    {
        service.UnavailablePolls = 1;
        service.AddKeyValue("还款方式", "等额本息");

        var form = await new LoanFormReader(Engine()).ReadAsync(Document, "image/png", TestContext.Current.CancellationToken);

        Assert.Equal("等额本息", form.Fields[LoanFormFields.RepaymentMethod].Value);
        Assert.Contains(service.Requests, r => r.Status == 503);
    }

    [Fact]
    public async Task A_failed_analysis_surfaces_the_service_error()
    {
        service.FailureCode = "InvalidContent";

        var error = await Assert.ThrowsAsync<OcrException>(() => Engine().RecognizeAsync(Document, "application/pdf", TestContext.Current.CancellationToken));

        Assert.Equal("Document Intelligence analysis failed: InvalidContent: The file is corrupted or format is unsupported.", error.Message);
    }

    [Fact]
    public async Task A_failed_analysis_becomes_a_form_error_for_the_pipeline()
    {
        service.FailureCode = "InvalidContent";

        var form = await new LoanFormReader(Engine()).ReadAsync(Document, "application/pdf", TestContext.Current.CancellationToken);

        var error = Assert.Single(form.Errors);
        Assert.Null(error.Field);
        Assert.Contains("InvalidContent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_reported_with_the_service_message()
    {
        var error = await Assert.ThrowsAsync<OcrException>(() => Engine(Options(key: "wrong")).RecognizeAsync(Document, "application/pdf", TestContext.Current.CancellationToken));

        Assert.Contains("HTTP 401", error.Message, StringComparison.Ordinal);
        Assert.Contains("Access denied due to invalid subscription key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Persistent_throttling_gives_up_after_the_configured_retries()
    {
        service.ThrottledPosts = 10;

        var error = await Assert.ThrowsAsync<OcrException>(() => Engine(Options() with { DocumentIntelligenceMaxRetries = 1 }).RecognizeAsync(Document, "application/pdf", TestContext.Current.CancellationToken));

        Assert.Contains("HTTP 429", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, service.Requests.Count(r => r.Method == "POST"));
    }

    [Theory]
    [InlineData("tesseract", OcrEngineKind.Tesseract)]
    [InlineData("documentintelligence", OcrEngineKind.DocumentIntelligence)]
    [InlineData("DocumentIntelligence", OcrEngineKind.DocumentIntelligence)]
    public void The_engine_is_chosen_by_configuration(string configured, OcrEngineKind expected)
    {
        var options = Options() with { Engine = OcrOptions.ParseEngine(configured) };

        var engine = OcrEngineFactory.Create(options, http);

        Assert.Equal(expected, options.Engine);
        Assert.IsType(expected == OcrEngineKind.Tesseract ? typeof(TesseractOcrEngine) : typeof(DocumentIntelligenceOcrEngine), engine);
    }

    [Fact]
    public void Document_intelligence_without_an_endpoint_is_a_configuration_error()
    {
        var error = Assert.Throws<OcrException>(() => OcrEngineFactory.Create(new OcrOptions { Engine = OcrEngineKind.DocumentIntelligence, DocumentIntelligenceKey = "k" }, http));

        Assert.Contains("needs an endpoint", error.Message, StringComparison.Ordinal);
    }
}
