using System.Text.Json;
using Microsoft.DurableTask.Client;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests;

/// <summary>Every application the demo pushes ends the way samples/demo/cases.json says, with the people's answers the demo gives.</summary>
public sealed class DemoCasesTests(DevServicesFixture services) : IAsyncLifetime
{
    private sealed record DemoAction(string When, Dictionary<string, string>? PreCheck, bool? ReviewApproves);

    private sealed record DemoCase(string Name, string File, string Partner, string Product, string ExpectedStage, Dictionary<string, string> Truth, List<DemoAction> Actions);

    private sealed record CasesFile(List<DemoCase> Cases);

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private static readonly string Samples = Path.Combine(PipelineHarness.RepositoryRoot(), "samples", "demo");

    private static List<DemoCase> Cases { get; } = JsonSerializer.Deserialize<CasesFile>(
        File.ReadAllText(Path.Combine(Samples, "cases.json")), WebJson)!.Cases;

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.Name));

    private PipelineHarness _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await PipelineHarness.StartAsync(services, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task The_demo_case_ends_as_expected(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var demo = Cases.Single(c => c.Name == name);
        var actions = _pipeline.Runtime.Actions;

        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(
            new SubmitApplication(demo.Partner, demo.Product, await File.ReadAllBytesAsync(Path.Combine(Samples, demo.File), ct)), ct);
        foreach (var action in demo.Actions)
        {
            var stage = Enum.Parse<ApplicationStage>(action.When);
            var waiting = (await _pipeline.WaitForStageAsync(submitted.ApplicationId, stage, ct)).ReadCustomStatusAs<ApplicationProgress>()!;
            switch (stage)
            {
                case ApplicationStage.NeedsCorrection:
                    var flagged = waiting.Errors!.Select(e => e.Field).Distinct().ToList();
                    Assert.NotEmpty(flagged);
                    await actions.CorrectAsync(submitted.ApplicationId, demo.Partner, flagged.ToDictionary(f => f, f => demo.Truth[f]), ct);
                    break;
                case ApplicationStage.AwaitingPreCheck:
                    await actions.PreCheckAsync(submitted.ApplicationId, action.PreCheck!["villagePartner"], approve: true, true, true, true,
                        [new PreCheckPhoto(await File.ReadAllBytesAsync(Path.Combine(Samples, "precheck-cattle-shed.jpg"), ct))], action.PreCheck.GetValueOrDefault("remarks"), ct);
                    break;
                case ApplicationStage.AwaitingHumanReview:
                    await actions.ReviewAsync(submitted.ApplicationId, "OP-TEST", action.ReviewApproves!.Value, "test", ct);
                    break;
                default:
                    throw new InvalidOperationException($"cases.json names an action for {stage}, where nobody is asked anything.");
            }
        }

        if (demo.ExpectedStage == nameof(ApplicationStage.Declined))
        {
            // The demo shows a decline as soon as it is made; the borrower's review window stays open behind it.
            var declined = await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.Declined, ct);
            Assert.Equal(OrchestrationRuntimeStatus.Running, declined.RuntimeStatus);
            Assert.NotNull(declined.ReadCustomStatusAs<ApplicationProgress>()!.WaitingUntilUtc);
        }
        else
        {
            var done = await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(90), ct);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(demo.ExpectedStage, done.ReadOutputAs<ApplicationOutcome>()!.Stage.ToString());
        }
        Assert.Equal(demo.ExpectedStage == "Disbursed" ? 1 : 0, _pipeline.Rail.CommittedPayouts.Count);
    }

    [Fact]
    public async Task A_second_answer_to_a_question_already_answered_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var referred = Cases.Single(c => c.Actions.Any(a => a.When == nameof(ApplicationStage.AwaitingHumanReview)));
        var submitted = await _pipeline.Runtime.Intake.SubmitAsync(
            new SubmitApplication(referred.Partner, referred.Product, await File.ReadAllBytesAsync(Path.Combine(Samples, referred.File), ct)), ct);
        await _pipeline.WaitForStageAsync(submitted.ApplicationId, ApplicationStage.AwaitingHumanReview, ct);

        var wrongPartner = await Assert.ThrowsAsync<ActionRefusedException>(() => _pipeline.Runtime.Actions.CorrectAsync(submitted.ApplicationId, "MFI999", new Dictionary<string, string> { ["phone"] = "13800000000" }, ct));
        Assert.Equal("not-your-application", wrongPartner.Code);
        await _pipeline.Runtime.Actions.ReviewAsync(submitted.ApplicationId, "OP-1", approve: false, "declined by officer", ct);
        await _pipeline.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(60), ct);

        var late = await Assert.ThrowsAsync<ActionRefusedException>(() => _pipeline.Runtime.Actions.ReviewAsync(submitted.ApplicationId, "OP-2", approve: true, null, ct));
        Assert.Equal("wrong-step", late.Code);
        Assert.Empty(_pipeline.Rail.CommittedPayouts);
    }
}
