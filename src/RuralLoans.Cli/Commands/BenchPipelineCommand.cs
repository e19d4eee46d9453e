using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using RuralLoans.DevServices;
using RuralLoans.Domain.Applications;
using Microsoft.DurableTask.Client;
using RuralLoans.TaskHub;
using RuralLoans.FormGenerator;
using RuralLoans.Host.Configuration;
using RuralLoans.Ocr;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Ocr.Imaging;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Storage;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// <c>bench pipeline</c>: the automatic "310" path end to end — a digital (text PDF) form submitted, read, validated,
/// scored, split and paid with no human step — for latency, throughput, storage and Cosmos requests per application
/// and an estimated cloud cost per loan; plus Tesseract's seconds per scanned page.
/// </summary>
internal static class BenchPipelineCommand
{
    /// <summary>Price assumptions for the cost estimate (list prices, USD, converted at <see cref="CnyPerUsd"/>); edit for your region and contract.</summary>
    private static class Prices
    {
        public const decimal CnyPerUsd = 7.2m;
        public const decimal StoragePer10kTransactionsUsd = 0.065m;   // hot-tier write rate, the highest class: an upper bound
        public const decimal CosmosServerlessPerMillionRuUsd = 0.25m;
        public const decimal AssumedRuPerCosmosRequest = 10m;         // the emulator reports no charges; ~1 RU reads, ~6–10 RU small writes
        public const decimal FlexConsumptionPerGbSecondUsd = 0.000026m;
        public const decimal InstanceMemoryGb = 2m;

        // Volumes that spread each environment's idle polling over its loans; assumptions, edit for your lender.
        public const int LocalLoansPerMonth = 100;
        public const int DevLoansPerMonth = 300;
        public const int ProdLoansPerMonth = 30_000;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Counts Cosmos requests, by container and operation, so the steps' read-before-write costs can be seen.</summary>
    private sealed class CosmosRequestCounter : RequestHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byKind = new(StringComparer.Ordinal);
        private long _requests;

        public long Requests => Interlocked.Read(ref _requests);

