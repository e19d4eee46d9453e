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

    private readonly LocalTaskHub _hub;

    private PipelineRuntime(LocalTaskHub hub, PipelineActivities activities, ApplicationIntake intake, ApplicationActions actions, ApplicationStore applications, DecisionLog decisions, LedgerStore ledger, PartnerDirectory partners, ApplicationAuditor auditor, BlobDropIngestion blobDrop, StorageAccount storageAccount, ReservationSweep reservationSweep, CaseFile caseFile, AuditJournal journal)
    {
        Journal = journal;
        _hub = hub;
        Activities = activities;
        ReservationSweep = reservationSweep;
        Auditor = auditor;
        BlobDrop = blobDrop;
        StorageAccount = storageAccount;
        Actions = actions;
        Intake = intake;
        Applications = applications;
        Decisions = decisions;
        Ledger = ledger;
        Partners = partners;
        CaseFile = caseFile;
    }

    /// <summary>The Durable Task client: start, raise events, query, terminate, purge, read history.</summary>
    public AzureStorageTaskHubClient Client => _hub.Client;

    /// <summary>The local task hub: the Durable Task Framework's Azure Storage provider with our worker on it.</summary>
    public LocalTaskHub TaskHub => _hub;

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
        var hubSettings = options.TaskHub ?? LocalTaskHubSettings(options.TaskHubName);
        var journalBlobs = storageAccount.CreateBlobContainerClient(AuditJournal.ContainerName, blobOptions);
        await journalBlobs.CreateIfNotExistsAsync(cancellationToken: ct);
        // Entries are stamped with wall-clock time: the audit compares them with the task hub's own timestamps.
        var journal = new AuditJournal(journalBlobs, hubSettings.HubName, TimeProvider.System);

        var documents = new ContentAddressedBlobStore(blobs);
        var applications = new ApplicationStore(containers["applications"]);
        var decisions = new DecisionLog(containers["decisions"], clock, journal);
        var caseFile = new CaseFile(decisions);
        var ledger = new LedgerStore(containers["ledger"]);
        var quotas = new QuotaStore(containers["quotas"]);
        var payouts = new DisbursementStore(containers["disbursements"]);
        var partners = PartnerDirectory.Load(Path.Combine(options.ConfigDirectory, "partners.json"));
        var lending = LendingCatalog.Load(Path.Combine(options.ConfigDirectory, "lenders.json"), Path.Combine(options.ConfigDirectory, "co-lending-products.json"));
        var facts = ApplicantFactsSource.Create(applications, Path.Combine(options.ConfigDirectory, "blacklist.json"));
        var scoring = new CreditDecisionEngine(new Scorecard(ScorecardModelCatalog.RuralHousehold), CreditPolicy.RuralDefault, clock);

        var activities = new PipelineActivities(
            new DocumentOcr(documents, new LoanFormReader(OcrEngineFactory.Create(options.Ocr, timeProvider: clock), new LoanFormExtractor(new KnownValues { Counties = partners.LendingRegionCounties })), decisions),
            new FieldValidation(decisions, caseFile),
            new VillagePreCheck(partners, applications, decisions, caseFile, clock, options.LoggerFactory.CreateLogger<VillagePreCheck>()),
            new DataScoring(scoring, facts, applications, decisions, caseFile, clock),
            new CoLendingSplit(lending, quotas, applications, decisions, caseFile),
            new Disbursement(payouts, options.PaymentRail, ledger, quotas, lending, applications, caseFile, clock, options.LoggerFactory.CreateLogger<Disbursement>()),
            journal);

        var hub = await LocalTaskHub.StartAsync(storageAccount, hubSettings,
            options.RunWorker ? activities.Register(new TaskRegistry()) : null, options.LoggerFactory);
        DurableTaskClient client = hub.Client;

        var intake = new ApplicationIntake(documents, applications, client, options.Products, clock, journal);
        var actions = new ApplicationActions(client, applications, documents, partners, caseFile, clock, journal);
        var auditor = new ApplicationAuditor(hub.Client, PipelineActivities.Orchestrator, decisions, ledger, lending, journal,
            new HistoryTable(storageAccount, hub.Settings.HubName));
        var blobDrop = new BlobDropIngestion(blobs.GetParentBlobServiceClient(), intake, partners, options.Products);
        var reservationSweep = new ReservationSweep(lending, quotas, options.PaymentRail, client, clock, options.LoggerFactory.CreateLogger<ReservationSweep>());
        return new PipelineRuntime(hub, activities, intake, actions, applications, decisions, ledger, partners, auditor, blobDrop, storageAccount, reservationSweep, caseFile, journal);
    }

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}
