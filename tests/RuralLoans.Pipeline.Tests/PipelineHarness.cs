using Microsoft.DurableTask.Client;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Pipeline.Tests;

/// <summary>A whole pipeline on the test assembly's dev services, with its own task hub, database and rail simulator.</summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    private readonly HttpClient _railHttp;

    private PipelineHarness(PipelineRuntime runtime, RailSimulator rail, HttpClient railHttp, PipelineOptions options)
    {
        Options = options;
        Runtime = runtime;
        Rail = rail;
        _railHttp = railHttp;
    }

    public PipelineRuntime Runtime { get; }

    /// <summary>Where this pipeline keeps its data (task hub, Cosmos database), for tests that inspect or edit the stores directly.</summary>
    public PipelineOptions Options { get; }

    public RailSimulator Rail { get; }
    public DurableTaskClient Client => Runtime.Client;

    /// <param name="wrapRail">Puts something between the pipeline and the rail simulator, e.g. to hold a payout.</param>
    /// <param name="products">The products intake snapshots, e.g. with a review window short enough to pass during a test.</param>
    /// <param name="challengers">The challenger the scoring step shadow-scores; default: the shipped one.</param>
    /// <param name="cosmosHandler">Sits in the pipeline's Cosmos client, e.g. to make one container unreachable for a while.</param>
    /// <param name="configDirectory">A config folder in place of the repository's, e.g. with lender terms a test needs.</param>
    public static async Task<PipelineHarness> StartAsync(DevServicesFixture services, CancellationToken ct, Func<IPaymentRail, IPaymentRail>? wrapRail = null,
        Products.ProductCatalog? products = null, Domain.Scoring.IShadowModelSource? challengers = null,
        string? configDirectory = null, Steps.PayoutPolling? payouts = null, Microsoft.Azure.Cosmos.RequestHandler? cosmosHandler = null)
    {
        var rail = await RailSimulator.StartAsync(ct: ct);
        var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
        var options = new PipelineOptions
        {
            StorageConnectionString = services.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString, o =>
            {
                if (cosmosHandler is not null)
                {
                    o.CustomHandlers.Add(cosmosHandler);
                }
            }),
            CosmosDatabase = UniqueNames.CosmosDatabase("pipeline"),
            TaskHubName = "Hub" + Guid.NewGuid().ToString("N")[..12],
            Ocr = new OcrOptions(),
            PaymentRail = wrapRail is null ? new HttpPaymentRail(railHttp) : wrapRail(new HttpPaymentRail(railHttp)),
            ConfigDirectory = configDirectory ?? Path.Combine(RepositoryRoot(), "config"),
            Products = products ?? Products.ProductCatalog.Default,
            Challengers = challengers,
            Payouts = payouts ?? new Steps.PayoutPolling(),
        };
        var runtime = await PipelineRuntime.StartAsync(options, ct);
        return new PipelineHarness(runtime, rail, railHttp, options);
    }

    /// <summary>The instance with its input, output and custom status; null when there is none.</summary>
    public Task<OrchestrationMetadata?> StatusAsync(string applicationId, CancellationToken ct) => Client.GetInstanceAsync(applicationId, getInputsAndOutputs: true, ct);

    /// <summary>
    /// Waits until the instance has finished; a test that waits longer than <paramref name="timeout"/> fails. Unless
    /// <paramref name="acceptContract"/> is off, the borrower accepts the contract when it is offered, as one who reads
    /// and signs it would.
    /// </summary>
    public async Task<OrchestrationMetadata> WaitForCompletionAsync(string applicationId, TimeSpan timeout, CancellationToken ct, bool acceptContract = true)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(timeout);
        using var stopAccepting = CancellationTokenSource.CreateLinkedTokenSource(patience.Token);
        var borrower = acceptContract
            ? Runtime.AcceptContractsUntilStoppedAsync(() => [applicationId], stopAccepting.Token)
            : Task.FromResult(0);
        try
        {
            return await Client.WaitForInstanceCompletionAsync(applicationId, getInputsAndOutputs: true, patience.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var state = await StatusAsync(applicationId, ct);
            throw new TimeoutException($"Application {applicationId} did not finish within {timeout}; last status: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
        }
        finally
        {
            await stopAccepting.CancelAsync();
            await borrower;
        }
    }

    /// <summary>
    /// Waits until the application reports <paramref name="stage"/>. A stage past the contract is reached the way a
    /// borrower would let it: the offered contract is accepted on the way, unless <paramref name="acceptContract"/> is off.
    /// </summary>
    public async Task<OrchestrationMetadata> WaitForStageAsync(string applicationId, ApplicationStage stage, CancellationToken ct, bool acceptContract = true)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        OrchestrationMetadata? state = null;
        var accepted = false;
        while (DateTime.UtcNow < deadline)
        {
            state = await StatusAsync(applicationId, ct);
            var current = state?.ReadCustomStatusAs<ApplicationProgress>()?.Stage;
            if (current == stage)
            {
                return state!;
            }
            if (current == ApplicationStage.AwaitingContract && acceptContract && !accepted)
            {
                await Runtime.AcceptOfferedContractAsync(applicationId, ct);
                accepted = true;
            }
            if (state?.RuntimeStatus is OrchestrationRuntimeStatus.Failed)
            {
                throw new InvalidOperationException($"Application {applicationId} failed: {state.FailureDetails}");
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"Application {applicationId} did not reach {stage}; last status: {state?.SerializedCustomStatus}");
    }

    /// <summary>Waits for the application to finish and requires that it completed; its outcome.</summary>
    public async Task<ApplicationOutcome> FinishAsync(string applicationId, CancellationToken ct)
    {
        var done = await WaitForCompletionAsync(applicationId, TimeSpan.FromSeconds(90), ct);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            // The engine's own record of what happened, for a failure that carries no details of its own.
            var history = global::RuralLoans.TaskHub.HistoryEntries.Describe(await ((global::RuralLoans.TaskHub.AzureStorageTaskHubClient)Client).GetOrchestrationHistoryAsync(applicationId, ct));
            Assert.Fail($"{applicationId} ended {done.RuntimeStatus}: {done.FailureDetails} {done.SerializedOutput}\n"
                + string.Join("\n", history.Select(h => h.ToString())));
        }
        return done.ReadOutputAs<ApplicationOutcome>()!;
    }

    /// <summary>An auditor over this pipeline's stores that replays another orchestrator: today's code changed.</summary>
    public global::RuralLoans.Pipeline.Audit.ApplicationAuditor AuditorWith(Func<Microsoft.DurableTask.ITaskOrchestrator> orchestrator)
    {
        var config = Options.ConfigDirectory;
        var lending = global::RuralLoans.Pipeline.CoLending.LendingCatalog.Load(Path.Combine(config, "lenders.json"), Path.Combine(config, "co-lending-products.json"));
        return new global::RuralLoans.Pipeline.Audit.ApplicationAuditor(Runtime.Client, orchestrator, Runtime.Decisions, Runtime.Ledger, lending, Runtime.Journal,
            new global::RuralLoans.Pipeline.Audit.HistoryTable(Runtime.StorageAccount, Options.TaskHubName), Runtime.Steps.Contracts, Runtime.Steps.Challengers);
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await Rail.DisposeAsync();
        _railHttp.Dispose();
    }

    public static string RepositoryRoot() => DevServices.RepositoryRoot.Find();
}