        public Dictionary<string, long> ByKind() => _byKind.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);

        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(request);
            Interlocked.Increment(ref _requests);
            _byKind.AddOrUpdate(Kind(request), 1, (_, n) => n + 1);
            return base.SendAsync(request, cancellationToken);
        }

        /// <summary>"container operation", e.g. "decisions read" or "quotas replace", from the resource path.</summary>
        private static string Kind(RequestMessage request)
        {
            var segments = (request.RequestUri?.OriginalString ?? string.Empty).Trim('/').Split('/');
            var collection = Array.IndexOf(segments, "colls") is var c and >= 0 && c + 1 < segments.Length ? segments[c + 1] : "account";
            var isItem = Array.IndexOf(segments, "docs") is var d and >= 0 && d + 1 < segments.Length;
            var operation = (request.Method.Method, isItem) switch
            {
                ("GET", true) => "read",
                ("GET", false) => "read-feed",
                ("PUT", true) => "replace",
                ("PATCH", true) => "patch",
                ("DELETE", _) => "delete",
                ("POST", false) when request.Headers["x-ms-documentdb-isquery"] is "True" or "true" || request.Headers["x-ms-cosmos-is-query-plan-request"] is not null => "query",
                ("POST", false) => "create",
                var (method, _) => method.ToLowerInvariant(),
            };
            return collection + " " + operation;
        }
    }

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (p50Ms, p99Ms, applicationsPerSecond, …, settings, dtfxDefaults, environments)" };
        var sequential = new Option<int>("--latency-samples") { Description = "Applications sent one at a time for latency", DefaultValueFactory = _ => 20 };
        var concurrent = new Option<int>("--throughput-applications") { Description = "Applications sent at once for throughput", DefaultValueFactory = _ => 40 };
        var gap = new Option<double>("--arrival-gap-seconds") { Description = "Quiet time before each application of the separate-client latency samples (arrivals spaced out, as in production)", DefaultValueFactory = _ => 5 };
        var idle = new Option<int>("--idle-seconds") { Description = "How long idle storage traffic is counted per setting (after the polling backoff has settled)", DefaultValueFactory = _ => 30 };
        var command = new Command("pipeline", "Benchmark the automatic path end to end with our task hub settings and DTFx's defaults: latency, throughput, storage and Cosmos requests, idle polling, cost per loan, OCR seconds per page")
        {
            json, sequential, concurrent, gap, idle,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json), parse.GetValue(sequential), parse.GetValue(concurrent), TimeSpan.FromSeconds(parse.GetValue(gap)), TimeSpan.FromSeconds(parse.GetValue(idle)), ct));
        return command;
    }

    /// <summary>One workload measured under one set of task hub settings.</summary>
    private sealed record Measurement(
        TaskHubSettings Settings,
        double P50Ms,
        double P99Ms,
        double ApplicationsPerSecond,
        double StoragePerApplication,
        double StoragePerApplicationIncludingEmptyPolls,
        double CosmosPerApplication,
        double CpuSecondsPerApplication,
        double IdleRequestsPerSecond,
        double SeparateClientP50Ms,
        double SeparateClientP99Ms,
        IReadOnlyDictionary<string, double> StorageByKindPerApplication,
        IReadOnlyDictionary<string, double> CosmosByKindPerApplication,
        bool AllDisbursed);

    private static async Task<int> RunAsync(bool asJson, int latencySamples, int throughputApplications, TimeSpan arrivalGap, TimeSpan idleInterval, CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var work = Directory.CreateTempSubdirectory("ruralloans-bench-");
        var log = asJson ? Console.Error : Console.Out;
        try
        {
            var attached = await new DevServicesDaemon(root).TryAttachAsync(ct);
            await log.WriteLineAsync(attached is null ? "Starting private dev services for this run…" : "Using the running dev services…");
            await using var own = attached is null ? await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root, DataDirectory = Path.Combine(work.FullName, "data") }, ct) : null;
            var endpoints = attached ?? own!.Endpoints;
            var loadBefore = LoadAverage();

            await log.WriteLineAsync("Rendering digital forms…");
            var images = new FormImages(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));
            var forms = Enumerable.Range(0, 3 + latencySamples + throughputApplications + latencySamples).Select(i => images.TextPdf(Household(i), FormLayout.LabelValueLines, asciiColon: false)).ToList();

            var ours = await MeasureAsync(endpoints, root, PipelineRuntime.LocalTaskHubSettings("Bench" + Guid.NewGuid().ToString("N")[..10]), forms, latencySamples, arrivalGap, idleInterval, log, ct);
            var defaults = await MeasureAsync(endpoints, root, TaskHubSettings.DtfxDefaults("Bench" + Guid.NewGuid().ToString("N")[..10]), forms, latencySamples, arrivalGap, idleInterval, log, ct);

            // Azure runs with host.json's durableTask section (dev and prod share it); its idle traffic is measured on
            // an empty hub with the same settings.
            var azureSettings = DurableTaskHostJson.Read(Path.Combine(root, "host.json"), "Bench" + Guid.NewGuid().ToString("N")[..10]);
            await log.WriteLineAsync($"Idle polling with host.json's settings ({azureSettings.MaxQueuePollingInterval.TotalSeconds} s, {azureSettings.PartitionCount} partition(s))…");
            var azureIdle = await IdleRequestsPerSecondAsync(StorageAccount.FromConnectionString(endpoints.StorageConnectionString), azureSettings, idleInterval, ct);

            await log.WriteLineAsync("OCR: one clean scanned page, one Tesseract thread…");
            var ocr = await OcrCostPerPageAsync(root, ct);

            var busyCostCny = BusyCostPerLoanCny(ours, ocr);
            var environments = new[]
            {
                EnvironmentCostFor("local", "Azurite and the Cosmos emulator: requests cost nothing; the figures show what the same settings would cost in Azure", ours.Settings, ours.IdleRequestsPerSecond, Prices.LocalLoansPerMonth, busyCostCny, billed: false),
                EnvironmentCostFor("dev", "host.json's durableTask section; one always-ready instance", azureSettings, azureIdle, Prices.DevLoansPerMonth, busyCostCny, billed: true),
                EnvironmentCostFor("prod", "host.json's durableTask section; one always-ready instance", azureSettings, azureIdle, Prices.ProdLoansPerMonth, busyCostCny, billed: true),
                EnvironmentCostFor("prod with DTFx defaults (for comparison)", "the provider's defaults", defaults.Settings, defaults.IdleRequestsPerSecond, Prices.ProdLoansPerMonth, BusyCostPerLoanCny(defaults, ocr), billed: true),
            };

            var report = new
            {
                p50Ms = ours.P50Ms,
                p99Ms = ours.P99Ms,
                applicationsPerSecond = ours.ApplicationsPerSecond,
                storageTransactionsPerApplication = ours.StoragePerApplication,
                storageTransactionsPerApplicationIncludingEmptyPolls = ours.StoragePerApplicationIncludingEmptyPolls,
                cosmosRequestsPerApplication = ours.CosmosPerApplication,
                cosmosRequestsPerApplicationByKind = ours.CosmosByKindPerApplication,
                cpuSecondsPerApplication = ours.CpuSecondsPerApplication,
                ocrCpuSecondsPerPage = Math.Round(ocr.CpuSeconds, 2),
                ocrPreprocessingCpuSecondsPerPage = Math.Round(ocr.PreprocessingCpuSeconds, 2),
                ocrTesseractCpuSecondsPerPage = Math.Round(ocr.TesseractCpuSeconds, 2),
                ocrWallSecondsPerPage = Math.Round(ocr.WallSeconds, 2),
                estimatedCostPerLoanCny = Math.Round(busyCostCny, 5),
                allDisbursed = ours.AllDisbursed && defaults.AllDisbursed,
                idleStorageRequestsPerSecond = ours.IdleRequestsPerSecond,
                separateClientP50Ms = ours.SeparateClientP50Ms,
                separateClientP99Ms = ours.SeparateClientP99Ms,
                arrivalGapSeconds = arrivalGap.TotalSeconds,
                storageTransactionsPerApplicationByKind = ours.StorageByKindPerApplication,
                settings = Describe(ours.Settings),
                dtfxDefaults = new
                {
                    p50Ms = defaults.P50Ms,
                    p99Ms = defaults.P99Ms,
                    applicationsPerSecond = defaults.ApplicationsPerSecond,
                    storageTransactionsPerApplication = defaults.StoragePerApplication,
                    storageTransactionsPerApplicationIncludingEmptyPolls = defaults.StoragePerApplicationIncludingEmptyPolls,
                    cosmosRequestsPerApplication = defaults.CosmosPerApplication,
                    cpuSecondsPerApplication = defaults.CpuSecondsPerApplication,
                    idleStorageRequestsPerSecond = defaults.IdleRequestsPerSecond,
                    separateClientP50Ms = defaults.SeparateClientP50Ms,
                    separateClientP99Ms = defaults.SeparateClientP99Ms,
                    storageTransactionsPerApplicationByKind = defaults.StorageByKindPerApplication,
                    settings = Describe(defaults.Settings),
                    p50Ratio = ours.P50Ms > 0 ? Math.Round(defaults.P50Ms / ours.P50Ms, 1) : 0,
                    p99Ratio = ours.P99Ms > 0 ? Math.Round(defaults.P99Ms / ours.P99Ms, 1) : 0,
                    separateClientP50Ratio = ours.SeparateClientP50Ms > 0 ? Math.Round(defaults.SeparateClientP50Ms / ours.SeparateClientP50Ms, 1) : 0,
                },
                environments,
                loadAverage = new { before = loadBefore, after = LoadAverage() },
                prices = new
                {
                    Prices.CnyPerUsd,
                    Prices.StoragePer10kTransactionsUsd,
                    Prices.CosmosServerlessPerMillionRuUsd,
                    Prices.AssumedRuPerCosmosRequest,
                    Prices.FlexConsumptionPerGbSecondUsd,
                    Prices.InstanceMemoryGb,
                    Prices.LocalLoansPerMonth,
                    Prices.DevLoansPerMonth,
                    Prices.ProdLoansPerMonth,
                },
            };
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Json));
            }
            else
            {
                static string N(double value) => value.ToString(CultureInfo.InvariantCulture);
                var table = new Table().RoundedBorder().AddColumn("measure").AddColumn(new TableColumn("our settings").RightAligned()).AddColumn(new TableColumn("DTFx defaults").RightAligned());
                table.AddRow("submit → disbursed p50 / p99 (one at a time)", $"{N(ours.P50Ms)} / {N(ours.P99Ms)} ms", $"{N(defaults.P50Ms)} / {N(defaults.P99Ms)} ms");
                table.AddRow($"… from a separate client, arrivals {arrivalGap.TotalSeconds:F0} s apart: p50 / p99", $"{N(ours.SeparateClientP50Ms)} / {N(ours.SeparateClientP99Ms)} ms", $"{N(defaults.SeparateClientP50Ms)} / {N(defaults.SeparateClientP99Ms)} ms");
                table.AddRow($"applications per second ({throughputApplications} at once)", N(ours.ApplicationsPerSecond), N(defaults.ApplicationsPerSecond));
                table.AddRow("storage transactions per application (without / with empty polls)", $"{N(ours.StoragePerApplication)} / {N(ours.StoragePerApplicationIncludingEmptyPolls)}", $"{N(defaults.StoragePerApplication)} / {N(defaults.StoragePerApplicationIncludingEmptyPolls)}");
                table.AddRow("Cosmos requests per application", N(ours.CosmosPerApplication), N(defaults.CosmosPerApplication));
                table.AddRow("CPU seconds per application (digital form)", N(ours.CpuSecondsPerApplication), N(defaults.CpuSecondsPerApplication));
                table.AddRow("idle storage requests per second", N(ours.IdleRequestsPerSecond), N(defaults.IdleRequestsPerSecond));
                AnsiConsole.Write(table);
                Console.WriteLine($"p50 ratio (DTFx defaults / ours): {report.dtfxDefaults.p50Ratio}× in-process, {report.dtfxDefaults.separateClientP50Ratio}× from a separate client; our settings: {JsonSerializer.Serialize(report.settings)}");
                Console.WriteLine($"OCR CPU seconds per clean scanned page: {report.ocrCpuSecondsPerPage} ({report.ocrPreprocessingCpuSecondsPerPage} preprocessing + {report.ocrTesseractCpuSecondsPerPage} Tesseract), wall {report.ocrWallSecondsPerPage} s");
                var costs = new Table().RoundedBorder().AddColumn("environment").AddColumn(new TableColumn("idle req/s").RightAligned()).AddColumn(new TableColumn("idle ¥/month").RightAligned())
                    .AddColumn(new TableColumn("loans/month").RightAligned()).AddColumn(new TableColumn("¥ per loan").RightAligned());
                foreach (var e in environments)
                {
                    costs.AddRow(e.Environment, N(e.IdleRequestsPerSecond), e.IdleStorageCostPerMonthCny.ToString(CultureInfo.InvariantCulture), e.AssumedLoansPerMonth.ToString(CultureInfo.InvariantCulture), e.CostPerLoanCny.ToString(CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(costs);
                Console.WriteLine($"Load average before / after: {loadBefore} / {LoadAverage()}. Cost assumptions (edit BenchPipelineCommand.Prices): " + JsonSerializer.Serialize(report.prices));
            }
            return report.allDisbursed ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<Measurement> MeasureAsync(DevServicesEndpoints endpoints, string root, TaskHubSettings settings, List<byte[]> forms, int latencySamples, TimeSpan arrivalGap, TimeSpan idleInterval, TextWriter log, CancellationToken ct)
    {
        var throughputApplications = forms.Count - 3 - 2 * latencySamples;
        var storageRequests = new StorageRequestCounter();
        var cosmosRequests = new CosmosRequestCounter();
        await using var rail = await RailSimulator.StartAsync(ct: ct);
        using var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
        await log.WriteLineAsync($"Task hub {settings.HubName}: polling ≤ {settings.MaxQueuePollingInterval.TotalMilliseconds} ms, {settings.PartitionCount} partition(s), extended sessions {(settings.ExtendedSessionsEnabled ? "on" : "off")}");
        // Every storage client counts, the task hub provider's own included.
        var account = StorageAccount.FromConnectionString(endpoints.StorageConnectionString).WithRequestPolicy(storageRequests);
        await using var pipeline = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            Storage = account,
            Cosmos = CosmosClients.FromConnectionString(endpoints.CosmosConnectionString, o => o.CustomHandlers.Add(cosmosRequests)),
            CosmosDatabase = "bench-" + settings.HubName.ToLowerInvariant(),
            TaskHubName = settings.HubName,
            TaskHub = settings,
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(root, "config"),
        }, ct);

        // Waiting for results reads instance state; that is the benchmark's own load, so it goes through a client
        // whose storage requests are not counted.
        await using var observerHub = await LocalTaskHub.StartAsync(StorageAccount.FromConnectionString(endpoints.StorageConnectionString), settings with { WorkerId = settings.WorkerId + "-observer" }, registry: null);
        var observer = observerHub.Client;

        // Warm-up: first calls JIT-compile and create containers.
        for (var i = 0; i < 3; i++)
        {
            await SubmitAndWaitAsync(pipeline, observer, forms[i], ct);
        }

        await log.WriteLineAsync($"  latency: {latencySamples} applications one at a time…");
        var latencies = new List<double>();
        for (var i = 0; i < latencySamples; i++)
        {
            latencies.Add((await SubmitAndWaitAsync(pipeline, observer, forms[3 + i], ct)).TotalMilliseconds);
        }

        await log.WriteLineAsync($"  throughput: {throughputApplications} applications at once…");
        var storageBefore = storageRequests.Requests;
        var emptyBefore = storageRequests.EmptyReceives;
        var cosmosBefore = cosmosRequests.Requests;
        var kindsBefore = cosmosRequests.ByKind();
        var storageKindsBefore = storageRequests.ByKind();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(forms.Skip(3 + latencySamples).Take(throughputApplications).Select(form => SubmitAndWaitAsync(pipeline, observer, form, ct)));
        var elapsed = clock.Elapsed;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var storageAll = storageRequests.Requests - storageBefore;
        var storageEmpty = storageRequests.EmptyReceives - emptyBefore;
        var cosmos = cosmosRequests.Requests - cosmosBefore;
        var storageByKind = PerApplication(storageRequests.ByKind(), storageKindsBefore, throughputApplications);
        var byKind = cosmosRequests.ByKind()
            .Select(k => (k.Key, PerApplication: Math.Round((double)(k.Value - kindsBefore.GetValueOrDefault(k.Key)) / throughputApplications, 2)))
            .Where(k => k.PerApplication > 0)
            .OrderByDescending(k => k.PerApplication)
            .ToDictionary(k => k.Key, k => k.PerApplication, StringComparer.Ordinal);

        // A client on its own provider instance (the CLI's submit, an API or inbox trigger on another instance) cannot
        // wake the worker's poller: its applications wait for the next poll, so arrivals are spaced out the way they
        // are in production and the backoff has grown when each one comes.
        await log.WriteLineAsync($"  separate client: {latencySamples} applications, {arrivalGap.TotalSeconds:F0} s apart…");
        await using var separate = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = endpoints.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(endpoints.CosmosConnectionString),
            CosmosDatabase = "bench-" + settings.HubName.ToLowerInvariant(),
            TaskHubName = settings.HubName,
            TaskHub = settings with { WorkerId = settings.WorkerId + "-client" },
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(root, "config"),
            RunWorker = false,
        }, ct);
        var separateLatencies = new List<double>();
        for (var i = 0; i < latencySamples; i++)
        {
            await Task.Delay(arrivalGap, ct);
            separateLatencies.Add((await SubmitAndWaitAsync(separate, observer, forms[3 + latencySamples + throughputApplications + i], ct)).TotalMilliseconds);
        }
        separateLatencies.Sort();

        var idle = await IdleRequestsPerSecondAsync(storageRequests, settings, idleInterval, log, ct);
        latencies.Sort();
        return new Measurement(
            settings,
            Math.Round(Percentile(latencies, 0.50), 1),
            Math.Round(Percentile(latencies, 0.99), 1),
            Math.Round(throughputApplications / elapsed.TotalSeconds, 2),
            Math.Round((double)(storageAll - storageEmpty) / throughputApplications, 1),
            Math.Round((double)storageAll / throughputApplications, 1),
            Math.Round((double)cosmos / throughputApplications, 1),
            Math.Round(cpuSeconds / throughputApplications, 3),
            idle,
            Math.Round(Percentile(separateLatencies, 0.50), 1),
            Math.Round(Percentile(separateLatencies, 0.99), 1),
            storageByKind,
            byKind,
            latencies.TrueForAll(l => l > 0) && separateLatencies.TrueForAll(l => l > 0) && results.All(r => r > TimeSpan.Zero));
    }

    private static Dictionary<string, double> PerApplication(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before, int applications) =>
        after.Select(k => (k.Key, PerApplication: Math.Round((double)(k.Value - before.GetValueOrDefault(k.Key)) / applications, 2)))
            .Where(k => k.PerApplication > 0)
            .OrderByDescending(k => k.PerApplication)
            .ToDictionary(k => k.Key, k => k.PerApplication, StringComparer.Ordinal);

    /// <summary>An empty task hub's worker with <paramref name="settings"/>: its storage requests per second once idle.</summary>
    private static async Task<double> IdleRequestsPerSecondAsync(StorageAccount account, TaskHubSettings settings, TimeSpan idleInterval, CancellationToken ct)
    {
        var counter = new StorageRequestCounter();
        await using var hub = await LocalTaskHub.StartAsync(account.WithRequestPolicy(counter), settings, new TaskRegistry());
        return await IdleRequestsPerSecondAsync(counter, settings, idleInterval, TextWriter.Null, ct);
    }

    /// <summary>
    /// Counts requests over <paramref name="idleInterval"/> after the polling backoff has had time to reach its maximum
    /// (it doubles from milliseconds up to the maximum, so two maxima plus a margin is enough).
    /// </summary>
    private static async Task<double> IdleRequestsPerSecondAsync(StorageRequestCounter counter, TaskHubSettings settings, TimeSpan idleInterval, TextWriter log, CancellationToken ct)
    {
        var settle = settings.MaxQueuePollingInterval * 2 + TimeSpan.FromSeconds(5);
        var interval = idleInterval > settings.MaxQueuePollingInterval * 2 ? idleInterval : settings.MaxQueuePollingInterval * 2;
        await log.WriteLineAsync($"  idle: settling {settle.TotalSeconds:F0} s, counting {interval.TotalSeconds:F0} s…");
        await Task.Delay(settle, ct);
        var before = counter.Requests;
        var clock = Stopwatch.StartNew();
        await Task.Delay(interval, ct);
        return Math.Round((counter.Requests - before) / clock.Elapsed.TotalSeconds, 2);
    }

    private static decimal BusyCostPerLoanCny(Measurement measured, OcrPageCost ocr)
    {
        var storageCost = (decimal)measured.StoragePerApplicationIncludingEmptyPolls / 10_000m * Prices.StoragePer10kTransactionsUsd;
        var cosmosCost = (decimal)measured.CosmosPerApplication * Prices.AssumedRuPerCosmosRequest / 1_000_000m * Prices.CosmosServerlessPerMillionRuUsd;
        var computeCost = (decimal)(measured.CpuSecondsPerApplication + ocr.CpuSeconds) * Prices.InstanceMemoryGb * Prices.FlexConsumptionPerGbSecondUsd;
        return (storageCost + cosmosCost + computeCost) * Prices.CnyPerUsd;
    }

    private sealed record EnvironmentCost(string Environment, string Basis, object Settings, double IdleRequestsPerSecond, decimal IdleStorageCostPerMonthCny, int AssumedLoansPerMonth, decimal CostPerLoanCny);

    /// <summary>Busy cost per loan plus this environment's idle polling shared over its loans in a month (30 days).</summary>
    private static EnvironmentCost EnvironmentCostFor(string name, string basis, TaskHubSettings settings, double idleRequestsPerSecond, int loansPerMonth, decimal busyCostCny, bool billed)
    {
        var idleRequestsPerMonth = (decimal)idleRequestsPerSecond * 86_400m * 30m;
        var idleCostCny = idleRequestsPerMonth / 10_000m * Prices.StoragePer10kTransactionsUsd * Prices.CnyPerUsd;
        var perLoan = busyCostCny + idleCostCny / Math.Max(loansPerMonth, 1);
        return new EnvironmentCost(name, billed ? basis : basis + " (not billed)", Describe(settings), idleRequestsPerSecond, Math.Round(idleCostCny, 2), loansPerMonth, Math.Round(perLoan, 5));
    }

    /// <summary>The settings that shape latency and cost (the worker id names one process and is left out).</summary>
    private static object Describe(TaskHubSettings settings) => new
    {
        settings.PartitionCount,
        maxQueuePollingIntervalMs = settings.MaxQueuePollingInterval.TotalMilliseconds,
        settings.ExtendedSessionsEnabled,
        extendedSessionIdleTimeoutSeconds = settings.ExtendedSessionIdleTimeout.TotalSeconds,
        visibilityTimeoutSeconds = settings.VisibilityTimeout.TotalSeconds,
        leaseIntervalSeconds = settings.LeaseInterval.TotalSeconds,
        settings.MaxConcurrentActivities,
        settings.MaxConcurrentOrchestrations,
    };

    /// <summary>Submit → disbursed, from the submit call to the engine's completion time; zero when it did not end disbursed.</summary>
    private static async Task<TimeSpan> SubmitAndWaitAsync(PipelineRuntime pipeline, DurableTaskClient observer, byte[] form, CancellationToken ct)
    {
        var submittedAt = DateTimeOffset.UtcNow;
        var submitted = await pipeline.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromMinutes(2));
        // The borrower accepts the contract as soon as it is offered; the poll adds at most a quarter second.
        var borrower = pipeline.AcceptContractWhenOfferedAsync(submitted.ApplicationId, TimeSpan.FromMinutes(2), patience.Token);
        var state = await observer.WaitForInstanceCompletionAsync(submitted.ApplicationId, getInputsAndOutputs: true, patience.Token);
        await borrower;
        var outcome = state.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? state.ReadOutputAs<ApplicationOutcome>() : null;
        return outcome?.Stage == ApplicationStage.Disbursed ? state.LastUpdatedAt - submittedAt : TimeSpan.Zero;
    }

    /// <summary>
    /// One clean scanned page read three times (the median counts): CPU seconds = the preprocessing and field
    /// extraction on this thread plus the Tesseract child process, so other work in this process and other users of a
    /// shared machine do not count; wall seconds are reported beside them to show the load.
    /// </summary>
    private static async Task<OcrPageCost> OcrCostPerPageAsync(string root, CancellationToken ct)
    {
        var page = await File.ReadAllBytesAsync(Path.Combine(root, "samples", "demo", "01-approved-310.png"), ct);
        var options = new OcrOptions();
        var preprocessor = new ImagePreprocessor(options.Preprocessing);
        var tesseract = new TesseractCli(options);
        var extractor = new LoanFormExtractor();
        var runs = new List<OcrPageCost>();
        for (var run = 0; run < 4; run++)
        {
            var clock = Stopwatch.StartNew();
            var threadBefore = CpuClock.CurrentThread;
            var cleaned = preprocessor.Process(page).Image.ToPgm();
            var preprocessing = CpuClock.CurrentThread - threadBefore;

            var childrenBefore = CpuClock.ExitedChildren;
            var recognised = await tesseract.RecognizeAsync(cleaned, 1, ct);
            var tesseractCpu = CpuClock.ExitedChildren - childrenBefore;

            threadBefore = CpuClock.CurrentThread;
            var form = extractor.Extract(OcrDocument.FromPages([recognised]));
            var extraction = CpuClock.CurrentThread - threadBefore;
            if (form.Fields.Values.Count(f => f.Value is not null) < form.Fields.Count - 1)
            {
                throw new InvalidOperationException($"The OCR benchmark page read badly ({string.Join("; ", form.Errors.Select(e => e.Message))}); the figures would mean nothing.");
            }
            // The first run compiles the preprocessing code; a service reads pages warm.
            if (run > 0)
            {
                runs.Add(new OcrPageCost((preprocessing + tesseractCpu + extraction).TotalSeconds, preprocessing.TotalSeconds, tesseractCpu.TotalSeconds, clock.Elapsed.TotalSeconds));
            }
        }
        return runs.OrderBy(r => r.CpuSeconds).ElementAt(runs.Count / 2);
    }

    private sealed record OcrPageCost(double CpuSeconds, double PreprocessingCpuSeconds, double TesseractCpuSeconds, double WallSeconds);

    /// <summary>The one-minute load average, so a reader can judge wall-clock figures; "n/a" off Linux.</summary>
    private static string LoadAverage()
    {
        const string Path = "/proc/loadavg";
        return File.Exists(Path) ? File.ReadAllText(Path).Split(' ')[0] : "n/a";
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>A different household per index (name and ID sequence number vary), all on the approving side of the scorecard.</summary>
    private static FormValues Household(int index) => DemoSamples.Values(DemoSamples.Household(
        "刘" + "建华国明强军"[index % 6] + "华", "430626198203" + (15000 + index).ToString("D5", CultureInfo.InvariantCulture),
        "4", "8", "水稻种植", "30000", "12", "购买化肥种子", "等额本息", "柳树村", "安定镇", DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
}
