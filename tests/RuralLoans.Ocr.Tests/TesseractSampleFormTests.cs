using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>Reads every committed sample form with real Tesseract and compares with its expected values.</summary>
public sealed class TesseractSampleFormTests
{
    private readonly LoanFormReader reader = new(new TesseractOcrEngine(new OcrOptions()));

    public static TheoryData<string> TextPdfs => SampleForms.Files(QualityTier.TextPdf);

    // OCR tiers are judged per tier, as the accuracy report does: the chi_sim model misreads the odd character in a name
    // or a purpose (艳 → 攻 in one committed clean scan), which no single form should be failed for, but a tier that
    // loses more than two of its 45 fields has regressed.
    [Fact]
    public async Task Clean_scans_yield_nearly_every_field() => await AssertTierAsync(QualityTier.CleanScan, minimumRight: 43);

    [Fact]
    public async Task Phone_photos_yield_nearly_every_field() => await AssertTierAsync(QualityTier.PhonePhoto, minimumRight: 43);

    [Theory]
    [MemberData(nameof(TextPdfs))]
    public async Task Text_pdfs_yield_every_field_from_the_text_layer(string file)
    {
        var wrong = await WrongFieldsAsync(file);
        Assert.True(wrong.Count == 0, $"{file}: {string.Join('\n', wrong)}");
    }

    [Fact]
    public async Task Image_only_pdfs_are_read_by_ocr() => await AssertTierAsync(QualityTier.ScannedPdf, minimumRight: 43);

    [Fact]
    public async Task Each_layout_is_covered_in_each_tier()
    {
        // The committed samples predate the Mild and Harsh tiers and the held-out templates (those are generated fresh
        // by GeneratedFormTests and `ocr eval`); within what they hold, no tier may lack a layout.
        var combinations = SampleForms.All.Select(f => (f.Tier, f.Layout)).Distinct().Count();
        var tiers = SampleForms.All.Select(f => f.Tier).Distinct().Count();
        var layouts = SampleForms.All.Select(f => f.Layout).Distinct().Count();
        Assert.True(tiers >= 4 && layouts >= 3, $"{tiers} tiers, {layouts} layouts");
        Assert.Equal(tiers * layouts, combinations);
        await Task.CompletedTask;
    }

    /// <summary>Every form of the tier keeps at least 13 of 15 fields, and the tier as a whole <paramref name="minimumRight"/>.</summary>
    private async Task AssertTierAsync(QualityTier tier, int minimumRight)
    {
        var forms = SampleForms.All.Where(f => f.Tier == tier).ToList();
        var wrong = new List<string>();
        var right = 0;
        var worstForm = int.MaxValue;
        foreach (var form in forms)
        {
            var formWrong = await WrongFieldsAsync(form.File);
            wrong.AddRange(formWrong.Select(w => $"{form.File} {w}"));
            right += form.Expected.Count - formWrong.Count;
            worstForm = Math.Min(worstForm, form.Expected.Count - formWrong.Count);
        }
        var report = $"{tier}: {right}/{forms.Sum(f => f.Expected.Count)} right, worst form {worstForm}:\n{string.Join('\n', wrong)}";
        Assert.True(right >= minimumRight && worstForm >= 13, report);
    }

    private async Task<List<string>> WrongFieldsAsync(string file)
    {
        var form = SampleForms.Get(file);
        var result = await reader.ReadAsync(SampleForms.Bytes(file), form.ContentType, TestContext.Current.CancellationToken);
        Assert.Equal(LoanFormFields.All, result.Fields.Keys);
        return form.Expected
            .Where(e => result.Fields[e.Key].Value != e.Value)
            .Select(e => $"{e.Key}: expected '{e.Value}', read '{result.Fields[e.Key].Value}' (raw '{result.Fields[e.Key].RawText}')")
            .ToList();
    }
}
