namespace RuralLoans.Ocr.Extraction;

/// <summary>
/// Finds the loan form fields in recognised text. Forms come as "label：value" lines, ruled tables and two-column
/// layouts, so text is cut into segments at wide gaps (cells, columns), labels are matched fuzzily at the start of a
/// segment (the chi_sim model misreads 借 in almost every 借款… label), and a label with nothing after it takes the
/// nearest segment to its right on the same row as its value.
/// </summary>
public sealed class LoanFormExtractor(KnownValues known)
{
    /// <summary>Below this factor a value that fails its pattern keeps only a hint of confidence.</summary>
    private const double InvalidValuePenalty = 0.35;

    /// <summary>A value recognised by its shape alone, its label unread, counts as a weak label match.</summary>
    private const double UnlabelledScore = 0.6;

    /// <summary>Fields whose values are unmistakable on their own, in the order they are looked for.</summary>
    private static readonly string[] SelfEvidentFields =
    [
        LoanFormFields.IdNumber, LoanFormFields.Phone, LoanFormFields.ApplicationDate, LoanFormFields.PartnerCode,
        LoanFormFields.County, LoanFormFields.Township, LoanFormFields.Village, LoanFormFields.RequestedAmountYuan,
    ];

    private static readonly IReadOnlyList<(string Field, string Label)> Labels = LoanFormFields.Labels
        .SelectMany(pair => pair.Value.Select(label => (pair.Key, TextNormalizer.Normalize(label))))
        .ToList();

    private readonly FieldValueParsers parsers = new(known);

    public LoanFormExtractor()
        : this(new KnownValues())
    {
    }

    public ExtractedForm Extract(OcrDocument document) => Read(document, null).Form;

    public ExtractedForm Extract(OcrDocument document, IReadOnlyDictionary<string, OcrLine>? secondLook) => Read(document, secondLook).Form;

    /// <summary>
    /// Extracts the fields and says where on the page each value that failed its pattern was read, so an engine can
    /// look at it again. A <paramref name="secondLook"/> reading of a field replaces the first only when it passes the
    /// field's pattern and the first did not.
    /// </summary>
    public FormReading Read(OcrDocument document, IReadOnlyDictionary<string, OcrLine>? secondLook)
    {
        ArgumentNullException.ThrowIfNull(document);
        var found = new Dictionary<string, Reading>();
        foreach (var pair in document.KeyValues)
        {
            // The whole key must be the label, give or take a unit in brackets: 申请金额(元) is 申请金额.
            var match = MatchLabel(TextNormalizer.Normalize(pair.Key).TrimEnd(':'));
            var wholeKey = match is not null && (match.Remainder.Length == 0 || (match.Remainder.StartsWith('(') && match.Remainder.EndsWith(')')));
            if (wholeKey && !found.ContainsKey(match!.Field))
            {
                found[match.Field] = new Reading(pair.Value, pair.Confidence, match.Score, null);
            }
        }

        foreach (var page in document.Pages)
        {
            var segments = page.Lines.SelectMany(Segment.FromLine).SelectMany(SplitAtEmbeddedLabels).ToList();
            var labelled = segments
                .Select(segment => (Segment: segment, Match: MatchLabel(segment.Text)))
                .Where(candidate => candidate.Match is not null)
                .GroupBy(candidate => candidate.Match!.Field)
                .Select(group => group.OrderByDescending(c => c.Match!.Score).ThenBy(c => c.Segment.Box.Top).First())
                .ToList();
            var labelSegments = labelled.Select(l => l.Segment).ToHashSet();
            foreach (var (segment, match) in labelled)
            {
                if (found.ContainsKey(match!.Field))
                {
                    continue;
                }
                var (raw, confidence, box) = ValueFor(segment, match, segments, labelSegments);
                if (raw.Length > 0)
                {
                    found[match.Field] = new Reading(raw, confidence, match.Score, new PageRegion(page.PageNumber, box));
                }
            }
        }

        foreach (var (field, raw, confidence, region) in FindUnlabelledValues(document, found))
        {
            found[field] = new Reading(raw, confidence, UnlabelledScore, region);
        }

        var fields = new Dictionary<string, ExtractedField>();
        var errors = new List<ExtractionError>();
        var doubtful = new Dictionary<string, PageRegion>();
        foreach (var field in LoanFormFields.All)
        {
            if (!found.TryGetValue(field, out var reading))
            {
                fields[field] = ExtractedField.Missing;
                errors.Add(new ExtractionError(field, $"no '{LoanFormFields.Labels[field][0]}' field was found on the form"));
                continue;
            }
            var parsed = parsers.Parse(field, reading.Raw);
            if (!parsed.IsValid && secondLook is not null && secondLook.TryGetValue(field, out var again) && SecondLookValue(again) is { } second)
            {
                var reparsed = parsers.Parse(field, second.Raw);
                if (reparsed.IsValid)
                {
                    (reading, parsed) = (reading with { Raw = second.Raw, OcrConfidence = second.Confidence }, reparsed);
                }
            }
            var confidence = reading.OcrConfidence * Math.Sqrt(reading.LabelScore) * parsed.Certainty * (parsed.IsValid ? 1 : InvalidValuePenalty);
            fields[field] = new ExtractedField(parsed.Value.Length == 0 ? null : parsed.Value, Math.Round(confidence, 3), reading.Raw);
            if (parsed.Problem is not null)
            {
                errors.Add(new ExtractionError(field, parsed.Problem));
                if (reading.Region is { } region)
                {
                    doubtful[field] = region;
                }
            }
        }
        return new FormReading(new ExtractedForm(fields, errors), doubtful);
    }

