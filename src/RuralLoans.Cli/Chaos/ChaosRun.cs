using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.DurableTask.Client;
using RuralLoans.DevServices;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Disbursements;
using RuralLoans.FormGenerator;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Storage;
using RuralLoans.TaskHub;

namespace RuralLoans.Cli.Chaos;

/// <summary>
/// Runs the pipeline on several worker processes sharing one task hub, kills them with SIGKILL at random moments and
/// starts them again, copies messages in the task hub's queues, waits until everything has settled and then checks
/// every application: finished, paid exactly once, booked in a balanced ledger that agrees with the rail, and audited.
/// </summary>
public static class ChaosRun
{
    private const string PartnerId = "MFI001";
    private const string AutomaticProduct = "farm-310";

    public static async Task<ChaosReport> RunAsync(ChaosOptions options, DevServicesEndpoints endpoints, string repositoryRoot, TextWriter log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory("ruralloans-chaos-");
        var hub = "Chaos" + Guid.NewGuid().ToString("N")[..10];
        var settings = options.TaskHubSettings(hub);
        var database = "chaos-" + hub.ToLowerInvariant();
        var configDirectory = Path.Combine(repositoryRoot, "config");

        // The rail lives in this process: it is the bank's system and outlives every host; its journal is the record
        // of what was really paid.
        var railJournal = Path.Combine(work.FullName, "rail-journal.jsonl");
        await using var rail = await RailSimulator.StartAsync(journalPath: railJournal, ct: ct);
        using var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = endpoints.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(endpoints.CosmosConnectionString),
            CosmosDatabase = database,
            TaskHubName = hub,
            TaskHub = settings,
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = configDirectory,
            RunWorker = false,
        }, ct);

        await log.WriteLineAsync($"Task hub {hub}: {options.Hosts} hosts, {options.Applications} applications, {options.Kills} kills, seed {options.Seed}; logs in {work.FullName}");
        var environment = ChaosHostCommand.Environment(endpoints.StorageConnectionString, endpoints.CosmosConnectionString, database, settings, rail.BaseAddress, configDirectory);
        var hosts = Enumerable.Range(0, options.Hosts).Select(i => new ChaosHostProcess(i, environment, work.FullName)).ToList();
        var problems = new ConcurrentQueue<string>();
        var restarts = 0;
        var duplicates = 0;
        try
        {
            foreach (var host in hosts)
            {
                host.Start();
            }

            var forms = RenderForms(options.Applications);
            var window = options.MeanKillInterval * Math.Max(options.Kills, 1);
            var submitted = new ConcurrentDictionary<int, string>();
            using var injecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var injection = InjectDuplicatesAsync(runtime.StorageAccount, settings, options.DuplicatesPerRound, new Random(random.Next()), () => Interlocked.Increment(ref duplicates), injecting.Token);
            // Borrowers accept their contracts as they are offered, while hosts die and after, so payouts still meet the kills.
            using var stopBorrowers = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var borrowers = runtime.AcceptContractsUntilStoppedAsync(() => submitted.Values.ToList(), stopBorrowers.Token);
            var submission = SubmitAsync(runtime, forms, window, submitted, problems, ct);
            var killing = KillAndRestartAsync(hosts, options, new Random(random.Next()), () => Interlocked.Increment(ref restarts), log, ct);
            await Task.WhenAll(submission, killing);
            // Duplicates go in while hosts die; after that the system is left alone to settle.
            await injecting.CancelAsync();
            await IgnoreCancellation(injection);
            await log.WriteLineAsync($"{submitted.Count} submitted, {options.Kills} kills and {duplicates} duplicated messages done after {clock.Elapsed.TotalSeconds:F0} s; waiting for quiescence…");

            var states = await WaitForQuiescenceAsync(runtime.Client, submitted.Values.ToList(), options.QuiescenceTimeout, log, ct);
            await stopBorrowers.CancelAsync();
            await borrowers;
            // Copies injected near the end may still be in the queues: a duplicated payout step must run, and prove
            // harmless, before payouts are counted.
            await WaitForEmptyQueuesAsync(runtime.StorageAccount, settings, TimeSpan.FromSeconds(60), ct);

            var completed = 0;
            var stuck = 0;
            var expectedPaid = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var (id, state) in states)
            {
                var outcome = state?.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? state.ReadOutputAs<ApplicationOutcome>() : null;
                if (outcome?.Stage == ApplicationStage.Disbursed)
                {
                    completed++;
                    expectedPaid[id] = outcome.Split?.Sum(s => s.AmountYuan) ?? 0m;
                }
                else if (state is { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended })
                {
                    stuck++;
                    problems.Enqueue($"{id}: stuck in {state.RuntimeStatus} ({state.SerializedCustomStatus})");
                }
                else
                {
                    problems.Enqueue($"{id}: lost — {(state is null ? "no instance" : $"{state.RuntimeStatus}, {outcome?.Stage.ToString() ?? state.FailureDetails?.ErrorMessage}")}");
                }
            }
            var lost = options.Applications - completed - stuck;

            foreach (var host in hosts)
            {
                host.Kill();
            }
            var payments = await CheckPaymentsAsync(runtime, new HttpPaymentRail(railHttp), expectedPaid, submitted.Values.ToList(), problems, ct);
            var auditFailures = await AuditAsync(runtime, submitted.Values.ToList(), problems, ct);
            // What `ledger reconcile` proves: the rail-clearing account matches the rail's settled payouts, key by key.
            var reconciliation = await Pipeline.Payments.RailFacts.ReconcileAsync(new HttpPaymentRail(railHttp), runtime.Ledger, ct);
            foreach (var difference in reconciliation.Differences.Take(10))
            {
                problems.Enqueue($"reconcile: {difference}");
            }
            var report = new ChaosReport
            {
                Applications = options.Applications,
                Kills = options.Kills,
                Completed = completed,
                Lost = lost,
                Stuck = stuck,
                DuplicatePayouts = payments.Duplicates,
                LedgerImbalances = payments.Imbalances + payments.BookedWithoutSettledMoney + payments.SettledUnbooked,
                AuditFailures = auditFailures,
                Hosts = options.Hosts,
                Restarts = restarts,
                DuplicateMessagesInjected = duplicates,
                RailRequests = rail.PostCount,
                RailPayouts = rail.CommittedPayouts.Count,
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                Seed = options.Seed,
                Settings = settings,
                Reconciled = reconciliation.Reconciled,
                ReconcileSummary = Commands.LedgerCommand.Summary(reconciliation),
                Problems = problems.Take(40).ToList(),
            };
            if (report.Passed)
            {
                // The host logs only matter when something went wrong.
                DeleteQuietly(work);
            }
            else
            {
                await log.WriteLineAsync($"Host logs and the rail journal are kept in {work.FullName}");
            }
            return report;
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }
    }

    /// <summary>Digital forms, each for a different household on the approving side of the scorecard.</summary>
    internal static List<byte[]> RenderForms(int count)
    {
        var images = new FormImages(new FormRenderer(FormFonts.Load("Noto Sans CJK SC")));
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Enumerable.Range(0, count).Select(i =>
        {
            // Sequence numbers 100–999 within a birth date, then the next day: unique, valid resident IDs for any count.
            var birth = new DateOnly(1976, 3, 1).AddDays(i / 900).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var id = "430626" + birth + (100 + (i % 900)).ToString("D3", CultureInfo.InvariantCulture);
            var values = DemoSamples.Household("王" + "德明建国志强"[i % 6] + "华", id, "4", "8", "水稻种植", "30000", "12", "购买化肥种子", "等额本息", "柳树村", "安定镇", today);
            return images.TextPdf(DemoSamples.Values(values), FormLayout.LabelValueLines, asciiColon: false);
        }).ToList();
    }

    /// <summary>Submits through the intake the API uses, spread over the kill window so kills land while work is in flight.</summary>
    private static async Task SubmitAsync(PipelineRuntime runtime, List<byte[]> forms, TimeSpan window, ConcurrentDictionary<int, string> submitted, ConcurrentQueue<string> problems, CancellationToken ct)
    {
        var pace = window / forms.Count;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < forms.Count; i++)
        {
            var due = pace * i - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }
            try
            {
                var result = await runtime.Intake.SubmitAsync(new SubmitApplication(PartnerId, AutomaticProduct, forms[i]), ct);
                submitted[i] = result.ApplicationId;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                problems.Enqueue($"form {i}: submission failed: {e.Message}");
            }
        }
    }

    private static async Task KillAndRestartAsync(List<ChaosHostProcess> hosts, ChaosOptions options, Random random, Action restarted, TextWriter log, CancellationToken ct)
    {
        var restarts = new List<Task>();
        var mean = options.MeanKillInterval.TotalMilliseconds;
        for (var k = 0; k < options.Kills; k++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(mean * (0.2 + 1.6 * random.NextDouble())), ct);
            var running = hosts.Where(h => h.IsRunning).ToList();
            if (running.Count == 0)
            {
                // Every host is down: wait for a pending restart rather than skip a kill, or start the hosts that
                // exited on their own (their logs say why).
                var pending = restarts.Where(t => !t.IsCompleted).ToList();
                if (pending.Count > 0)
                {
                    await Task.WhenAny(pending);
                }
                else
                {
                    foreach (var host in hosts.Where(h => !h.IsRunning))
                    {
                        await log.WriteLineAsync($"  host {host.Index} had exited by itself; starting it again");
                        host.Start();
                    }
                }
                k--;
                continue;
            }
            var victim = running[random.Next(running.Count)];
            victim.Kill();
            await log.WriteLineAsync($"  kill {k + 1}/{options.Kills}: host {victim.Index}");
            var downtime = TimeSpan.FromMilliseconds(200 + random.Next(2000));
            restarts.Add(Task.Run(async () =>
            {
                await Task.Delay(downtime, ct);
                victim.Start();
                restarted();
            }, ct));
        }
        await Task.WhenAll(restarts);
    }

    /// <summary>
    /// About once a second, peeks the task hub's control and work-item queues and sends copies of a few visible
    /// messages: what a queue's at-least-once delivery does anyway, made frequent.
    /// </summary>
    private static async Task InjectDuplicatesAsync(StorageAccount account, TaskHubSettings settings, int perRound, Random random, Action injected, CancellationToken ct)
    {
        // Raw text both ways, so the copy is byte for byte what the provider wrote, whatever its encoding.
        var queues = QueueNames(settings).Select(name => account.CreateQueueClient(name, new QueueClientOptions())).ToList();
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(1000)), ct);
            var visible = new List<(QueueClient Queue, BinaryData Body)>();
            foreach (var queue in queues)
            {
                try
                {
                    foreach (var message in (await queue.PeekMessagesAsync(32, ct)).Value)
                    {
                        visible.Add((queue, message.Body));
                    }
                }
                catch (Azure.RequestFailedException)
                {
                    // The queue may not exist yet in the first moments.
                }
            }
            foreach (var (queue, body) in visible.OrderBy(_ => random.Next()).Take(perRound))
            {
                await queue.SendMessageAsync(body, cancellationToken: ct);
                injected();
            }
        }
    }

    /// <summary>The provider's queues for this hub: one control queue per partition and the shared work-item queue.</summary>
    private static IEnumerable<string> QueueNames(TaskHubSettings settings)
    {
        var prefix = settings.HubName.ToLowerInvariant();
        return Enumerable.Range(0, settings.PartitionCount)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{prefix}-control-{p:00}"))
            .Append(prefix + "-workitems");
    }

    /// <summary>Polls until no application is still running, or none has finished for <paramref name="timeout"/>; returns each application's last state.</summary>
    private static async Task<Dictionary<string, OrchestrationMetadata?>> WaitForQuiescenceAsync(DurableTaskClient client, List<string> ids, TimeSpan timeout, TextWriter log, CancellationToken ct)
    {
        var states = ids.ToDictionary(id => id, _ => (OrchestrationMetadata?)null, StringComparer.Ordinal);
        var deadline = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var lastProgress = TimeSpan.Zero;
        var lastRunning = int.MaxValue;
        while (true)
        {
            var open = states.Where(s => s.Value is not { IsCompleted: true }).Select(s => s.Key).ToList();
            using var throttle = new SemaphoreSlim(4);
            await Task.WhenAll(open.Select(async id =>
            {
                await throttle.WaitAsync(ct);
                try
                {
                    var state = await client.GetInstanceAsync(id, getInputsAndOutputs: true, ct);
                    lock (states)
                    {
                        states[id] = state;
                    }
                }
                finally
                {
                    throttle.Release();
                }
            }));
            var running = states.Count(s => s.Value is not { IsCompleted: true });
            if (running < lastRunning)
            {
                lastRunning = running;
                lastProgress = deadline.Elapsed;
            }
            // Quiet means nothing finished for a whole timeout: a slow machine still counts as progress, a stuck
            // instance does not.
            if (running == 0 || deadline.Elapsed - lastProgress > timeout || deadline.Elapsed > timeout * 6)
            {
                return states;
            }
            if (deadline.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = deadline.Elapsed;
                await log.WriteLineAsync($"  {running} applications still running after {deadline.Elapsed.TotalSeconds:F0} s");
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static async Task WaitForEmptyQueuesAsync(StorageAccount account, TaskHubSettings settings, TimeSpan timeout, CancellationToken ct)
    {
        var queues = QueueNames(settings).Select(name => account.CreateQueueClient(name, new QueueClientOptions())).ToList();
        var clock = Stopwatch.StartNew();
        var emptyInARow = 0;
        while (emptyInARow < 3 && clock.Elapsed < timeout)
        {
            var waiting = 0;
            foreach (var queue in queues)
            {
                waiting += (await queue.GetPropertiesAsync(ct)).Value.ApproximateMessagesCount;
            }
            emptyInARow = waiting == 0 ? emptyInARow + 1 : 0;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>Lists what the rail paid (through its own API) and reads what the ledger booked, then checks them against each other.</summary>
    internal static async Task<PayoutCheck.Result> CheckPaymentsAsync(PipelineRuntime runtime, IPaymentRail rail, IReadOnlyDictionary<string, decimal> expectedPaid, List<string> applications, ConcurrentQueue<string> problems, CancellationToken ct)
    {
        var railPayouts = new List<PayoutCheck.RailPayout>();
        await foreach (var payout in rail.ListAllAsync(new PayoutQuery { PageSize = 200 }, ct))
        {
            railPayouts.Add(new PayoutCheck.RailPayout(payout.IdempotencyKey, payout.Reference, payout.AmountYuan, Pipeline.Payments.RailFacts.From(payout).State));
        }
        var transfers = new List<LedgerTransfer>();
        await foreach (var transfer in runtime.Ledger.ReadAllAsync(ct))
        {
            transfers.Add(transfer);
        }
        var result = PayoutCheck.Run(applications, railPayouts, transfers, expectedPaid);
        foreach (var problem in result.Problems)
        {
            problems.Enqueue(problem);
        }
        return result;
    }

    internal static async Task<int> AuditAsync(PipelineRuntime runtime, List<string> applications, ConcurrentQueue<string> problems, CancellationToken ct)
    {
        var failures = 0;
        using var throttle = new SemaphoreSlim(4);
        await Task.WhenAll(applications.Select(async id =>
        {
            await throttle.WaitAsync(ct);
            try
            {
                var verdict = await runtime.Auditor.AuditAsync(id, ct);
                if (!verdict.Verified)
                {
                    Interlocked.Increment(ref failures);
                    var broken = verdict.Steps.FirstOrDefault(s => s.Status == Pipeline.Audit.AuditStep.Failed);
                    problems.Enqueue($"{id}: audit not verified — {broken?.Name}: {broken?.Difference}");
                }
            }
            finally
            {
                throttle.Release();
            }
        }));
        return failures;
    }

    internal static void DeleteQuietly(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A host's log may still be held open for a moment; the folder is in the temporary directory anyway.
        }
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
    }
}
