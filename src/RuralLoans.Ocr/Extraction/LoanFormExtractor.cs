namespace RuralLoans.Ocr.Extraction;

/// <summary>
/// Finds the loan form fields in recognised text, whatever the partner's layout. Text is cut into segments at wide gaps
/// (cells, columns); labels from the <see cref="FormVocabulary"/> are matched fuzzily at the start of a segment (the
/// chi_sim model misreads 借 in almost every 借款… label); a label's value is the rest of its segment, else the cell to
/// its right, else the line below it. Labels of fields we do not use claim their values too, so that an emergency
/// contact's phone never becomes the applicant's. Values are then cross-checked (division list, ID region code and
/// birth date, product range) and anything that fails is flagged for a person, never silently accepted.
/// </summary>
public sealed partial class LoanFormExtractor(KnownValues known)
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
        LoanFormFields.RepaymentMethod,
    ];

    /// <summary>Fields with no pattern or list to check them against.</summary>
    private static readonly HashSet<string> FreeTextFields = [LoanFormFields.ApplicantName, LoanFormFields.Village, LoanFormFields.Purpose];

    /// <summary>How far above its weakest character a free-text value's confidence may stand.</summary>
    private const double FreeTextAllowance = 0.1;

    /// <summary>Fields whose value may run over several cells of its row (a row of checkboxes).</summary>
    private static readonly HashSet<string> ChoiceFields = [LoanFormFields.RepaymentMethod];

    private readonly FieldValueParsers parsers = new(known);
    private readonly IReadOnlyList<LabelEntry> labels = known.Vocabulary.Labels;

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
            var match = Match(TextNormalizer.Normalize(pair.Key).TrimEnd(':'));
            var wholeKey = match is not null && (match.Remainder.Length == 0 || (match.Remainder.StartsWith('(') && match.Remainder.EndsWith(')')));
            if (wholeKey && match!.Kind != LabelKind.Ignored && !found.ContainsKey(match.Field) && pair.Value.Length > 0)
            {
                found[match.Field] = new Reading(pair.Value, pair.Confidence, match.Score, null);
            }
        }

        var claimed = new HashSet<Segment>();
        var emptyCells = new Dictionary<string, (PageRegion Region, double LabelScore)>();
        var allSegments = new List<(int Page, Segment Segment)>();
        foreach (var page in document.Pages)
        {
            var segments = page.Lines.SelectMany(Segment.FromLine).SelectMany(SplitAtEmbeddedLabels).ToList();
            allSegments.AddRange(segments.Select(s => (page.PageNumber, s)));
            var matches = segments
                .Select(segment => (Segment: segment, Match: Match(segment.Text)))
                .Where(candidate => candidate.Match is not null)
                .ToList();
            var labelSegments = matches.Select(l => l.Segment).ToHashSet();
            claimed.UnionWith(labelSegments);
            // Each field takes its best label; every label of an ignored field claims its value.
            var chosen = matches
                .Where(m => m.Match!.Kind != LabelKind.Ignored)
                .GroupBy(m => m.Match!.Field)
                .Select(group => group.OrderByDescending(c => c.Match!.Score).ThenBy(c => c.Segment.Box.Top).First())
                .Concat(matches.Where(m => m.Match!.Kind == LabelKind.Ignored))
                .OrderBy(m => m.Match!.Kind == LabelKind.Ignored ? 1 : 0)
                .ToList();
            foreach (var (segment, match) in chosen)
            {
                if (match!.Kind != LabelKind.Ignored && found.ContainsKey(match.Field))
                {
                    continue;
                }
                var value = ValueFor(segment, match, segments, labelSegments, claimed);
                if (value is null || value.Value.Raw.Trim(':', '.', ',', '-', '(', ')').Length == 0)
                {
                    // A label read with nothing beside it: the engine lost the value (a faint cell, a column its layout
                    // analysis dropped), so the place it should be is worth a second look.
                    if (match.Kind == LabelKind.Field && !emptyCells.ContainsKey(match.Field))
                    {
                        emptyCells[match.Field] = (new PageRegion(page.PageNumber, CellRightOf(segment, segments, page.Width)), match.Score);
                    }
                    continue;
                }
                claimed.UnionWith(value.Value.Used);
                if (match.Kind != LabelKind.Ignored && value.Value.Raw.Length > 0)
                {
                    found[match.Field] = new Reading(value.Value.Raw, value.Value.Confidence, match.Score, new PageRegion(page.PageNumber, value.Value.Box)) { MinConfidence = value.Value.MinConfidence };
                }
            }
        }

        foreach (var (field, raw, confidence, region) in FindUnlabelledValues(allSegments, found, claimed))
        {
            found[field] = new Reading(raw, confidence, UnlabelledScore, region);
        }

        var fields = new Dictionary<string, ExtractedField>();
        var errors = new List<ExtractionError>();
        var doubtful = new Dictionary<string, PageRegion>();
        // Values that pass but are worth reading twice; asked for only alongside a second look the page gets anyway.
        var confirmations = new Dictionary<string, PageRegion>();
        var parsed = new Dictionary<string, (Reading Reading, ParsedValue Value)>();
        // Fields whose value only the second look read, with what the first reading made of them.
        var readAgain = new Dictionary<string, string>();
        // Free text read with the next cell's label at its end, as read.
        var labelCut = new Dictionary<string, string>();
        // Values read with doubt whose second reading named the same value.
        var confirmed = new HashSet<string>();
        foreach (var field in LoanFormFields.All.Append(FormVocabulary.StatedAge))
        {
            if (!found.TryGetValue(field, out var reading))
            {
                // The second look at a labelled cell the first reading left empty: taken only if it passes the
                // field's pattern, and never above what a label-less value is trusted with.
                if (emptyCells.TryGetValue(field, out var cell) && secondLook is not null && secondLook.TryGetValue(field, out var lost)
                    && SecondLookValue(lost) is { } recovered && parsers.Parse(field, recovered.Raw) is { IsValid: true } recoveredValue)
                {
                    parsed[field] = (new Reading(recovered.Raw, recovered.Confidence * RecoveredCellFactor, cell.LabelScore, cell.Region), recoveredValue);
                    readAgain[field] = string.Empty;
                }
                else if (emptyCells.TryGetValue(field, out var empty))
                {
                    doubtful[field] = empty.Region;
                }
                continue;
            }
            if (FreeTextFields.Contains(field) && WithoutTrailingLabel(reading.Raw) is { } cut)
            {
                labelCut[field] = reading.Raw;
                reading = reading with { Raw = cut };
            }
            var value = parsers.Parse(field, reading.Raw);
            if (!value.IsValid && secondLook is not null && secondLook.TryGetValue(field, out var again) && SecondLookValue(again) is { } second)
            {
                var reparsed = parsers.Parse(field, second.Raw);
                if (reparsed.IsValid)
                {
                    readAgain[field] = reading.Raw;
                    (reading, value) = (reading with { Raw = second.Raw, OcrConfidence = second.Confidence }, reparsed);
                }
            }
            else if (MayHaveLostDecimalPoint(field, reading, value) && secondLook is not null && secondLook.TryGetValue(field, out var check)
                && SecondLookValue(check) is { } other && FigureIn(other.Raw) is { Length: > 0 } figure && figure != value.Value)
            {
                // Only the figures are compared: a second reading's stray marks around them (阔109) do not make it
                // any less a different number.
                value = value with { Problem = $"'{value.Value}' was read as '{figure}' on a second look (a decimal point may be lost): please confirm it" };
            }
            else if (value.IsValid && value.Problem is null && UncheckedFields.Contains(field) && secondLook is not null && secondLook.TryGetValue(field, out var confirm)
                && SecondLookValue(confirm) is { } confirming && parsers.Parse(field, confirming.Raw) is { IsValid: true } reread)
            {
                if (SameReading(field, value.Value, reread.Value))
                {
                    confirmed.Add(field);
                }
                else
                {
                    // Two readings that both pass the pattern but name different values: one of them misread a digit
                    // or a character, and nothing on the form says which.
                    value = value with { Problem = $"'{value.Value}' was read as '{reread.Value}' on a second look: please confirm it" };
                }
            }
            parsed[field] = (reading, value);
        }

        // Only a value that fails its own pattern is worth a second look; one that disagrees with another field reads
        // the same however often it is read.
        var patternFailures = parsed.Where(p => !p.Value.Value.IsValid).Select(p => p.Key).ToHashSet();
        CrossCheck(parsed);

        foreach (var field in LoanFormFields.All)
        {
            if (!parsed.TryGetValue(field, out var entry))
            {
                fields[field] = ExtractedField.Missing;
                errors.Add(new ExtractionError(field, $"no '{LoanFormFields.Labels[field][0]}' field was found on the form"));
                continue;
            }
            var (reading, value) = entry;
            // Free text has no pattern to fail, so its weakest character decides: one misread character makes a name
            // wrong while the mean of the others still looks fine.
            var ocr = FreeTextFields.Contains(field) ? Math.Min(reading.OcrConfidence, reading.MinConfidence + FreeTextAllowance) : reading.OcrConfidence;
            var confidence = ocr * Math.Sqrt(reading.LabelScore) * value.Certainty * (value.IsValid ? 1 : InvalidValuePenalty);
            if (field == LoanFormFields.IdNumber && IdCorroborated(parsed))
            {
                // The check character catches every single misread and all but one in eleven multiple ones, and the
                // region code agrees with the county printed elsewhere: the engine's doubt about the characters is
                // left standing only for the readings the check cannot catch.
                confidence = 1 - ((1 - confidence) * UndetectedByCheckCharacter);
            }
            fields[field] = new ExtractedField(value.Value.Length == 0 ? null : value.Value, Math.Round(confidence, 3), reading.Raw);
            if (value.Problem is not null)
            {
                errors.Add(new ExtractionError(field, value.Problem));
                if (reading.Region is { } region && patternFailures.Contains(field))
                {
                    doubtful[field] = region;
                }
            }
            else if (reading.Region is { } repaired && patternFailures.Contains(field))
            {
                // Repaired from another field (a county one character from the ID's), yet a second look may read
                // the value itself, with the confidence that a repair cannot have.
                doubtful[field] = repaired;
            }
            else if (reading.Region is { } toConfirm && MayHaveLostDecimalPoint(field, reading, value))
            {
                doubtful[field] = toConfirm;
            }
            else if (reading.Region is { } unsure && UncheckedFields.Contains(field) && confidence < (FreeTextFields.Contains(field) ? FreeTextConfirmBelow : ConfirmBelow) && reading.MinConfidence < TextLayerConfidence)
            {
                if (secondLook is null)
                {
                    confirmations[field] = unsure;
                }
                else if (!confirmed.Contains(field))
                {
                    // A doubtful value nothing can check, and no second reading agreed with it: with PP-OCR every
                    // value accepted wrongly on the development forms was read like this (0.6-0.9).
                    errors.Add(new ExtractionError(field, $"'{value.Value}' was read with doubt and a second reading did not confirm it: please confirm it"));
                }
            }
        }
        FlagWeakSecondLooks(readAgain, fields, errors);
        foreach (var (field, uncut) in labelCut)
        {
            if (fields[field].Value is { } kept && !errors.Any(e => e.Field == field))
            {
                // Some labels end words too (增加收入 ends in the label 收入): the cut is a guess a person confirms.
                errors.Add(new ExtractionError(field, $"'{uncut}' ends in the label of a neighbouring cell, left out: please confirm '{kept}'"));
            }
        }
        FlagUnusualNameCharacters(fields, errors);
        FlagFreeTextOnPoorPages(fields, errors);
        var form = new ExtractedForm(fields, errors);
        var accepted = LoanFormFields.All.Count(f => fields[f].Value is not null && !form.NeedsReview(f));
        // Enough was read for a whole form (its labels alone are some 80 characters), or nothing at all.
        var readAsPage = allSegments.Sum(s => s.Segment.Text.Length) >= WholePageCharacters || (found.Count == 0 && parsed.Count == 0);
        if (accepted < ReadablePageFields && readAsPage)
        {
            // A page read as noise: a flag on every field would ask a person to re-key a form nobody can read from this
            // image. The values are dropped, so nothing read from it can pass validation, and no second look is spent.
            return new FormReading(ExtractedForm.Failed(
                $"The page could not be read: only {accepted} of {LoanFormFields.All.Count} fields were read with confidence. Please rescan it (flat, in focus, well lit) or upload the original PDF.",
                OcrErrorCodes.PageUnreadable), new Dictionary<string, PageRegion>());
        }
        // The second look reads all its regions in one engine run, so a few more regions cost little.
        foreach (var (field, region) in confirmations)
        {
            doubtful[field] = region;
        }
        return new FormReading(form, doubtful);
    }

    /// <summary>
    /// Fewer fields than this read with confidence, and the page is reported unreadable. On the development forms the
    /// pages below it read every field as junk or not at all; a poor but readable page keeps most fields (seven or more).
    /// </summary>
    private const int ReadablePageFields = 3;

    /// <summary>
    /// Characters a page must have yielded to be judged as a whole form (every development page read 110 or more, even
    /// as noise); less is a fragment, whose fields are flagged one by one.
    /// </summary>
    private const int WholePageCharacters = 100;

    /// <summary>Share of multiple misreads of an ID number that still pass the GB 11643 check character (mod 11).</summary>
    private const double UndetectedByCheckCharacter = 1.0 / 11;

    /// <summary>
    /// An ID number read as exactly 18 characters (no specks cut away, no look-alike folding) that passes its check
    /// character and every cross-check, issued in the county the form names.
    /// </summary>
    private bool IdCorroborated(Dictionary<string, (Reading Reading, ParsedValue Value)> parsed) =>
        parsed.TryGetValue(LoanFormFields.IdNumber, out var id) && id.Value.IsValid && id.Value.Certainty >= 1
        && string.Equals(TextNormalizer.Normalize(id.Reading.Raw).Trim(':', '.', ',', '、', '。', '-'), id.Value.Value, StringComparison.OrdinalIgnoreCase)
        && parsed.TryGetValue(LoanFormFields.County, out var county) && county.Value.IsValid && county.Value.Certainty >= 1
        && known.Divisions.CountyOfCode(id.Value.Value) is { } issued && AdministrativeDivisions.SameCounty(issued, county.Value.Value);

    /// <summary>
    /// A land area read from an image as a whole number of two or more digits may be a decimal whose point the engine
    /// dropped or read as a digit (7.3 as 73, 27.2 as 272, 10.9 as 1039): every such reading passes the pattern and
    /// the range, so it is read once more at another scale, and a second reading that names another area flags it.
    /// A text layer (read with certainty) loses no points.
    /// </summary>
    private static bool MayHaveLostDecimalPoint(string field, Reading reading, ParsedValue value) =>
        field == LoanFormFields.LandAreaMu && value.IsValid && value.Value.Length >= 2 && value.Value.All(char.IsAsciiDigit)
        && reading.MinConfidence < TextLayerConfidence;

    /// <summary>
    /// Fields whose every digit, letter or character may be misread into another value that still passes: a mobile
    /// number or a date has no check digit, a partner code's free characters none either (a phone's last digit 4 read
    /// as 3, a year 2026 as 2025, a code's first letter N as X), amounts, areas, terms and household sizes only a range
    /// (20000 read as 220000, 24 months as 34), and names, villages and purposes no pattern at all (永和村 read as 水和村).
    /// </summary>
    private static readonly HashSet<string> UncheckedFields =
    [
        LoanFormFields.Phone, LoanFormFields.ApplicationDate, LoanFormFields.PartnerCode, LoanFormFields.RequestedAmountYuan, LoanFormFields.LandAreaMu,
        LoanFormFields.TermMonths, LoanFormFields.HouseholdSize,
        LoanFormFields.ApplicantName, LoanFormFields.Village, LoanFormFields.Purpose,
    ];

    /// <summary>
    /// Below this confidence such a value read from an image is read a second time, and accepted only when the second
    /// reading names the same value.
    /// </summary>
    private const double ConfirmBelow = 0.9;

    /// <summary>
    /// Free text is read twice unless read almost surely: its confidence is the only sign of a misread character, and
    /// misreads passed at 0.88 and 0.94 on the development forms.
    /// </summary>
    private const double FreeTextConfirmBelow = 0.95;

    /// <summary>
    /// Whether two readings name the same value. Free text read again may carry the end of its label in front (名刘霞平
    /// for 刘霞平: the crop reaches into the label's cell), which is no disagreement about the value.
    /// </summary>
    private static bool SameReading(string field, string first, string second) =>
        FreeTextFields.Contains(field)
            ? second.EndsWith(first, StringComparison.Ordinal) || first.EndsWith(second, StringComparison.Ordinal)
            : Canonical(first) == Canonical(second);

    /// <summary>
    /// Free text followed in its cell by the next cell's label, the two read as one (支付土地流转费民族: the purpose and
    /// the label 民族 beside it), without the label; null when it ends in none. Labels of four or more characters are
    /// already cut where segments are split, shorter ones only here, at the very end, and only when a value of two or
    /// more characters is left.
    /// </summary>
    private string? WithoutTrailingLabel(string raw)
    {
        var text = raw.TrimEnd(':', ' ');
        var label = labels
            .Where(l => l.Label.Length >= 2 && text.Length >= l.Label.Length + 2 && text.EndsWith(l.Label, StringComparison.Ordinal))
            .OrderByDescending(l => l.Label.Length)
            .FirstOrDefault();
        return label is null ? null : text[..^label.Label.Length];
    }

    /// <summary>A value's letters and digits only: VB-2424-91 and VB242491 are one partner code, however printed.</summary>
    private static string Canonical(string value) => new(value.Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant).ToArray());

    /// <summary>The digits and decimal point in a reading, as one figure.</summary>
    private static string FigureIn(string raw) =>
        new string(TextNormalizer.Normalize(raw).Where(c => char.IsAsciiDigit(c) || c == '.').ToArray()).Trim('.');

    /// <summary>What a PDF text layer's characters are read with; OCR never quite reaches it.</summary>
    private const double TextLayerConfidence = 0.99;

    /// <summary>
    /// Fields whose pattern a misread easily still passes (any count, area, term or amount in range; any Chinese for
    /// free text), unlike an ID's check character, a mobile number's shape, a partner code's format or a place the
    /// division list knows.
    /// </summary>
    private static readonly HashSet<string> WeakPatternFields =
    [
        LoanFormFields.ApplicantName, LoanFormFields.Village, LoanFormFields.Purpose, LoanFormFields.FarmingProject,
        LoanFormFields.HouseholdSize, LoanFormFields.LandAreaMu, LoanFormFields.TermMonths, LoanFormFields.RequestedAmountYuan,
    ];

    /// <summary>
    /// A value the first reading got wrong or lost and only a second reading at another scale made out is doubtful:
    /// where the field's pattern is weak, a person confirms it (a rule next to a cell read as 1 turned 11.3 into 111.3).
    /// </summary>
    private static void FlagWeakSecondLooks(Dictionary<string, string> readAgain, Dictionary<string, ExtractedField> fields, List<ExtractionError> errors)
    {
        foreach (var (field, first) in readAgain)
        {
            if (WeakPatternFields.Contains(field) && fields.TryGetValue(field, out var value) && value.Value is not null && !errors.Any(e => e.Field == field))
            {
                var before = first.Length == 0 ? "nothing was read there at first" : $"it was first read as '{first}'";
                errors.Add(new ExtractionError(field, $"'{value.Value}' was read only on a second look ({before}): please confirm it"));
            }
        }
    }

    /// <summary>Below this confidence a name with a character rarely used in names is not accepted unseen.</summary>
    private const double UnusualNameConfidence = 0.95;

    /// <summary>
    /// chi_sim reads a dense character as a simpler real one (霞 as 起), which no pattern catches; a name holding a
    /// character that names rarely use, read with any doubt at all, goes to a person. A text layer reads as printed.
    /// </summary>
    private static void FlagUnusualNameCharacters(Dictionary<string, ExtractedField> fields, List<ExtractionError> errors)
    {
        if (fields.TryGetValue(LoanFormFields.ApplicantName, out var name) && name.Value is { } value && name.Confidence < UnusualNameConfidence
            && !errors.Any(e => e.Field == LoanFormFields.ApplicantName))
        {
            if (NameCharacters.Unusual(value) is { Count: > 0 } unusual)
            {
                errors.Add(new ExtractionError(LoanFormFields.ApplicantName, $"'{value}' has {string.Join("", unusual)}, which names rarely use: please confirm it"));
            }
            else if (value.Length == 4 && !NameCharacters.HasCompoundSurname(value))
            {
                // Four characters with a one-character surname is rare among Han names; a mark beside the name read as
                // a character (和孙文国 for 孙文国) is not.
                errors.Add(new ExtractionError(LoanFormFields.ApplicantName, $"'{value}' has four characters but no two-character surname: a mark beside the name may have been read as a character; please confirm it"));
            }
        }
    }

    /// <summary>A form with this many doubtful fields was read from a poor page (blur, noise, a bad photo).</summary>
    private const int PoorPageDoubtfulFields = 4;

    /// <summary>What a free-text value on a poor page needs to be accepted unseen.</summary>
    private const double PoorPageFreeTextConfidence = 0.85;

    /// <summary>
    /// Names, villages, purposes and projects have no pattern or list to fail, so a misread character shows only in
    /// the confidence. On a page where several other fields already failed their checks, misreads are likely, so a
    /// free-text value must be read with high confidence to pass without a person's look. Measured on the development
    /// forms (seed 13): one wrong village caught for three right values sent to review.
    /// </summary>
    private void FlagFreeTextOnPoorPages(Dictionary<string, ExtractedField> fields, List<ExtractionError> errors)
    {
        var doubtful = fields.Count(f => errors.Any(e => e.Field == f.Key) || f.Value.Confidence < ReviewThresholds.For(f.Key));
        if (doubtful < PoorPageDoubtfulFields)
        {
            return;
        }
        foreach (var (field, value) in fields)
        {
            // A farming project read letter for letter as one the product lists has that list to check it against:
            // a misread landing exactly on another listed project is far less likely than one within a name.
            var freeText = FreeTextFields.Contains(field) || (field == LoanFormFields.FarmingProject && !ReadAsListedProject(value));
            if (freeText && value.Value is not null && value.Confidence < PoorPageFreeTextConfidence && !errors.Any(e => e.Field == field))
            {
                errors.Add(new ExtractionError(field, $"the page reads poorly ({doubtful} of {fields.Count} fields doubtful) and '{value.Value}' has no pattern to check it against: please confirm it"));
            }
        }
    }

    private bool ReadAsListedProject(ExtractedField project) =>
        project.Value is { } value && known.FarmingProjects.Contains(value)
        && project.RawText is { } raw && TextNormalizer.Normalize(raw).Contains(value, StringComparison.Ordinal);

    /// <summary>
    /// Checks fields against each other and the national division list. A value is never changed to agree with another
    /// field unless it is one character away from what the other field implies; a disagreement becomes a problem.
    /// </summary>
    private void CrossCheck(Dictionary<string, (Reading Reading, ParsedValue Value)> parsed)
    {
        var divisions = known.Divisions;
        string? id = parsed.TryGetValue(LoanFormFields.IdNumber, out var idEntry) && idEntry.Value.IsValid ? idEntry.Value.Value : null;
        if (id is not null)
        {
            var problem = IdentityProblem(id, parsed);
            if (problem is not null)
            {
                parsed[LoanFormFields.IdNumber] = (idEntry.Reading, idEntry.Value with { Problem = problem });
                id = null;
            }
        }

        var idCounty = id is null ? null : divisions.CountyOfCode(id);
        IReadOnlyList<Division> counties = [];
        if (parsed.TryGetValue(LoanFormFields.County, out var county) && county.Value.Value.Length > 0)
        {
            var value = county.Value;
            var printed = TextNormalizer.Normalize(county.Reading.Raw).Trim(':');
            if (idCounty is not null && (!AdministrativeDivisions.SameCounty(idCounty, value.Value) || !value.IsValid))
            {
                // One character off the ID's county: the ID (check character passed) is the better reading.
                var idNames = AdministrativeDivisions.NamesOf(idCounty.Name).ToList();
                var near = idNames.FirstOrDefault(n => TextNormalizer.EditDistance(n, printed) <= 1 || TextNormalizer.EditDistance(n, value.Value) <= 1);
                // The reading as printed, before it was snapped to a county near it (望甸县 to the lending region's
                // 望谟县) or offered as one (水登县 as 永登县), is no county, and one character from the ID's. Two
                // characters (X县) are one character from every other two-character county, so they prove nothing.
                var nearPrinted = idNames.FirstOrDefault(n => n.Length >= 3 && TextNormalizer.EditDistance(n, printed) <= 1);
                var printedIsNoCounty = divisions.CountiesNamed(printed).Count == 0 && !known.Counties.Contains(printed);
                // Only a reading that is no county at all is repaired: a real county one character from the ID's
                // (平江县, 平山县) is where the applicant may well live now.
                value = near is not null && divisions.CountiesNamed(value.Value).Count == 0
                    ? new ParsedValue(near, null, 0.9)
                    : nearPrinted is not null && printedIsNoCounty
                    ? new ParsedValue(nearPrinted, null, 0.9)
                    : AdministrativeDivisions.SameCounty(idCounty, value.Value)
                    ? value
                    : value with { Problem = value.Problem ?? $"the resident ID was issued in {idCounty.Name} ({idCounty.Code}), the form says {value.Value}" };
            }
            parsed[LoanFormFields.County] = (county.Reading, value);
            // A county that exists but disagrees with the ID is still where the township is looked up.
            counties = divisions.CountiesNamed(value.Value);
            if (idCounty is not null && counties.Count > 1)
            {
                counties = counties.Where(c => c.Code == idCounty.Code).DefaultIfEmpty(counties[0]).ToList();
            }
        }
        else if (idCounty is not null)
        {
            counties = [idCounty];
        }

        if (counties.Count == 0 && idCounty is not null)
        {
            counties = [idCounty];
        }
        if (parsed.TryGetValue(LoanFormFields.Township, out var township) && township.Value.IsValid && counties.Count == 0)
        {
            // With no county to look it up in, a township cannot be checked: a person should.
            parsed[LoanFormFields.Township] = (township.Reading, township.Value with { Problem = $"'{township.Value.Value}' cannot be checked: the county was not read" });
        }
        else if (township.Value is not null && township.Value.IsValid && counties.Count > 0)
        {
            var candidates = counties.SelectMany(c => divisions.TownshipsOf(c.Code)).ToList();
            if (candidates.Count > 0 && !candidates.Any(t => t.Name == township.Value.Value))
            {
                var ranked = candidates.Select(t => (t.Name, Distance: TextNormalizer.EditDistance(t.Name, township.Value.Value))).OrderBy(t => t.Distance).ToList();
                var unique = ranked.Count == 1 || ranked[1].Distance > ranked[0].Distance;
                // One character from exactly one township of the county is most likely that township misread, but a
                // printed name the list does not have reads the same: offer it, and let a person confirm.
                // A text layer has no misreads: its reading stays as printed, with the suggestion in the message.
                var near = unique && ranked[0].Distance == 1 && ranked[0].Name.Length >= 3;
                var misreadPossible = township.Reading.MinConfidence < 0.99;
                // Where the resident ID's region code names the county the township is looked up in, the reading is
                // checked against that county's few townships, as a county is against the lending region's: one
                // character from exactly one of them is that one, read wrong. Not when the character that differs
                // is the kind of place (荷田乡 / 荷田镇): townships change from 乡 to 镇 faster than any list.
                var countyCorroborated = idCounty is not null && counties.Count == 1 && counties[0].Code == idCounty.Code;
                var repairable = near && misreadPossible && countyCorroborated && SamePlaceKind(ranked[0].Name, township.Value.Value);
                var value = repairable
                    ? new ParsedValue(ranked[0].Name, null, NearTownshipCertainty)
                    : near
                    ? new ParsedValue(misreadPossible ? ranked[0].Name : township.Value.Value, $"'{township.Value.Value}' is not a township of {string.Join("/", counties.Select(c => c.Name))}; did the form say {ranked[0].Name}?", 0.85)
                    : township.Value with { Problem = $"'{township.Value.Value}' is not a township of {string.Join("/", counties.Select(c => c.Name))} in GB/T 2260" };
                parsed[LoanFormFields.Township] = (township.Reading, value);
            }
        }
    }

    /// <summary>Certainty of a township read one character from exactly one township of the ID's county.</summary>
    private const double NearTownshipCertainty = 0.85;

    /// <summary>Whether two township names end in the same kind of place (镇, 乡, 街道…).</summary>
    private static bool SamePlaceKind(string a, string b) =>
        a.Length > 0 && b.Length > 0 && a[^1] == b[^1] && (a[^1] != '道' || (a.Length > 1 && b.Length > 1 && a[^2] == b[^2]));

    /// <summary>What the ID number's region code and birth date say against the rest of the form, if anything is wrong.</summary>
    private string? IdentityProblem(string id, Dictionary<string, (Reading Reading, ParsedValue Value)> parsed)
    {
        if (!known.Divisions.IsProvinceCode(id))
        {
            return $"'{id}' starts with {id[..2]}, which is no province's code";
        }
        if (!DateOnly.TryParseExact(id[6..14], "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var birth))
        {
            return $"'{id}' has no valid birth date ({id[6..14]})";
        }
        var applied = default(DateOnly);
        var dated = parsed.TryGetValue(LoanFormFields.ApplicationDate, out var date) && date.Value.IsValid
            && DateOnly.TryParse(date.Value.Value, System.Globalization.CultureInfo.InvariantCulture, out applied);
        var asOf = dated ? applied : known.Today;
        var age = asOf.Year - birth.Year - (asOf < birth.AddYears(asOf.Year - birth.Year) ? 1 : 0);
        if (age is < 16 or > 100)
        {
            return $"the ID's birth date {birth:yyyy-MM-dd} makes the applicant {age} on {asOf:yyyy-MM-dd}";
        }
        // Without the application date the age on the form may be up to a few years old: no comparison.
        if (dated && parsed.TryGetValue(FormVocabulary.StatedAge, out var stated) && stated.Value.IsValid
            && int.TryParse(stated.Value.Value, System.Globalization.CultureInfo.InvariantCulture, out var statedAge) && Math.Abs(statedAge - age) > 1)
        {
            return $"the ID's birth date {birth:yyyy-MM-dd} makes the applicant {age} on {asOf:yyyy-MM-dd}, the form states {statedAge}";
        }
        return null;
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

    private sealed record Reading(string Raw, double OcrConfidence, double LabelScore, PageRegion? Region)
    {
        /// <summary>The least confident character's confidence (the mean where the engine gave only one figure).</summary>
        public double MinConfidence { get; init; } = OcrConfidence;
    }

    /// <summary>
    /// A label the engine could not read (a smudge, a rule through it, 申请金额 read as 申请立怒) loses its field unless
    /// the value explains itself: a valid ID number, a mobile number, a date, a partner code, a place name ending in
    /// 县/镇/乡/村, or an amount written with 元 or 万, anywhere on the page that no label (ours or an ignored field's)
    /// claimed. What follows a colon is the value; what precedes it is the unread label.
    /// </summary>
    private IEnumerable<(string Field, string Raw, double Confidence, PageRegion Region)> FindUnlabelledValues(
        List<(int Page, Segment Segment)> segments, Dictionary<string, Reading> found, HashSet<Segment> claimed)
    {
        var missing = SelfEvidentFields.Where(f => !found.ContainsKey(f)).ToList();
        if (missing.Count == 0)
        {
            yield break;
        }
        var claimedText = found.Values.Select(v => TextNormalizer.Normalize(v.Raw)).ToHashSet();
        var unclaimed = segments
            .Where(candidate => !claimed.Contains(candidate.Segment) && !claimedText.Contains(candidate.Segment.Text) && Match(candidate.Segment.Text) is null)
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
        // Only a method the product offers, written out in full, names itself.
        && (field != LoanFormFields.RepaymentMethod || known.RepaymentMethods.Any(m => value.Contains(m, StringComparison.Ordinal)))
        && value.Length > 0
        && parsers.Parse(field, value).IsValid;

    private readonly record struct ValueRead(string Raw, double Confidence, BoundingBox Box, IReadOnlyList<Segment> Used)
    {
        public double MinConfidence { get; init; } = Confidence;
    }

    /// <summary>
    /// The value of a label: the rest of its segment; else the cell to its right on the same row (for a choice field,
    /// every cell up to the next label); else the line just below it, starting under the label.
    /// </summary>
    private ValueRead? ValueFor(Segment label, LabelMatch match, List<Segment> segments, HashSet<Segment> labelSegments, HashSet<Segment> claimed)
    {
        // A unit in brackets after the label ((亩), (元), read as 亩) when the match took the opening bracket) is part
        // of the label, not the value.
        var matched = label.Text[..^match.Remainder.Length];
        var opened = match.Remainder.StartsWith('(') || matched.LastIndexOf('(') > matched.LastIndexOf(')');
        var close = match.Remainder.IndexOf(')', StringComparison.Ordinal);
        // Its opening bracket may be lost or misread (土地面积亩), 期限上月)): one or two Chinese characters and a
        // closing bracket right after the label are still its unit, never a value.
        var lostOpening = !opened && close is >= 1 and <= 2 && match.Remainder[..close].All(TextNormalizer.IsCjk);
        var unit = (opened || lostOpening) && close >= 0 && close <= 4 && !match.Remainder[..close].Any(char.IsAsciiDigit) ? close + 1 : 0;
        if (opened && close < 0 && UnitWithoutClosingBracket().Match(match.Remainder) is { Success: true } unclosed)
        {
            // (亩18.9: the closing bracket lost, the figure right after the unit.
            unit = unclosed.Length;
        }
        var remainder = label.Slice(label.Text.Length - match.Remainder.Length + unit);
        var parseAs = match.Kind == LabelKind.Ignored ? null : match.Field;
        if (remainder.Text.Trim(':', '.', ',', '-', '(', ')').Length > 0)
        {
            if (parseAs is not null && ChoiceFields.Contains(parseAs))
            {
                var rest = RowToTheRight(label, segments, labelSegments, claimed);
                if (rest.Count > 0)
                {
                    var all = rest.Prepend(remainder).ToList();
                    return new ValueRead(string.Concat(all.Select(s => s.Text)), all.Average(s => s.Confidence), BoundingBox.Union(all.Select(s => s.Box)), rest);
                }
            }
            return WithUnit(new ValueRead(remainder.Text, remainder.Confidence, remainder.Box, []) { MinConfidence = remainder.MinConfidence }, remainder, parseAs,
                RowToTheRight(label, segments, labelSegments, claimed));
        }
        var row = RowToTheRight(label, segments, labelSegments, claimed);
        if (row.Count > 0)
        {
            if (parseAs is not null && ChoiceFields.Contains(parseAs))
            {
                return new ValueRead(string.Concat(row.Select(s => s.Text)), row.Average(s => s.Confidence), BoundingBox.Union(row.Select(s => s.Box)), row);
            }
            // A label's last character read apart (填表日 期) sits in between, so a neighbour that fails the field's
            // pattern gives way to the next one that passes.
            var neighbours = row.Take(2).ToList();
            var passing = parseAs is null ? null : neighbours.FirstOrDefault(s => parsers.Parse(parseAs, s.Text).IsValid);
            // Nothing to the right fits, but the line below starts with a value that does: a small label over its value
            // whose row also holds the next box's label, misread and so not known as one.
            if (passing is null && parseAs is not null && ValueBelow(label, segments, labelSegments, claimed) is { } under && parsers.Parse(parseAs, under.Text).IsValid)
            {
                return new ValueRead(under.Text, under.Confidence, under.Box, [under]) { MinConfidence = under.MinConfidence };
            }
            var value = passing ?? neighbours[0];
            return WithUnit(new ValueRead(value.Text, value.Confidence, value.Box, [value]) { MinConfidence = value.MinConfidence }, value, parseAs, row);
        }
        var below = ValueBelow(label, segments, labelSegments, claimed);
        return below is null ? null : new ValueRead(below.Text, below.Confidence, below.Box, [below]) { MinConfidence = below.MinConfidence };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\(?[\u4e00-\u9fff]{1,2}(?=\d)")]
    private static partial System.Text.RegularExpressions.Regex UnitWithoutClosingBracket();

    /// <summary>The unclaimed segment on the line just below a label, starting under it.</summary>
    private static Segment? ValueBelow(Segment label, List<Segment> segments, HashSet<Segment> labelSegments, HashSet<Segment> claimed) =>
        segments
            .Where(s => !labelSegments.Contains(s) && !claimed.Contains(s)
                && s.Box.Top > label.Box.Top + (label.Box.Height / 2)
                && s.Box.Top - label.Box.Bottom < 1.6 * label.Box.Height
                && s.Box.Left < label.Box.Right && s.Box.Right > label.Box.Left
                && Math.Abs(s.Box.Left - label.Box.Left) < 3 * label.Box.Height
                && !s.Text.Contains(':', StringComparison.Ordinal))
            .OrderBy(s => s.Box.Top)
            .FirstOrDefault();

    /// <summary>
    /// A value the first reading missed entirely was hard to read: its second reading counts for a little less than the
    /// engine's own confidence in it.
    /// </summary>
    private const double RecoveredCellFactor = 0.85;

    /// <summary>How far right of a label its empty value cell is looked for, in line heights, when nothing bounds it.</summary>
    private const double EmptyCellWidth = 10;

    /// <summary>The space right of a label up to the next thing read on its row (or the page's edge): where its value should be.</summary>
    private static BoundingBox CellRightOf(Segment label, List<Segment> segments, double pageWidth)
    {
        var height = label.Box.Height;
        var left = label.Box.Right + (0.5 * height);
        var next = segments
            .Where(s => s != label && s.Box.Left > label.Box.Right && OverlapsVertically(s.Box, label.Box))
            .Select(s => s.Box.Left)
            .DefaultIfEmpty(double.MaxValue)
            .Min();
        var right = Math.Min(Math.Min(next - (1.5 * height), left + (EmptyCellWidth * height)), pageWidth > 0 ? pageWidth : double.MaxValue);
        return new BoundingBox(left, label.Box.Top, Math.Max(height, right - left), height);
    }

    /// <summary>Units a form may print apart from the figure, after the blank it is written in (____12____ 个月).</summary>
    private static readonly HashSet<string> SeparateUnits = ["元", "万元", "万", "亩", "人", "口人", "口", "个月", "月", "年", "岁", "周岁"];

    /// <summary>Fields whose figure may be followed by a unit printed apart from it.</summary>
    private static readonly HashSet<string> FieldsWithUnits =
        [LoanFormFields.RequestedAmountYuan, LoanFormFields.LandAreaMu, LoanFormFields.HouseholdSize, LoanFormFields.TermMonths, FormVocabulary.StatedAge];

    /// <summary>
    /// A figure followed on its row by a cell that holds nothing but a unit takes the unit: 2 followed by 年 is 24
    /// months, 3.5 followed by 万元 is 35,000 yuan.
    /// </summary>
    private static ValueRead WithUnit(ValueRead value, Segment valueSegment, string? field, List<Segment> row)
    {
        if (field is null || !FieldsWithUnits.Contains(field) || !value.Raw.Any(char.IsAsciiDigit) || value.Raw.Any(TextNormalizer.IsCjk))
        {
            return value;
        }
        var next = row.Where(s => s != valueSegment && s.Box.Left >= valueSegment.Box.Right - (valueSegment.Box.Height / 2))
            .OrderBy(s => s.Box.Left).FirstOrDefault();
        if (next is null || !SeparateUnits.Contains(next.Text.Trim()) || next.Box.Left - valueSegment.Box.Right > 20 * valueSegment.Box.Height)
        {
            return value;
        }
        return value with { Raw = value.Raw + next.Text.Trim(), Box = BoundingBox.Union([value.Box, next.Box]), Used = [.. value.Used, next] };
    }

    /// <summary>Unclaimed segments to the right of a label on its row, up to the next label.</summary>
    private static List<Segment> RowToTheRight(Segment label, List<Segment> segments, HashSet<Segment> labelSegments, HashSet<Segment> claimed)
    {
        var onRow = segments
            .Where(s => s != label && s.Box.Left >= label.Box.Right - (label.Box.Height / 2) && OverlapsVertically(s.Box, label.Box))
            .OrderBy(s => s.Box.Left)
            .ToList();
        return onRow.TakeWhile(s => !labelSegments.Contains(s)).Where(s => !claimed.Contains(s)).ToList();
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
    private IEnumerable<Segment> SplitAtEmbeddedLabels(Segment segment)
    {
        // A label that starts the segment is not cut by a shorter label inside it (期限(个月) in 借款期限(个月)).
        var head = Match(segment.Text);
        var start = head is null ? 1 : Math.Max(1, segment.Text.Length - head.Remainder.Length);
        var cut = Enumerable.Range(start, Math.Max(0, segment.Text.Length - start))
            .FirstOrDefault(i => labels.Any(l => l.Label.Length >= 4 && segment.Text.AsSpan(i).StartsWith(l.Label, StringComparison.Ordinal)));
        if (cut == 0)
        {
            cut = LabelBeforeLaterColon(segment.Text, start);
        }
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

    /// <summary>
    /// Where a second "label:" starts in "合作机构代码:HZS46397778质表日期:2026-04-26" (two header items read as one,
    /// the second label misread): a label of four or more characters, matched as loosely as at the start of a segment,
    /// that ends exactly at a later colon. 0 when there is none.
    /// </summary>
    private int LabelBeforeLaterColon(string text, int start)
    {
        var firstColon = text.IndexOf(':', start);
        for (var colon = firstColon < 0 ? -1 : text.IndexOf(':', firstColon + 1); colon > 0; colon = text.IndexOf(':', colon + 1))
        {
            for (var length = 8; length >= 4; length--)
            {
                var from = colon - length;
                if (from <= firstColon)
                {
                    continue;
                }
                var match = MatchAtStart(text[from..]);
                if (match is not null && match.Label.Length >= 4 && match.Remainder.StartsWith(':') && text.Length - match.Remainder.Length == colon)
                {
                    return from;
                }
            }
        }
        return 0;
    }

    /// <summary>A three-character label with one character misread counts as a weak match.</summary>
    private const double ShortLabelMisreadScore = 2.0 / 3;

    /// <summary>
    /// 借款人 read as 背款人: a three-character label with one character replaced, standing alone as a cell or followed
    /// by a colon, which is how labels and not values are printed. Anywhere else three characters are too easily hit.
    /// </summary>
    private static bool OneCharacterOffShortLabel(string label, string text)
    {
        if (text.Length < 3 || (text.Length > 3 && text[3] != ':'))
        {
            return false;
        }
        var different = 0;
        for (var i = 0; i < 3; i++)
        {
            different += text[i] == label[i] ? 0 : 1;
        }
        return different == 1 && TextNormalizer.IsCjk(text[0]) && TextNormalizer.IsCjk(text[1]) && TextNormalizer.IsCjk(text[2]);
    }

    public sealed record LabelMatch(string Field, string Label, double Score, string Remainder)
    {
        public LabelKind Kind { get; init; } = LabelKind.Field;
    }

    /// <summary>The best label of the shipped dictionary at the start of <paramref name="text"/> (see <see cref="Match"/>).</summary>
    public static LabelMatch? MatchLabel(string text) => MatchIn(FormVocabulary.Default.Labels, text);

    /// <summary>The best label of this extractor's dictionary at the start of <paramref name="text"/>.</summary>
    public LabelMatch? Match(string text) => MatchIn(labels, text);

    private LabelMatch? MatchAtStart(string text) => MatchIn(labels, text, maxLeadingJunk: 0);

    /// <summary>
    /// The best label at the start of <paramref name="text"/>, allowing up to two characters of leading junk and one
    /// edit per four label characters (none for labels of two or three characters, which are too easy to hit by chance).
    /// </summary>
    private static LabelMatch? MatchIn(IReadOnlyList<LabelEntry> entries, string text, int maxLeadingJunk = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        LabelMatch? best = null;
        foreach (var entry in entries)
        {
            var label = entry.Label;
            var allowed = label.Length / 4;
            if (label.Length == 3 && maxLeadingJunk > 0 && OneCharacterOffShortLabel(label, text) && (best is null || best.Score < ShortLabelMisreadScore))
            {
                best = new LabelMatch(entry.Field, label, ShortLabelMisreadScore, text[3..]) { Kind = entry.Kind };
            }
            if (text.Length == 0 || (allowed == 0 && text.IndexOf(label[0], 0, Math.Min(3, text.Length)) < 0))
            {
                continue;
            }
            for (var offset = 0; offset <= Math.Min(maxLeadingJunk, text.Length - 1); offset++)
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
                        best = new LabelMatch(entry.Field, label, score, remainder) { Kind = entry.Kind };
                    }
                }
            }
        }
        return best;
    }
}