    /// <summary>
    /// The value in a second reading of a value's surroundings: what follows the last colon (the crop may catch the end
    /// of the label), else the whole line.
    /// </summary>
    private static (string Raw, double Confidence)? SecondLookValue(OcrLine line)
    {
        var segments = Segment.FromLine(line).ToList();
        if (segments.Count == 0)
        {
            return null;
        }
        var text = string.Concat(segments.Select(s => s.Text));
        var value = ValuePart(text);
        return value.Length == 0 ? null : (value, segments.Average(s => s.Confidence));
    }

    private sealed record Reading(string Raw, double OcrConfidence, double LabelScore, PageRegion? Region);

    /// <summary>
    /// A label the engine could not read (a smudge, a rule through it, 申请金额 read as 申请立怒) loses its field unless
    /// the value explains itself: a valid ID number, a mobile number, a date, a partner code, a place name ending in
    /// 县/镇/乡/村, or an amount written with 元 or 万, anywhere on the page that no label claimed. What follows a colon
    /// is the value; what precedes it is the unread label.
    /// </summary>
    private IEnumerable<(string Field, string Raw, double Confidence, PageRegion Region)> FindUnlabelledValues(OcrDocument document, Dictionary<string, Reading> found)
    {
        var missing = SelfEvidentFields.Where(f => !found.ContainsKey(f)).ToList();
        if (missing.Count == 0)
        {
            yield break;
        }
        var claimed = found.Values.Select(v => TextNormalizer.Normalize(v.Raw)).ToHashSet();
        var unclaimed = document.Pages
            .SelectMany(p => p.Lines.SelectMany(Segment.FromLine).Select(segment => (Page: p.PageNumber, Segment: segment)))
            .Where(candidate => !claimed.Contains(candidate.Segment.Text) && MatchLabel(candidate.Segment.Text) is null)
            .ToList();
        foreach (var field in missing)
        {
            var match = unclaimed.FirstOrDefault(candidate => ExplainsItself(field, ValuePart(candidate.Segment.Text)));
            if (match.Segment is not null)
            {
                unclaimed.Remove(match);
                yield return (field, ValuePart(match.Segment.Text), match.Segment.Confidence, new PageRegion(match.Page, match.Segment.Box));
            }
        }
    }

    private static string ValuePart(string text) => text[(text.LastIndexOf(':') + 1)..];

