using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Domain.Scoring;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Payments;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Credit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.Products;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Disbursements;
using RuralLoans.Storage.Journal;
using RuralLoans.Storage.Ledger;
using RuralLoans.Storage.Quotas;
using RuralLoans.TaskHub;

namespace RuralLoans.Pipeline;

/// <summary>Everything the pipeline needs to run, as plain values, so the host, the CLI and tests build it the same way.</summary>
public sealed record PipelineOptions
{
    /// <summary>A storage connection string (local, or account keys); or set <see cref="Storage"/> instead.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>The storage account, e.g. reached with a managed identity; wins over <see cref="StorageConnectionString"/>.</summary>
    public StorageAccount? Storage { get; init; }
    public required CosmosClient Cosmos { get; init; }
    public required string CosmosDatabase { get; init; }
    public required string TaskHubName { get; init; }
    public required OcrOptions Ocr { get; init; }
    public required IPaymentRail PaymentRail { get; init; }

    /// <summary>Folder with partners.json, lenders.json, co-lending-products.json and blacklist.json.</summary>
    public required string ConfigDirectory { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Keys the borrower's resident-ID hash; the development key unless the host's ResidentIdHashKey setting gives one.</summary>
    public Domain.CoLending.ResidentIdHasher ResidentIds { get; init; } = Domain.CoLending.ResidentIdHasher.Development;

    /// <summary>The products intake snapshots into each application; tests swap in shorter deadlines.</summary>
    public ProductCatalog Products { get; init; } = ProductCatalog.Default;
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Run the task hub's worker in this process. Off for one-shot commands that only start or inspect applications.</summary>
    public bool RunWorker { get; init; } = true;

    /// <summary>How the local task hub polls, leases and caches; defaults to <see cref="LocalTaskHubSettings"/>.</summary>
    public TaskHubSettings? TaskHub { get; init; }

    /// <summary>
    /// Create the Cosmos database and containers when missing. Off with a managed identity: data-plane roles cannot
    /// create them, the infrastructure templates do.
    /// </summary>
    public bool CreateCosmosResources { get; init; } = true;

    /// <summary>
    /// The challenger model shadow-scored beside the champion scorecard; default: the shipped rural household challenger
    /// (<see cref="Scoring.Challenger.ChallengerCatalog.Shipped()"/>).
    /// </summary>
    public IShadowModelSource? Challengers { get; init; }

    /// <summary>Added to every Azure Storage client the pipeline creates, e.g. to count storage transactions.</summary>
    public Azure.Core.Pipeline.HttpPipelinePolicy? StorageRequestPolicy { get; init; }

    /// <summary>How a payout in flight is followed and its booking retried; tests and chaos runs shorten it.</summary>
    public PayoutPolling Payouts { get; init; } = new();
}

/// <summary>
/// The composition root of the pipeline: the steps (<see cref="PipelineSteps"/>), the orchestration, the engine's client
/// and, in standalone mode, the local task hub's worker. The Function App connects the same steps to the client the
/// Durable extension binds (<see cref="Connect"/>) and runs no local hub.
/// </summary>
public sealed class PipelineRuntime : IAsyncDisposable
{
    public const string DocumentsContainer = PipelineSteps.DocumentsContainer;

    /// <summary>Cosmos containers and their partition keys, as infra/ declares them.</summary>
    public static IReadOnlyDictionary<string, string> CosmosContainers => PipelineSteps.CosmosContainers;

    private readonly LocalTaskHub? _hub;

