using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Azure AI Document Intelligence over its REST API (2024-11-30): POST …/documentModels/{model}:analyze answers
/// 202 with an Operation-Location to poll until the status is succeeded or failed. 429 and 5xx are retried after the
/// service's Retry-After. prebuilt-layout is asked for key-value pairs, which the extractor prefers over raw lines.
/// </summary>
public sealed class DocumentIntelligenceOcrEngine : IOcrEngine
{
    public const string ApiVersion = "2024-11-30";
    private const string KeyHeader = "Ocp-Apim-Subscription-Key";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient http;
    private readonly OcrOptions options;
    private readonly TimeProvider time;
    private readonly Uri endpoint;
    private readonly string key;

    public DocumentIntelligenceOcrEngine(HttpClient http, OcrOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.http = http;
        this.options = options;
        this.time = time;
        endpoint = options.DocumentIntelligenceEndpoint
            ?? throw new OcrException("Document Intelligence needs an endpoint (e.g. https://NAME.cognitiveservices.azure.com/).");
        key = string.IsNullOrWhiteSpace(options.DocumentIntelligenceKey)
            ? throw new OcrException("Document Intelligence needs an API key.")
            : options.DocumentIntelligenceKey;
    }

    public async Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.DocumentIntelligenceTimeout);
        try
        {
            var operation = await StartAnalysisAsync(content, deadline.Token).ConfigureAwait(false);
            var result = await PollAsync(operation, deadline.Token).ConfigureAwait(false);
            return ToDocument(result);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OcrException($"Document Intelligence did not finish the analysis within {options.DocumentIntelligenceTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            throw new OcrException($"Document Intelligence at {endpoint} could not be reached: {e.Message}", e);
        }
    }

    private async Task<Uri> StartAnalysisAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var model = Uri.EscapeDataString(options.DocumentIntelligenceModelId);
        var features = options.DocumentIntelligenceModelId == "prebuilt-layout" ? "&features=keyValuePairs" : string.Empty;
        var analyze = new Uri(endpoint, $"documentintelligence/documentModels/{model}:analyze?api-version={ApiVersion}{features}");
        var body = new AnalyzeRequest(Convert.ToBase64String(content.Span));
        using var response = await SendWithRetriesAsync(
            () => new HttpRequestMessage(HttpMethod.Post, analyze) { Content = JsonContent.Create(body, options: Json) },
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new OcrException($"Document Intelligence rejected the document: {await DescribeAsync(response, cancellationToken).ConfigureAwait(false)}");
        }
        return response.Headers.TryGetValues("Operation-Location", out var locations) && Uri.TryCreate(locations.First(), UriKind.Absolute, out var location)
            ? location
            : throw new OcrException("Document Intelligence accepted the document but sent no Operation-Location to poll.");
    }

    private async Task<AnalyzeResult> PollAsync(Uri operation, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, operation), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new OcrException($"Document Intelligence analysis status could not be read: {await DescribeAsync(response, cancellationToken).ConfigureAwait(false)}");
            }
            var status = await response.Content.ReadFromJsonAsync<AnalyzeOperation>(Json, cancellationToken).ConfigureAwait(false)
                ?? throw new OcrException("Document Intelligence returned an empty analysis status.");
            switch (status.Status)
            {
                case "succeeded":
                    return status.AnalyzeResult ?? throw new OcrException("Document Intelligence reported success without an analyzeResult.");
                case "failed":
                case "canceled":
                    var error = status.Error is null ? "no error details" : $"{status.Error.Code}: {status.Error.Message}";
                    throw new OcrException($"Document Intelligence analysis {status.Status}: {error}");
                default:
                    await Task.Delay(RetryAfter(response) ?? options.DocumentIntelligencePollInterval, time, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task<HttpResponseMessage> SendWithRetriesAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = createRequest();
            request.Headers.Add(KeyHeader, key);
            var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var transient = response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
            if (!transient || attempt >= options.DocumentIntelligenceMaxRetries)
            {
                return response;
            }
            var delay = RetryAfter(response) ?? TimeSpan.FromSeconds(Math.Pow(2, attempt));
            response.Dispose();
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var body = await response.Content.ReadFromJsonAsync<ErrorResponse>(Json, cancellationToken).ConfigureAwait(false);
            return body?.Error is { } error ? $"{status}, {error.Code}: {error.Message}" : status;
        }
        catch (JsonException)
        {
            return status;
        }
    }

    private static OcrDocument ToDocument(AnalyzeResult result)
    {
        var pages = (result.Pages ?? []).Select(page =>
        {
            var words = page.Words ?? [];
            var lines = (page.Lines ?? []).Select(line =>
            {
                var lineWords = words
                    .Where(w => w.Span is { } span && (line.Spans ?? []).Any(s => span.Offset >= s.Offset && span.Offset < s.Offset + s.Length))
                    .Select(w => new OcrWord(w.Content, ToBox(w.Polygon), w.Confidence))
                    .ToList();
                return new OcrLine(lineWords.Count > 0 ? lineWords : [new OcrWord(line.Content, ToBox(line.Polygon), 1.0)]);
            }).ToList();
            return new OcrPage(page.PageNumber, page.Width, page.Height, lines);
        }).ToList();
        var pairs = (result.KeyValuePairs ?? [])
            .Where(p => p.Key is not null && p.Value is not null)
            .Select(p => new OcrKeyValue(SelectionMarks(p.Key!.Content), SelectionMarks(p.Value!.Content), p.Confidence))
            .Concat((result.Tables ?? []).SelectMany(TablePairs))
            .ToList();
        return new OcrDocument(pages, pairs);
    }

    /// <summary>
    /// Ruled forms come back as tables rather than key-value pairs. Every cell whose whole text is a known label (of
    /// our fields or of ones we ignore) pairs with the next cell in its row, or, when that is a label too or missing,
    /// the cell below it (a header row of labels over a row of values). The extractor then treats these like the
    /// service's own pairs, so both engines go through one dictionary and one set of parsers.
    /// </summary>
    private static IEnumerable<OcrKeyValue> TablePairs(AnalyzedTable table)
    {
        var cells = (table.Cells ?? []).ToDictionary(c => (c.RowIndex, c.ColumnIndex), c => SelectionMarks(c.Content ?? string.Empty));
        bool IsLabel(string text) => Extraction.LoanFormExtractor.MatchLabel(Extraction.TextNormalizer.Normalize(text).TrimEnd(':')) is { Remainder.Length: 0 } || IsBracketedUnit(text);
        bool IsBracketedUnit(string text)
        {
            var match = Extraction.LoanFormExtractor.MatchLabel(Extraction.TextNormalizer.Normalize(text).TrimEnd(':'));
            return match is not null && match.Remainder.StartsWith('(') && match.Remainder.EndsWith(')');
        }
        foreach (var ((row, column), content) in cells.OrderBy(c => c.Key.RowIndex).ThenBy(c => c.Key.ColumnIndex))
        {
            if (content.Length == 0 || !IsLabel(content))
            {
                continue;
            }
            string? value = null;
            if (cells.TryGetValue((row, column + 1), out var right) && right.Length > 0 && !IsLabel(right))
            {
                value = right;
            }
            else if (cells.TryGetValue((row + 1, column), out var below) && below.Length > 0 && !IsLabel(below))
            {
                value = below;
            }
            if (value is not null)
            {
                // Table cells carry no confidence of their own; the words in them were read by the same OCR as lines.
                yield return new OcrKeyValue(content, value, 0.9);
            }
        }
    }

    /// <summary>Checkbox states arrive as :selected: / :unselected: in the content; the parsers read them as ☑ / □.</summary>
    private static string SelectionMarks(string content) =>
        content.Replace(":unselected:", "□", StringComparison.Ordinal).Replace(":selected:", "☑", StringComparison.Ordinal);

    private static BoundingBox ToBox(IReadOnlyList<double>? polygon)
    {
        if (polygon is null || polygon.Count < 2)
        {
            return default;
        }
        var xs = polygon.Where((_, i) => i % 2 == 0).ToList();
        var ys = polygon.Where((_, i) => i % 2 == 1).ToList();
        return new BoundingBox(xs.Min(), ys.Min(), xs.Max() - xs.Min(), ys.Max() - ys.Min());
    }

    private sealed record AnalyzeRequest([property: JsonPropertyName("base64Source")] string Base64Source);

    private sealed record AnalyzeOperation(string Status, AnalyzeResult? AnalyzeResult, ServiceError? Error);

    private sealed record ErrorResponse(ServiceError? Error);

    private sealed record ServiceError(string Code, string Message);

    private sealed record AnalyzeResult(IReadOnlyList<AnalyzedPage>? Pages, IReadOnlyList<KeyValuePairResult>? KeyValuePairs, IReadOnlyList<AnalyzedTable>? Tables);

    private sealed record AnalyzedTable(int RowCount, int ColumnCount, IReadOnlyList<AnalyzedCell>? Cells);

    private sealed record AnalyzedCell(int RowIndex, int ColumnIndex, string? Content);

    private sealed record AnalyzedPage(int PageNumber, double Width, double Height, IReadOnlyList<AnalyzedLine>? Lines, IReadOnlyList<AnalyzedWord>? Words);

    private sealed record AnalyzedLine(string Content, IReadOnlyList<double>? Polygon, IReadOnlyList<TextSpan>? Spans);

    private sealed record AnalyzedWord(string Content, IReadOnlyList<double>? Polygon, double Confidence, TextSpan? Span);

    private sealed record TextSpan(int Offset, int Length);

    private sealed record KeyValuePairResult(KeyValueElement? Key, KeyValueElement? Value, double Confidence);

    private sealed record KeyValueElement(string Content);
}
