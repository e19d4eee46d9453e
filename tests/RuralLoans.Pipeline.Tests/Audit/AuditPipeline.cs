using Microsoft.DurableTask.Client;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests.Audit;

/// <summary>A whole pipeline on the new stack (local task hub on Azurite, Cosmos emulator), with its own hub, database and rail.</summary>
internal sealed class AuditPipeline : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly HttpClient _railHttp;
    private readonly RailSimulator _rail;

    private AuditPipeline(PipelineRuntime runtime, RailSimulator rail, HttpClient railHttp, PipelineOptions options)
    {
        Runtime = runtime;
        Options = options;
        _rail = rail;
        _railHttp = railHttp;
    }

    public PipelineRuntime Runtime { get; }

    public PipelineOptions Options { get; }

    public static async Task<AuditPipeline> StartAsync(DevServicesFixture services, CancellationToken ct)
    {
        var rail = await RailSimulator.StartAsync(ct: ct);
        var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
        var options = new PipelineOptions
        {
            StorageConnectionString = services.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString),
            CosmosDatabase = UniqueNames.CosmosDatabase("audit"),
            TaskHubName = "Audit" + Guid.NewGuid().ToString("N")[..12],
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(DevServices.RepositoryRoot.Find(), "config"),
        };
        var runtime = await PipelineRuntime.StartAsync(options, ct);
        return new AuditPipeline(runtime, rail, railHttp, options);
    }

    /// <summary>An auditor over this pipeline's stores that replays another orchestrator: today's code changed.</summary>
    public ApplicationAuditor AuditorWith(Func<Microsoft.DurableTask.ITaskOrchestrator> orchestrator)
    {
        var config = Options.ConfigDirectory;
        var lending = LendingCatalog.Load(Path.Combine(config, "lenders.json"), Path.Combine(config, "co-lending-products.json"));
        return new ApplicationAuditor(Runtime.Client, orchestrator, Runtime.Decisions, Runtime.Ledger, lending, Runtime.Journal,
            new HistoryTable(Runtime.StorageAccount, Options.TaskHubName));
    }

    public async Task<ApplicationOutcome> FinishAsync(string applicationId, CancellationToken ct)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(Patience);
        var done = await Runtime.Client.WaitForInstanceCompletionAsync(applicationId, getInputsAndOutputs: true, patience.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{applicationId} ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        return done.ReadOutputAs<ApplicationOutcome>()!;
    }

    public async Task WaitForStageAsync(string applicationId, ApplicationStage stage, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        ApplicationProgress? progress = null;
        while (DateTime.UtcNow < deadline)
        {
            var state = await Runtime.Client.GetInstancesAsync(applicationId, getInputsAndOutputs: false, ct);
            progress = state?.ReadCustomStatusAs<ApplicationProgress>();
            if (progress?.Stage == stage && state!.RuntimeStatus == OrchestrationRuntimeStatus.Running)
            {
                return;
            }
            Assert.False(state?.RuntimeStatus == OrchestrationRuntimeStatus.Failed, $"{applicationId} failed: {state?.FailureDetails?.ErrorMessage}");
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"{applicationId} did not reach {stage}; last stage {progress?.Stage}");
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await _rail.DisposeAsync();
        _railHttp.Dispose();
    }
}
