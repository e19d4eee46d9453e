using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using RuralLoans.Domain.Scoring;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Payments;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Credit;
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

/// <summary>
/// The pipeline's steps and stores built from settings, with no engine: what the activities need to run. The local
/// task hub registers them (<see cref="PipelineRuntime.StartAsync"/>); the Function App builds them once per worker and
/// calls them from its activity functions.
/// </summary>
public sealed class PipelineSteps
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

    private PipelineSteps() { }

    public required PipelineActivities Activities { get; init; }
    public required StorageAccount StorageAccount { get; init; }
    public required BlobContainerClient DocumentBlobs { get; init; }
    public required ContentAddressedBlobStore Documents { get; init; }
    public required ApplicationStore Applications { get; init; }
    public required DecisionLog Decisions { get; init; }
    public required CaseFile CaseFile { get; init; }
    public required LedgerStore Ledger { get; init; }
    public required QuotaStore Quotas { get; init; }

    /// <summary>Each borrower's open applications and loans (one per product, the household cap), by keyed resident-ID hash.</summary>
    public required BorrowerExposureStore Borrowers { get; init; }
    public required PartnerDirectory Partners { get; init; }
    public required LendingCatalog Lending { get; init; }
    public required ProductCatalog Products { get; init; }
    public required IPaymentRail PaymentRail { get; init; }
    public required TimeProvider Clock { get; init; }
    public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>The challenger the scoring step shadow-scores, and the ones the audit re-runs by recorded version.</summary>
    public required IShadowModelSource Challengers { get; init; }

    /// <summary>The append-only, hash-chained audit journal the steps, intake and actions write to.</summary>
    public required AuditJournal Journal { get; init; }

    /// <summary>The task hub the steps run on: where the audit finds their history, and the journal's scope.</summary>
    public required string TaskHubName { get; init; }

    /// <summary>The contract step, for the actions and API that show and accept a contract.</summary>
    public required LoanContract Contracts { get; init; }

    /// <summary>The payout step, for the reconciliation sweep that books what the rail settled or returned.</summary>
    public required Disbursement Disbursement { get; init; }

    /// <summary>Reaches (and, unless <see cref="PipelineOptions.CreateCosmosResources"/> is off, creates) the stores and builds the steps.</summary>
    public static async Task<PipelineSteps> CreateAsync(PipelineOptions options, CancellationToken ct)
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
        var hubName = options.TaskHub?.HubName ?? options.TaskHubName;
        var journalBlobs = storageAccount.CreateBlobContainerClient(AuditJournal.ContainerName, blobOptions);
        await journalBlobs.CreateIfNotExistsAsync(cancellationToken: ct);
        // Entries are stamped with wall-clock time: the audit compares them with the task hub's own timestamps.
        var journal = new AuditJournal(journalBlobs, hubName, TimeProvider.System);

        var documents = new ContentAddressedBlobStore(blobs);
        var applications = new ApplicationStore(containers["applications"]);
        var decisions = new DecisionLog(containers["decisions"], clock, journal);
        var caseFile = new CaseFile(decisions);
        var ledger = new LedgerStore(containers["ledger"]);
        var quotas = new QuotaStore(containers["quotas"]);
        var payouts = new DisbursementStore(containers["disbursements"]);
        var partners = PartnerDirectory.Load(Path.Combine(options.ConfigDirectory, "partners.json"));
        var lending = LendingCatalog.Load(Path.Combine(options.ConfigDirectory, "lenders.json"), Path.Combine(options.ConfigDirectory, "co-lending-products.json"));
        var borrowers = new BorrowerExposureStore(containers["quotas"]);
        var facts = ApplicantFactsSource.Create(applications, options.ResidentIds, Path.Combine(options.ConfigDirectory, "blacklist.json"),
            path => options.LoggerFactory.CreateLogger<ApplicantFactsSource>().LogWarning("No blacklist file at {Path}: no applicant is refused by the blacklist", path));
        var scoring = new CreditDecisionEngine(new Scorecard(ScorecardModelCatalog.RuralHousehold), CreditPolicy.RuralDefault, clock);
        var challengers = options.Challengers ?? Scoring.Challenger.ChallengerCatalog.Shipped();
        if (challengers.Absent is { } absent)
        {
            options.LoggerFactory.CreateLogger<PipelineSteps>().LogWarning("Scoring runs without a challenger: {Reason}", absent);
        }

        var contracts = new LoanContract(lending, ProductRateCaps.Load(Path.Combine(options.ConfigDirectory, "co-lending-products.json")), quotas, documents,
            applications, decisions, caseFile, clock, options.LoggerFactory.CreateLogger<LoanContract>());
        var disbursement = new Disbursement(payouts, options.PaymentRail, ledger, quotas, borrowers, lending, applications, caseFile, options.ResidentIds, clock,
            options.LoggerFactory.CreateLogger<Disbursement>(), options.Payouts);
        var activities = new PipelineActivities(
            new DocumentOcr(documents, new LoanFormReader(OcrEngineFactory.Create(options.Ocr, timeProvider: clock), new LoanFormExtractor(new KnownValues { Counties = partners.LendingRegionCounties, Clock = clock })), decisions),
            new FieldValidation(decisions, caseFile),
            new VillagePreCheck(partners, applications, decisions, caseFile, clock, options.LoggerFactory.CreateLogger<VillagePreCheck>()),
            new DataScoring(scoring, facts, applications, decisions, caseFile, clock, challengers, options.LoggerFactory.CreateLogger<DataScoring>()),
            new CoLendingSplit(lending, quotas, borrowers, options.ResidentIds, decisions, caseFile, clock),
            disbursement,
            journal, contracts);

        return new PipelineSteps
        {
            Activities = activities,
            StorageAccount = storageAccount,
            DocumentBlobs = blobs,
            Documents = documents,
            Applications = applications,
            Decisions = decisions,
            CaseFile = caseFile,
            Ledger = ledger,
            Quotas = quotas,
            Borrowers = borrowers,
            Partners = partners,
            Lending = lending,
            Challengers = challengers,
            Products = options.Products,
            PaymentRail = options.PaymentRail,
            Clock = clock,
            LoggerFactory = options.LoggerFactory,
            Journal = journal,
            TaskHubName = hubName,
            Contracts = contracts,
            Disbursement = disbursement,
        };
    }
}
