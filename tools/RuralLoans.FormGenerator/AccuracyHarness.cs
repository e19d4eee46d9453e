using System.Diagnostics;
using System.Globalization;
using System.Text;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.FormGenerator;

/// <summary>
/// The outcome of reading one sample form: which fields came out right, how long the page took (wall clock) and the CPU
/// it cost (this process plus the Tesseract child process).
/// </summary>
public sealed record FormScore(SampleForm Form, IReadOnlyList<string> WrongFields, int FieldCount, TimeSpan Elapsed, TimeSpan Cpu, ExtractedForm Extracted);

/// <summary>Reads generated forms with a real engine and scores field accuracy per quality tier.</summary>
public static class AccuracyHarness
{
    /// <summary>Below this confidence a field is routed to a human reviewer.</summary>
    public const double ReviewConfidence = 0.5;

    public static bool IsFlagged(ExtractedForm extracted, string field)
    {
        ArgumentNullException.ThrowIfNull(extracted);
        return extracted.Fields[field].Confidence < ReviewConfidence || extracted.Errors.Any(e => e.Field == field);
    }

    public static async Task<IReadOnlyList<FormScore>> ScoreAsync(string directory, IReadOnlyList<SampleForm> forms, IOcrEngine engine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(forms);
        var reader = new LoanFormReader(engine);
        var scores = new List<FormScore>();
        if (forms.Count > 0)
        {
            // A service reads pages with warm code: the first read compiles the preprocessing and parsing paths.
            await reader.ReadAsync(await File.ReadAllBytesAsync(Path.Combine(directory, forms[0].File), cancellationToken).ConfigureAwait(false), forms[0].ContentType, cancellationToken).ConfigureAwait(false);
        }
        foreach (var form in forms)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, form.File), cancellationToken).ConfigureAwait(false);
            // Forms are read one at a time, so this process's CPU and its exited children's are this page's alone.
            var cpuBefore = CpuClock.Process + CpuClock.ExitedChildren;
            var watch = Stopwatch.StartNew();
            var extracted = await reader.ReadAsync(bytes, form.ContentType, cancellationToken).ConfigureAwait(false);
            watch.Stop();
            var cpu = CpuClock.Process + CpuClock.ExitedChildren - cpuBefore;
            var wrong = form.Expected.Where(e => extracted.Fields[e.Key].Value != e.Value).Select(e => e.Key).ToList();
            scores.Add(new FormScore(form, wrong, form.Expected.Count, watch.Elapsed, cpu, extracted));
        }
        return scores;
    }

    public static string Report(IReadOnlyList<FormScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var text = new StringBuilder();
        text.AppendLine("| tier | forms | fields right | field accuracy | wrong but flagged | forms fully right | CPU s/page (mean, max) | wall s/page (mean, max) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var tier in scores.GroupBy(s => s.Form.Tier))
        {
            var total = tier.Sum(s => s.FieldCount);
            var wrong = tier.Sum(s => s.WrongFields.Count);
            var flagged = tier.Sum(s => s.WrongFields.Count(f => IsFlagged(s.Extracted, f)));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {tier.Key} | {tier.Count()} | {total - wrong}/{total} | {100.0 * (total - wrong) / total:0.0}% | {flagged}/{wrong} | {tier.Count(s => s.WrongFields.Count == 0)}/{tier.Count()} | {tier.Average(s => s.Cpu.TotalSeconds):0.00}, {tier.Max(s => s.Cpu.TotalSeconds):0.00} | {tier.Average(s => s.Elapsed.TotalSeconds):0.00}, {tier.Max(s => s.Elapsed.TotalSeconds):0.00} |");
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"\"Wrong but flagged\": the wrong value has confidence below {ReviewConfidence} or an extraction error, so it goes to a reviewer.");
        text.AppendLine();
        text.AppendLine("Field accuracy by layout:");
        text.AppendLine();
        text.AppendLine("| tier | label：value lines | ruled table | two columns |");
        text.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var tier in scores.GroupBy(s => s.Form.Tier))
        {
            var cells = Enum.GetValues<FormLayout>().Select(layout =>
            {
                var group = tier.Where(s => s.Form.Layout == layout).ToList();
                var total = group.Sum(s => s.FieldCount);
                return total == 0 ? "–" : $"{100.0 * (total - group.Sum(s => s.WrongFields.Count)) / total:0.0}%";
            });
            text.AppendLine(CultureInfo.InvariantCulture, $"| {tier.Key} | {string.Join(" | ", cells)} |");
        }
        var misses = scores.SelectMany(s => s.WrongFields).GroupBy(f => f).OrderByDescending(g => g.Count()).ToList();
        if (misses.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Fields most often wrong: " + string.Join(", ", misses.Select(g => $"{g.Key} ({g.Count()})")) + ".");
        }
        return text.ToString();
    }

    /// <summary>Prints each wrong field with what was expected and what was read, for tuning.</summary>
    public static string Details(IReadOnlyList<FormScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var text = new StringBuilder();
        foreach (var score in scores.Where(s => s.WrongFields.Count > 0))
        {
            foreach (var field in score.WrongFields)
            {
                var got = score.Extracted.Fields[field];
                text.AppendLine(CultureInfo.InvariantCulture, $"{score.Form.File} [{score.Form.Font}] {field}: expected '{score.Form.Expected[field]}', read '{got.Value}' (raw '{got.RawText}', {got.Confidence:0.00})");
            }
        }
        return text.ToString();
    }
}
