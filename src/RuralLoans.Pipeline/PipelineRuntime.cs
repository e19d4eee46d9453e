using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Domain.Scoring;
using RuralLoans.Durable;
using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Hosting;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Payments;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Credit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Pipeline.Products;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Disbursements;
using RuralLoans.Storage.Ledger;
using RuralLoans.Storage.Quotas;

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

    /// <summary>The products intake snapshots into each application; tests swap in shorter deadlines.</summary>
    public ProductCatalog Products { get; init; } = ProductCatalog.Default;
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Listen for queue messages in this process (standalone mode). Off when the Functions host triggers us.</summary>
    public bool RunWorker { get; init; } = true;

    public Action<EngineOptions>? ConfigureEngine { get; init; }

    /// <summary>
    /// Create the Cosmos database and containers when missing. Off with a managed identity: data-plane roles cannot
    /// create them, the infrastructure templates do.
    /// </summary>
    public bool CreateCosmosResources { get; init; } = true;

    /// <summary>Added to every Azure Storage client the pipeline creates, e.g. to count storage transactions.</summary>
    public Azure.Core.Pipeline.HttpPipelinePolicy? StorageRequestPolicy { get; init; }
}

/// <summary>
/// The composition root of the pipeline: storage containers, the five steps registered as activities, the
/// orchestration, the engine's client and (in standalone mode) its worker.
/// </summary>
public sealed class PipelineRuntime : IAsyncDisposable
{
    public const string DocumentsContainer = "application-documents";

    /// <summary>Cosmos containers and their partition keys, as infra/ declares them.</summary>
    public static IReadOnlyDictionary<string, string> CosmosContainers { get; } = new Dictionary<string, string>
    {
        ["applications"] = "/partnerId",
        ["decisions"] = "/applicationId",
        ["disbursements"] = "/applicationId",
        ["ledger"] = "/transferId",
        ["quotas"] = "/lenderId",
    };

    private readonly DurableWorker? _worker;

    private PipelineRuntime(DurableClient client, DurableWorker? worker, ApplicationIntake intake, ApplicationActions actions, ApplicationStore applications, DecisionLog decisions, LedgerStore ledger, PartnerDirectory partners, ApplicationAuditor auditor, BlobDropIngestion blobDrop, EngineStorage engineStorage, WorkItemProcessor processor, StorageAccount storageAccount, ReservationSweep reservationSweep)
    {
        ReservationSweep = reservationSweep;
        Auditor = auditor;
        BlobDrop = blobDrop;
        EngineStorage = engineStorage;
        Processor = processor;
        StorageAccount = storageAccount;
        Actions = actions;
        Client = client;
        _worker = worker;
        Intake = intake;
        Applications = applications;
        Decisions = decisions;
        Ledger = ledger;
        Partners = partners;
    }

    public DurableClient Client { get; }
    public ApplicationIntake Intake { get; }
    public ApplicationActions Actions { get; }
    public ApplicationStore Applications { get; }
    public DecisionLog Decisions { get; }
    public LedgerStore Ledger { get; }
    public PartnerDirectory Partners { get; }

    /// <summary>Re-verifies an application's history, replay and recorded decisions for auditors.</summary>
    public ApplicationAuditor Auditor { get; }

    /// <summary>Starts applications from forms partners drop into their inbox containers.</summary>
    public BlobDropIngestion BlobDrop { get; }

    /// <summary>The engine's queues, table and containers.</summary>
    public EngineStorage EngineStorage { get; }

    /// <summary>Processes engine queue messages: our own listener's in standalone mode, the Functions queue triggers' otherwise.</summary>
    public WorkItemProcessor Processor { get; }

    public StorageAccount StorageAccount { get; }

    /// <summary>Gives back the co-lending quota of applications terminated or failed before their payout (run by housekeeping).</summary>
    public ReservationSweep ReservationSweep { get; }

    public static async Task<PipelineRuntime> StartAsync(PipelineOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = options.Clock;

        var storageAccount = options.Storage
            ?? (options.StorageConnectionString is { Length: > 0 } connectionString
                ? StorageAccount.FromConnectionString(connectionString)
                : throw new ArgumentException("PipelineOptions needs a storage account: set Storage or StorageConnectionString.", nameof(options)));
        var database = options.CreateCosmosResources
            ? (await options.Cosmos.CreateDatabaseIfNotExistsAsync(options.CosmosDatabase, cancellationToken: ct)).Database
            : options.Cosmos.GetDatabase(options.CosmosDatabase);
        var containers = new Dictionary<string, Container>(StringComparer.Ordinal);
        foreach (var (name, partitionKey) in CosmosContainers)
        {
            containers[name] = options.CreateCosmosResources
                ? (await database.CreateContainerIfNotExistsAsync(name, partitionKey, cancellationToken: ct)).Container
                : database.GetContainer(name);
        }
        var blobOptions = new BlobClientOptions();
        if (options.StorageRequestPolicy is { } policy)
        {
            blobOptions.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerCall);
        }
        var blobs = storageAccount.CreateBlobContainerClient(DocumentsContainer, blobOptions);
        await blobs.CreateIfNotExistsAsync(cancellationToken: ct);

