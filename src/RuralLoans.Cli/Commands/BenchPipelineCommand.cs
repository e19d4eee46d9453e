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
using RuralLoans.Ocr;
using RuralLoans.Ocr.Engines;
using RuralLoans.Ocr.Extraction;
using RuralLoans.Ocr.Imaging;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
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
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed class CosmosRequestCounter : RequestHandler
    {
        private long _requests;

        public long Requests => Interlocked.Read(ref _requests);

        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (p50Ms, p99Ms, applicationsPerSecond, …)" };
        var sequential = new Option<int>("--latency-samples") { Description = "Applications sent one at a time for latency", DefaultValueFactory = _ => 20 };
        var concurrent = new Option<int>("--throughput-applications") { Description = "Applications sent at once for throughput", DefaultValueFactory = _ => 40 };
        var command = new Command("pipeline", "Benchmark the automatic path end to end: latency, throughput, storage and Cosmos requests, cost per loan, OCR seconds per page")
        {
            json, sequential, concurrent,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json), parse.GetValue(sequential), parse.GetValue(concurrent), ct));
        return command;
    }

    private static async Task<int> RunAsync(bool asJson, int latencySamples, int throughputApplications, CancellationToken ct)
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

            var storageRequests = new StorageRequestCounter();
            var cosmosRequests = new CosmosRequestCounter();
            await using var rail = await RailSimulator.StartAsync(ct: ct);
            using var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
            var hub = "Bench" + Guid.NewGuid().ToString("N")[..10];
            await using var pipeline = await PipelineRuntime.StartAsync(new PipelineOptions
            {
                StorageConnectionString = endpoints.StorageConnectionString,
                Cosmos = CosmosClients.FromConnectionString(endpoints.CosmosConnectionString, o => o.CustomHandlers.Add(cosmosRequests)),
                CosmosDatabase = "bench-" + hub.ToLowerInvariant(),
                TaskHubName = hub,
                Ocr = new OcrOptions(),
                PaymentRail = new HttpPaymentRail(railHttp),
                ConfigDirectory = Path.Combine(root, "config"),
                StorageRequestPolicy = storageRequests,
            }, ct);

            // Waiting for results reads instance state; that is the benchmark's own load, so it goes through a client
            // whose storage requests are not counted.
            await using var observerHub = await LocalTaskHub.StartAsync(StorageAccount.FromConnectionString(endpoints.StorageConnectionString),
                PipelineRuntime.LocalTaskHubSettings(hub), registry: null);
            var observer = observerHub.Client;

            await log.WriteLineAsync("Rendering digital forms…");
            var images = new FormImages(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));
            var forms = Enumerable.Range(0, 3 + latencySamples + throughputApplications).Select(i => images.TextPdf(Household(i), FormLayout.LabelValueLines, asciiColon: false)).ToList();

            // Warm-up: first calls JIT-compile and create containers.
            for (var i = 0; i < 3; i++)
            {
                await SubmitAndWaitAsync(pipeline, observer, forms[i], ct);
            }

            await log.WriteLineAsync($"Latency: {latencySamples} applications one at a time…");
            var latencies = new List<double>();
            for (var i = 0; i < latencySamples; i++)
            {
                latencies.Add((await SubmitAndWaitAsync(pipeline, observer, forms[3 + i], ct)).TotalMilliseconds);
            }

            await log.WriteLineAsync($"Throughput: {throughputApplications} applications at once…");
            var storageBefore = storageRequests.Requests - storageRequests.EmptyReceives;
            var cosmosBefore = cosmosRequests.Requests;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(forms.Skip(3 + latencySamples).Select(form => SubmitAndWaitAsync(pipeline, observer, form, ct)));
            var elapsed = clock.Elapsed;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var storagePerApp = (double)(storageRequests.Requests - storageRequests.EmptyReceives - storageBefore) / throughputApplications;
            var cosmosPerApp = (double)(cosmosRequests.Requests - cosmosBefore) / throughputApplications;
            var cpuPerApp = cpuSeconds / throughputApplications;

            await log.WriteLineAsync("OCR: one clean scanned page, one Tesseract thread…");
            var ocr = await OcrCostPerPageAsync(root, ct);

            var storageCost = (decimal)storagePerApp / 10_000m * Prices.StoragePer10kTransactionsUsd;
            var cosmosCost = (decimal)cosmosPerApp * Prices.AssumedRuPerCosmosRequest / 1_000_000m * Prices.CosmosServerlessPerMillionRuUsd;
            var computeCost = (decimal)(cpuPerApp + ocr.CpuSeconds) * Prices.InstanceMemoryGb * Prices.FlexConsumptionPerGbSecondUsd;
            var costPerLoanCny = (storageCost + cosmosCost + computeCost) * Prices.CnyPerUsd;

            latencies.Sort();
            var report = new
            {
                p50Ms = Math.Round(Percentile(latencies, 0.50), 1),
                p99Ms = Math.Round(Percentile(latencies, 0.99), 1),
                applicationsPerSecond = Math.Round(throughputApplications / elapsed.TotalSeconds, 2),
                storageTransactionsPerApplication = Math.Round(storagePerApp, 1),
                cosmosRequestsPerApplication = Math.Round(cosmosPerApp, 1),
                cpuSecondsPerApplication = Math.Round(cpuPerApp, 3),
                ocrCpuSecondsPerPage = Math.Round(ocr.CpuSeconds, 2),
                ocrPreprocessingCpuSecondsPerPage = Math.Round(ocr.PreprocessingCpuSeconds, 2),
                ocrTesseractCpuSecondsPerPage = Math.Round(ocr.TesseractCpuSeconds, 2),
                ocrWallSecondsPerPage = Math.Round(ocr.WallSeconds, 2),
                estimatedCostPerLoanCny = Math.Round(costPerLoanCny, 5),
                allDisbursed = results.All(r => r > TimeSpan.Zero),
                prices = new
                {
                    Prices.CnyPerUsd,
                    Prices.StoragePer10kTransactionsUsd,
                    Prices.CosmosServerlessPerMillionRuUsd,
                    Prices.AssumedRuPerCosmosRequest,
                    Prices.FlexConsumptionPerGbSecondUsd,
                    Prices.InstanceMemoryGb,
                },
            };
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Json));
            }
            else
            {
                var table = new Table().RoundedBorder().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                table.AddRow("submit → disbursed p50 / p99 (one at a time)", $"{report.p50Ms} / {report.p99Ms} ms");
                table.AddRow("applications per second (40 at once)", report.applicationsPerSecond.ToString(CultureInfo.InvariantCulture));
                table.AddRow("storage transactions per application", report.storageTransactionsPerApplication.ToString(CultureInfo.InvariantCulture));
                table.AddRow("Cosmos requests per application", report.cosmosRequestsPerApplication.ToString(CultureInfo.InvariantCulture));
                table.AddRow("CPU seconds per application (digital form)", report.cpuSecondsPerApplication.ToString(CultureInfo.InvariantCulture));
                table.AddRow("OCR CPU seconds per clean scanned page (preprocessing + Tesseract)", $"{report.ocrCpuSecondsPerPage.ToString(CultureInfo.InvariantCulture)} ({report.ocrPreprocessingCpuSecondsPerPage.ToString(CultureInfo.InvariantCulture)} + {report.ocrTesseractCpuSecondsPerPage.ToString(CultureInfo.InvariantCulture)})");
                table.AddRow("OCR wall seconds per page (load average " + LoadAverage() + ")", report.ocrWallSecondsPerPage.ToString(CultureInfo.InvariantCulture));
                table.AddRow("estimated cloud cost per loan", $"¥{report.estimatedCostPerLoanCny.ToString(CultureInfo.InvariantCulture)}");
                AnsiConsole.Write(table);
                Console.WriteLine("Cost assumptions (list prices, edit BenchPipelineCommand.Prices for your region): " + JsonSerializer.Serialize(report.prices));
            }
            return report.allDisbursed ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Submit → disbursed, from the submit call to the engine's completion time; zero when it did not end disbursed.</summary>
    private static async Task<TimeSpan> SubmitAndWaitAsync(PipelineRuntime pipeline, DurableTaskClient observer, byte[] form, CancellationToken ct)
    {
        var submittedAt = DateTimeOffset.UtcNow;
        var submitted = await pipeline.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct);
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromMinutes(2));
        var state = await observer.WaitForInstanceCompletionAsync(submitted.ApplicationId, getInputsAndOutputs: true, patience.Token);
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