    private bool ExplainsItself(string field, string value) =>
        // A bare number could be land, people or months; only the currency says it is an amount.
        (field != LoanFormFields.RequestedAmountYuan || value.IndexOfAny(['元', '万', '¥']) >= 0)
        && value.Length > 0
        && parsers.Parse(field, value).IsValid;

    private (string Raw, double Confidence, BoundingBox Box) ValueFor(Segment label, LabelMatch match, List<Segment> segments, HashSet<Segment> labelSegments)
    {
        var remainder = label.Slice(label.Text.Length - match.Remainder.Length);
        if (remainder.Text.Trim(':', '.', ',', '-').Length > 0)
        {
            return (remainder.Text, remainder.Confidence, remainder.Box);
        }
        // Table cell or a value printed apart from its label: the nearest segment to the right on the same row. A
        // label's last character read apart (填表日 期) sits in between, so a neighbour that fails the field's pattern
        // gives way to the next one that passes.
        var neighbours = segments
            .Where(s => !labelSegments.Contains(s) && s.Box.Left >= label.Box.Right - (label.Box.Height / 2) && OverlapsVertically(s.Box, label.Box))
            .OrderBy(s => s.Box.Left)
            .Take(2)
            .ToList();
        var value = neighbours.FirstOrDefault(s => parsers.Parse(match.Field, s.Text).IsValid) ?? neighbours.FirstOrDefault();
        return value is null ? (string.Empty, 0, default) : (value.Text, value.Confidence, value.Box);
    }

    private static bool OverlapsVertically(BoundingBox a, BoundingBox b)
    {
        var overlap = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
        return overlap >= 0.4 * Math.Min(a.Height, b.Height);
    }

    /// <summary>
    /// Splits "姓名张三身份证号码1101…" where two cells ran together: a known label (three or more characters, exact)
    /// after the start of a segment begins a new segment.
    /// </summary>
    private static IEnumerable<Segment> SplitAtEmbeddedLabels(Segment segment)
    {
        var cut = Enumerable.Range(1, Math.Max(0, segment.Text.Length - 1))
            .FirstOrDefault(i => Labels.Any(l => l.Label.Length >= 3 && segment.Text.AsSpan(i).StartsWith(l.Label, StringComparison.Ordinal)));
        if (cut == 0)
        {
            yield return segment;
            yield break;
        }
        yield return segment.Slice(0, cut);
        foreach (var rest in SplitAtEmbeddedLabels(segment.Slice(cut)))
        {
            yield return rest;
        }
    }

    public sealed record LabelMatch(string Field, string Label, double Score, string Remainder);

    /// <summary>
    /// The best label at the start of <paramref name="text"/>, allowing up to two characters of leading junk and one
    /// edit per four label characters (none for labels of two or three characters, which are too easy to hit by chance).
    /// </summary>
    public static LabelMatch? MatchLabel(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        LabelMatch? best = null;
        foreach (var (field, label) in Labels)
        {
            var allowed = label.Length / 4;
            for (var offset = 0; offset <= Math.Min(2, text.Length - 1); offset++)
            {
                for (var length = Math.Max(1, label.Length - allowed); length <= label.Length + allowed && offset + length <= text.Length; length++)
                {
                    var distance = TextNormalizer.EditDistance(label, text.AsSpan(offset, length));
                    var cost = distance + (offset * 0.5);
                    if (cost > allowed)
                    {
                        continue;
                    }
                    // Ties go to the longer label, then to the longer reading of it: 填表日其 is 填表日期 misread,
                    // not 填表日 followed by a value 其.
                    var score = 1 - (cost / label.Length);
                    var remainder = text[(offset + length)..];
                    var better = best is null
                        || score > best.Score + 1e-9
                        || (Math.Abs(score - best.Score) < 1e-9 && (label.Length > best.Label.Length
                            || (label.Length == best.Label.Length && remainder.Length < best.Remainder.Length)));
                    if (better)
                    {
                        best = new LabelMatch(field, label, score, remainder);
                    }
                }
            }
        }
        return best;
    }
}
