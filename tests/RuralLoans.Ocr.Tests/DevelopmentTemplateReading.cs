using RuralLoans.FormGenerator;

namespace RuralLoans.Ocr.Tests;

/// <summary>Reads one fresh form of every development template in a tier and checks how many fields came out right.</summary>
internal static class DevelopmentTemplateReading
{
    public static async Task AssertReadAsync(string directory, QualityTier tier, IOcrEngine engine, double minRightShare, int maxSilentErrors)
    {
        var forms = SampleSet.Generate(directory, seed: 4242, formsPerTier: FormTemplates.Layouts(FormSplit.Development).Count, [tier]);

        var scores = await AccuracyHarness.ScoreAsync(directory, forms, engine, TestContext.Current.CancellationToken);

        Assert.Equal(FormTemplates.Layouts(FormSplit.Development), scores.Select(s => s.Form.Layout).Order());
        var right = scores.Sum(s => s.FieldCount - s.WrongFields.Count);
        var fields = scores.Sum(s => s.FieldCount);
        Assert.True(right >= fields * minRightShare, $"{right}/{fields} fields right:\n{AccuracyHarness.Details(scores)}");
        var silent = scores.Sum(s => s.WrongFields.Count(f => !s.Extracted.NeedsReview(f)));
        Assert.True(silent <= maxSilentErrors, $"{silent} wrong fields were not flagged:\n{AccuracyHarness.Details(scores)}");
    }
}
