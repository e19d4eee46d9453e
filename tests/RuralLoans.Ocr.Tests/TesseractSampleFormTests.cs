using RuralLoans.FormGenerator;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;

namespace RuralLoans.Ocr.Tests;

/// <summary>Reads every committed sample form with real Tesseract and compares with its expected values.</summary>
public sealed class TesseractSampleFormTests
{
    private readonly LoanFormReader reader = new(new TesseractOcrEngine(new OcrOptions()));

    public static TheoryData<string> CleanScans => SampleForms.Files(QualityTier.CleanScan);

    public static TheoryData<string> PhonePhotos => SampleForms.Files(QualityTier.PhonePhoto);

    public static TheoryData<string> TextPdfs => SampleForms.Files(QualityTier.TextPdf);

    public static TheoryData<string> ScannedPdfs => SampleForms.Files(QualityTier.ScannedPdf);

    [Theory]
    [MemberData(nameof(CleanScans))]
    public async Task Clean_scans_yield_nearly_every_field(string file) => await AssertFieldsRightAsync(file, minimumRight: 14);

    [Theory]
    [MemberData(nameof(PhonePhotos))]
    public async Task Phone_photos_yield_nearly_every_field(string file) => await AssertFieldsRightAsync(file, minimumRight: 14);

    [Theory]
    [MemberData(nameof(TextPdfs))]
    public async Task Text_pdfs_yield_every_field_from_the_text_layer(string file) => await AssertFieldsRightAsync(file, minimumRight: 15);

    [Theory]
    [MemberData(nameof(ScannedPdfs))]
    public async Task Image_only_pdfs_are_read_by_ocr(string file) => await AssertFieldsRightAsync(file, minimumRight: 14);

    [Fact]
    public async Task Each_layout_is_covered_in_each_tier()
    {
        var combinations = SampleForms.All.Select(f => (f.Tier, f.Layout)).Distinct().Count();
        Assert.Equal(Enum.GetValues<QualityTier>().Length * Enum.GetValues<FormLayout>().Length, combinations);
        await Task.CompletedTask;
    }

    private async Task AssertFieldsRightAsync(string file, int minimumRight)
    {
        var form = SampleForms.Get(file);
        var result = await reader.ReadAsync(SampleForms.Bytes(file), form.ContentType, TestContext.Current.CancellationToken);
        var wrong = form.Expected
            .Where(e => result.Fields[e.Key].Value != e.Value)
            .Select(e => $"{e.Key}: expected '{e.Value}', read '{result.Fields[e.Key].Value}' (raw '{result.Fields[e.Key].RawText}')")
            .ToList();
        Assert.True(form.Expected.Count - wrong.Count >= minimumRight, $"{file}: {form.Expected.Count - wrong.Count}/{form.Expected.Count} right, wanted {minimumRight}:\n{string.Join('\n', wrong)}");
        Assert.Equal(LoanFormFields.All, result.Fields.Keys);
    }
}