        var documents = new ContentAddressedBlobStore(blobs);
        var applications = new ApplicationStore(containers["applications"]);
        var decisions = new DecisionLog(containers["decisions"], clock);
        var ledger = new LedgerStore(containers["ledger"]);
        var quotas = new QuotaStore(containers["quotas"]);
        var payouts = new DisbursementStore(containers["disbursements"]);
        var partners = PartnerDirectory.Load(Path.Combine(options.ConfigDirectory, "partners.json"));
        var lending = LendingCatalog.Load(Path.Combine(options.ConfigDirectory, "lenders.json"), Path.Combine(options.ConfigDirectory, "co-lending-products.json"));
        var facts = ApplicantFactsSource.Create(applications, Path.Combine(options.ConfigDirectory, "blacklist.json"));
        var scoring = new CreditDecisionEngine(new Scorecard(ScorecardModelCatalog.RuralHousehold), CreditPolicy.RuralDefault, clock);

        var documentOcr = new DocumentOcr(documents, new LoanFormReader(OcrEngineFactory.Create(options.Ocr, timeProvider: clock), new LoanFormExtractor(new KnownValues { Counties = partners.LendingRegionCounties })), decisions);
        var validation = new FieldValidation(decisions);
        var preCheck = new VillagePreCheck(partners, applications, decisions, clock, options.LoggerFactory.CreateLogger<VillagePreCheck>());
        var dataScoring = new DataScoring(scoring, facts, applications, decisions, clock);
        var split = new CoLendingSplit(lending, quotas, applications, decisions);
        var disbursement = new Disbursement(payouts, options.PaymentRail, ledger, quotas, lending, applications, clock, options.LoggerFactory.CreateLogger<Disbursement>());

        var registry = new DurableRegistry()
            .AddOrchestrator<ApplicationStarted, ApplicationOutcome>(LoanApplicationOrchestration.Name, LoanApplicationOrchestration.RunAsync)
            .AddActivity<DocumentOcr.Input, Domain.Applications.LoanApplicationForm>(DocumentOcr.Name, (c, i) => documentOcr.RunAsync(c, i!))
            .AddActivity<FieldValidation.Input, FieldValidation.Output>(FieldValidation.Name, (c, i) => validation.RunAsync(c, i!))
            .AddActivity<VillagePreCheck.AssignInput, VillagePreCheck.Assignment>(VillagePreCheck.AssignName, (c, i) => preCheck.AssignAsync(c, i!))
            .AddActivity<VillagePreCheck.RemindInput, bool>(VillagePreCheck.RemindName, (c, i) => preCheck.RemindAsync(c, i!))
            .AddActivity<VillagePreCheck.RecordInput, VillagePreCheck.Recorded>(VillagePreCheck.RecordName, (c, i) => preCheck.RecordAsync(c, i!))
            .AddActivity<DataScoring.Input, CreditDecision>(DataScoring.Name, (c, i) => dataScoring.RunAsync(c, i!))
            .AddActivity<CoLendingSplit.Input, CoLendingSplit.Output>(CoLendingSplit.Name, (c, i) => split.RunAsync(c, i!))
            .AddActivity<Disbursement.Input, Disbursement.Output>(Disbursement.Name, (c, i) => disbursement.RunAsync(c, i!));

        var engineOptions = new EngineOptions
        {
            Storage = storageAccount,
            TaskHubName = options.TaskHubName,
            TimeProvider = clock,
            StorageRequestPolicy = options.StorageRequestPolicy,
        };
        options.ConfigureEngine?.Invoke(engineOptions);
        var storage = new EngineStorage(engineOptions);
        await storage.EnsureCreatedAsync(ct);
        var signal = new WorkSignal();
        var client = new DurableClient(storage, registry, signal);
        DurableWorker? worker = null;
        if (options.RunWorker)
        {
            worker = new DurableWorker(storage, registry, signal, options.LoggerFactory);
            await worker.StartAsync(ct);
        }

        var intake = new ApplicationIntake(documents, applications, client, options.Products, clock);
        var actions = new ApplicationActions(client, applications, documents, partners, clock);
        var auditor = new ApplicationAuditor(client, decisions, ledger, lending);
        var blobDrop = new BlobDropIngestion(blobs.GetParentBlobServiceClient(), intake, partners, options.Products);
        var processor = worker?.Processor ?? new WorkItemProcessor(storage, registry, options.LoggerFactory.CreateLogger<WorkItemProcessor>(), signal);
        var reservationSweep = new ReservationSweep(lending, quotas, options.PaymentRail, client, clock, options.LoggerFactory.CreateLogger<ReservationSweep>());
        return new PipelineRuntime(client, worker, intake, actions, applications, decisions, ledger, partners, auditor, blobDrop, storage, processor, storageAccount, reservationSweep);
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
    }
}
