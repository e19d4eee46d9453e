using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RuralLoans.Domain.CoLending;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.CoLending;

/// <summary>
/// One borrower, one open loan per product: re-uploads of a form with a few extra bytes are new applications, but the
/// borrower — recognised by the keyed hash of the resident ID — is the same, and only one is paid out.
/// </summary>
public sealed partial class OneBorrowerOneLoanTests(DevServicesFixture services) : IAsyncLifetime
{
    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    /// <summary>The same form with bytes after its end: a different file, so intake makes a different application of it.</summary>
    private static byte[] WithExtraBytes(byte[] pdf, int n) => [.. pdf, .. Encoding.ASCII.GetBytes($"\n% rescan {n}\n")];

    [Fact]
    public async Task A_re_uploaded_form_of_a_borrower_with_a_loan_is_refused_with_a_reason_code()
    {
        var ct = TestContext.Current.CancellationToken;
        var form = TestForms.TextPdf(TestForms.GoodHousehold("43062619820315123"));

        var first = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct);
        Assert.Equal(ApplicationStage.Disbursed, (await _pipeline.FinishAsync(first.ApplicationId, ct)).Stage);
        var outcomes = new List<ApplicationOutcome>();
        for (var n = 1; n <= 3; n++)
        {
            var again = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", WithExtraBytes(form, n)), ct);
            Assert.NotEqual(first.ApplicationId, again.ApplicationId);
            outcomes.Add(await _pipeline.FinishAsync(again.ApplicationId, ct));
        }

        Assert.All(outcomes, o =>
        {
            Assert.Equal(ApplicationStage.Declined, o.Stage);
            Assert.Contains(BorrowerExposures.OneOpenPerProductRule, o.Summary, StringComparison.Ordinal);
            Assert.Equal("C01", Assert.Single(o.Reasons!).Code);
        });
        Assert.Single(_pipeline.Rail.CommittedPayouts);
    }

    [Fact]
    public async Task Two_concurrent_applications_of_the_same_borrower_cannot_both_be_paid_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var form = TestForms.TextPdf(TestForms.GoodHousehold("43062619780502231"));

        var submitted = await Task.WhenAll(Enumerable.Range(1, 2).Select(n => _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", WithExtraBytes(form, n)), ct)));
        var outcomes = await Task.WhenAll(submitted.Select(s => _pipeline.FinishAsync(s.ApplicationId, ct)));

        Assert.Single(outcomes, o => o.Stage == ApplicationStage.Disbursed);
        var refused = Assert.Single(outcomes, o => o.Stage == ApplicationStage.Declined);
        Assert.Equal("C01", Assert.Single(refused.Reasons!).Code);
        Assert.Single(_pipeline.Rail.CommittedPayouts);
        // The refused application held nothing; the paid one is the borrower's open loan of the product.
        var sweep = await _pipeline.Runtime.ReservationSweep.RunAsync(new RuralLoans.Pipeline.CoLending.ReservationSweepPolicy { Grace = TimeSpan.Zero }, ct);
        Assert.Equal(1, sweep.BorrowerHoldsDisbursed);
        Assert.Equal(0, sweep.BorrowerHoldsReleased);
    }

    [Fact]
    public async Task The_borrower_is_recorded_under_the_keyed_hash_never_the_unsalted_sha256()
    {
        var ct = TestContext.Current.CancellationToken;
        var household = TestForms.GoodHousehold("43062619900101301");
        var residentId = household[LoanFormFields.IdNumber];

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", TestForms.TextPdf(household)), ct);
        await _pipeline.FinishAsync(submitted.ApplicationId, ct);

        var record = await _pipeline.Runtime.Applications.GetAsync(submitted.ApplicationId, ct);
        var unsalted = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(residentId)));
        Assert.NotEqual(unsalted, record!.ApplicantIdHash);
        Assert.Equal(ResidentIdHasher.Development.Hash(residentId), record.ApplicantIdHash);
        var exposure = await _pipeline.Runtime.Steps.Borrowers.GetAsync(ResidentIdHasher.Development.Hash(residentId), ct);
        Assert.Equal(30_000m, Assert.Single(exposure.Holds.Values).AmountYuan);
    }

    [Fact]
    public void The_demo_blacklist_holds_keyed_hashes_and_no_resident_id()
    {
        var path = Path.Combine(PipelineHarness.RepositoryRoot(), "config", "blacklist.json");
        var text = File.ReadAllText(path);
        using var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(PipelineHarness.RepositoryRoot(), "samples", "demo", "cases.json")));
        var blacklisted = cases.RootElement.GetProperty("cases").EnumerateArray()
            .Single(c => c.GetProperty("file").GetString() == "02-declined-blacklist.pdf").GetProperty("truth").GetProperty("idNumber").GetString()!;
        var unsalted = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(blacklisted)));

        Assert.DoesNotMatch(ResidentIdPattern(), text);
        Assert.DoesNotContain(unsalted, text, StringComparison.Ordinal);
        Assert.Contains(ResidentIdHasher.Development.Hash(blacklisted), Credit.ApplicantFactsSource.ReadBlacklist(path).ResidentIdHashes);
    }

    [GeneratedRegex(@"""\d{17}[\dXx]""")]
    private static partial Regex ResidentIdPattern();
}