    private PipelineRuntime(LocalTaskHub? hub, DurableTaskClient client, PipelineSteps steps)
    {
        _hub = hub;
        Journal = steps.Journal;
        Client = client;
        Steps = steps;
        Activities = steps.Activities;
        StorageAccount = steps.StorageAccount;
        Applications = steps.Applications;
        Decisions = steps.Decisions;
        Ledger = steps.Ledger;
        Partners = steps.Partners;
        CaseFile = steps.CaseFile;
        Intake = new ApplicationIntake(steps.Documents, steps.Applications, client, steps.Products, steps.Clock, steps.Journal);
        Actions = new ApplicationActions(client, steps.Applications, steps.Documents, steps.Partners, steps.CaseFile, steps.Clock, steps.Journal, steps.Contracts);
        Auditor = new ApplicationAuditor(client, PipelineActivities.Orchestrator, steps.Decisions, steps.Ledger, steps.Lending, steps.Journal,
            new HistoryTable(steps.StorageAccount, steps.TaskHubName), steps.Contracts, steps.Challengers);
        BlobDrop = new BlobDropIngestion(steps.DocumentBlobs.GetParentBlobServiceClient(), Intake, steps.Partners, steps.Products);
        ReservationSweep = new ReservationSweep(steps.Lending, steps.Quotas, steps.PaymentRail, client, steps.Clock, steps.LoggerFactory.CreateLogger<ReservationSweep>(), steps.Borrowers);
        PayoutReconciliation = new Payments.PayoutReconciliationSweep(steps.PaymentRail, steps.Ledger, steps.Disbursement, steps.Clock,
            steps.LoggerFactory.CreateLogger<Payments.PayoutReconciliationSweep>());
    }

    /// <summary>Compares the rail's payouts with the ledger; books settled and returned payouts it lacks, flags the rest (run by housekeeping).</summary>
    public Payments.PayoutReconciliationSweep PayoutReconciliation { get; }

    /// <summary>The Durable Task client: start, raise events, query, terminate, purge, rewind, read history.</summary>
    public DurableTaskClient Client { get; }

    /// <summary>The local task hub: the Durable Task Framework's Azure Storage provider with our worker on it.</summary>
    /// <exception cref="InvalidOperationException">The runtime runs on the Function App's task hub (see <see cref="Connect"/>).</exception>
    public LocalTaskHub TaskHub => _hub ?? throw new InvalidOperationException("This pipeline runs on the Function App's task hub, not a local one.");

    /// <summary>The steps and stores, shared by every runtime connected to them.</summary>
    public PipelineSteps Steps { get; }

    /// <summary>The five steps as activities, by name: what both hosts register.</summary>
    public PipelineActivities Activities { get; }

    public ApplicationIntake Intake { get; }
    public ApplicationActions Actions { get; }
    public ApplicationStore Applications { get; }
    public DecisionLog Decisions { get; }
    public LedgerStore Ledger { get; }
    public PartnerDirectory Partners { get; }
    public CaseFile CaseFile { get; }

    /// <summary>The append-only, hash-chained record of every activity call, decision, event and start, per application.</summary>
    public AuditJournal Journal { get; }

    /// <summary>Re-verifies an application's history, replay and recorded decisions for auditors.</summary>
    public ApplicationAuditor Auditor { get; }

    /// <summary>Starts applications from forms partners drop into their inbox containers.</summary>
    public BlobDropIngestion BlobDrop { get; }

    public StorageAccount StorageAccount { get; }

    /// <summary>Gives back the co-lending quota of applications terminated or failed before their payout (run by housekeeping).</summary>
    public ReservationSweep ReservationSweep { get; }

    /// <summary>Our local settings: sub-second polling on one partition with extended sessions (see docs/engine.md).</summary>
    public static TaskHubSettings LocalTaskHubSettings(string hubName) => new() { HubName = hubName };

    /// <summary>Builds the steps and runs them on a local task hub (standalone host, CLI, tests).</summary>
    public static async Task<PipelineRuntime> StartAsync(PipelineOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var steps = await PipelineSteps.CreateAsync(options, ct);
        var hub = await LocalTaskHub.StartAsync(steps.StorageAccount, options.TaskHub ?? LocalTaskHubSettings(options.TaskHubName),
            options.RunWorker ? steps.Activities.Register(new TaskRegistry()) : null, options.LoggerFactory);
        return new PipelineRuntime(hub, hub.Client, steps);
    }

    /// <summary>
    /// The pipeline on a task hub someone else runs — the Function App's, through the client its Durable extension binds.
    /// Cheap: the steps are shared, only the client-bound services are new.
    /// </summary>
    public static PipelineRuntime Connect(PipelineSteps steps, DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(client);
        return new PipelineRuntime(null, client, steps);
    }

    public ValueTask DisposeAsync() => _hub?.DisposeAsync() ?? ValueTask.CompletedTask;
}
