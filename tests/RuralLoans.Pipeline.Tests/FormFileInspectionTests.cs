using RuralLoans.Pipeline.Intake;

namespace RuralLoans.Pipeline.Tests;

/// <summary>The content checks at the edge let every real form through: the demo forms, scans and text PDFs partners send.</summary>
public sealed class FormFileInspectionTests
{
    public static TheoryData<string> DemoFiles() => [.. Directory.GetFiles(Path.Combine(PipelineHarness.RepositoryRoot(), "samples", "demo"))
        .Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(DemoFiles))]
    public void Every_demo_form_and_photo_passes_the_content_checks(string name)
    {
        var content = File.ReadAllBytes(Path.Combine(PipelineHarness.RepositoryRoot(), "samples", "demo", name));
        var type = FormFileTypes.Detect(content);
        Assert.NotNull(type);
        Assert.Null(FormFileInspection.Inspect(type.Value, content));
    }

    [Fact]
    public void Rendered_scans_and_text_pdfs_pass_and_their_truncations_do_not()
    {
        var household = TestForms.GoodHousehold();
        foreach (var form in new[] { TestForms.TextPdf(household), TestForms.CleanScan(household) })
        {
            var type = FormFileTypes.Detect(form)!.Value;
            Assert.Null(FormFileInspection.Inspect(type, form));
            Assert.Equal("damaged-file", FormFileInspection.Inspect(type, form.AsSpan(0, form.Length / 2))?.Code);
        }
    }
}
