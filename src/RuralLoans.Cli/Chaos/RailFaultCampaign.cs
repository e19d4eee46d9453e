using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask.Client;
using RuralLoans.DevServices;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Payments;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;

namespace RuralLoans.Cli.Chaos;

/// <summary>What the rail does to one application's payout in a rail-fault campaign.</summary>
public enum RailFaultKind
{
    Settles,
    TimesOutBeforeCommit,
    CommitsThenDropsResponse,
    CommitsThenTimesOut,

    /// <summary>Answers 503 to every attempt of the first try: the payout stays in doubt and is asked about again.</summary>
    DownThroughFirstTry,
    PendingThenSettles,

    /// <summary>Stays pending past the confirmation deadline (the operator task opens), then settles.</summary>
    PendingPastDeadline,
    Fails,
    ProcessingThenFails,

    /// <summary>Settles, then the payee's bank sends it back (退汇) a few seconds later.</summary>
    ReturnedLater,

    /// <summary>Settles; once its application has finished, the payee's bank sends it back.</summary>
    ReturnedAfterCompletion,
}

public sealed record RailFaultOptions
{
    public int Applications { get; init; } = 22;
    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>Short, so a payout left pending past it opens the operator task within the run.</summary>
    public TimeSpan ConfirmationDeadline { get; init; } = TimeSpan.FromSeconds(8);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(4);
}

/// <summary>
/// What a rail-fault campaign found. <see cref="Passed"/> needs 0 loans booked without settled money, 0 settled payouts
/// unbooked, 0 double payouts, no unbalanced transfer, every application finished as its fault says, and
/// `ledger reconcile` clean.
/// </summary>
public sealed record RailFaultReport
{
    public required int Applications { get; init; }
    public required IReadOnlyDictionary<RailFaultKind, int> Faults { get; init; }
    public required int Disbursed { get; init; }
    public required int PayoutFailed { get; init; }
    public required int Returned { get; init; }
    public required int SawOperatorTask { get; init; }
    public required int Stuck { get; init; }
    public required int WrongOutcome { get; init; }
    public required int BookedWithoutSettledMoney { get; init; }
    public required int SettledUnbooked { get; init; }
    public required int DoublePayouts { get; init; }
    public required int LedgerImbalances { get; init; }
    public required bool Reconciled { get; init; }
    public required string ReconcileSummary { get; init; }
    public required string SweepSummary { get; init; }
    public required int RailRequests { get; init; }
    public required int RailPayouts { get; init; }
    public required double Seconds { get; init; }
    public required int Seed { get; init; }
    public required IReadOnlyList<string> Problems { get; init; }

    public bool Passed => Stuck == 0 && WrongOutcome == 0 && BookedWithoutSettledMoney == 0 && SettledUnbooked == 0 && DoublePayouts == 0 && LedgerImbalances == 0 && Reconciled;
}

/// <summary>
/// Runs applications through the pipeline while the rail simulator times out, drops answers, stays down, leaves payouts
/// pending (past the deadline too), fails them and returns them after settling — each application gets one fault — then
/// lets housekeeping's reconciliation sweep run and checks the money: nothing booked that did not settle, nothing settled
/// that is not booked, nothing paid twice, and the settlement account reconciled with the rail.
/// </summary>
public static class RailFaultCampaign
{
    private const string PartnerId = "MFI001";
    private const string AutomaticProduct = "farm-310";

    public static async Task<RailFaultReport> RunAsync(RailFaultOptions options, DevServicesEndpoints endpoints, string repositoryRoot, TextWriter log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Applications < 1)
        {
            throw new ArgumentException("A campaign needs at least one application.", nameof(options));
        }
        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var hub = "Rail" + Guid.NewGuid().ToString("N")[..10];
        await using var rail = await RailSimulator.StartAsync(ct: ct);
        rail.HangDuration = TimeSpan.FromSeconds(2);
        using var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
        var client = new HttpPaymentRail(railHttp, new PaymentRailOptions { AttemptTimeout = TimeSpan.FromMilliseconds(800), MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(50) });
        var deadline = options.ConfirmationDeadline;
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = endpoints.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(endpoints.CosmosConnectionString),
            CosmosDatabase = "railfaults-" + hub.ToLowerInvariant(),
            TaskHubName = hub,
            Ocr = new OcrOptions(),
            PaymentRail = client,
            ConfigDirectory = Path.Combine(repositoryRoot, "config"),
            Payouts = new PayoutPolling
            {
                FirstRecheck = TimeSpan.FromSeconds(1),
                MaxRecheck = TimeSpan.FromSeconds(2),
                ConfirmationDeadline = deadline,
                AfterDeadline = TimeSpan.FromSeconds(2),
                BookingRetry = TimeSpan.FromSeconds(1),
            },
        }, ct);

        var kinds = Enum.GetValues<RailFaultKind>();
        var plan = Enumerable.Range(0, options.Applications).Select(i => kinds[i % kinds.Length]).OrderBy(_ => random.Next()).ToList();
        await log.WriteLineAsync($"Rail-fault campaign on task hub {hub}: {options.Applications} applications, seed {options.Seed}, confirmation deadline {deadline.TotalSeconds:0} s");

        var forms = ChaosRun.RenderForms(options.Applications);
        var applications = new List<(string Id, RailFaultKind Fault)>();
        var problems = new ConcurrentQueue<string>();
        for (var i = 0; i < forms.Count; i++)
        {
            var submitted = await runtime.Intake.SubmitAsync(new SubmitApplication(PartnerId, AutomaticProduct, forms[i]), ct);
            // The payout is requested seconds later, after reading, scoring and splitting: the script is in place by then.
            rail.Script(new DisbursementKey(submitted.ApplicationId, 1).Value, ScriptFor(plan[i], deadline));
            applications.Add((submitted.ApplicationId, plan[i]));
        }

        var operatorTasks = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        // Each borrower accepts the printed contract, as the partner's app collects it, so every payout is requested.
        using var stopBorrowers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var borrowers = runtime.AcceptContractsUntilStoppedAsync(() => applications.Select(a => a.Id).ToList(), stopBorrowers.Token);
        Dictionary<string, OrchestrationMetadata?> states;
        try
        {
            states = await WaitForAllAsync(runtime.Client, applications.Select(a => a.Id).ToList(), options.Timeout, operatorTasks, log, ct);
        }
        finally
        {
            await stopBorrowers.CancelAsync();
            await borrowers;
        }

        // After the applications finished: late returns arrive; housekeeping's sweep must find and book them.
        foreach (var (id, _) in applications.Where(a => a.Fault == RailFaultKind.ReturnedAfterCompletion))
        {
            var key = new DisbursementKey(id, 1).Value;
            if (rail.StatusOf(key) == PayoutStatus.Settled)
            {
                rail.Return(key, "AC06", "BlockedAccount");
            }
        }
        await Task.Delay(ReturnDelay, ct);
        var sweep = await runtime.PayoutReconciliation.RunAsync(new PayoutSweepPolicy(), ct);
        await log.WriteLineAsync($"  reconciliation sweep: {sweep}");
        foreach (var flagged in sweep.Flagged)
        {
            problems.Enqueue("sweep flagged " + flagged);
        }

        int disbursed = 0, failed = 0, returned = 0, stuck = 0, wrong = 0;
        var expectedPaid = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (id, fault) in applications)
        {
            var state = states.GetValueOrDefault(id);
            var outcome = state?.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? state.ReadOutputAs<ApplicationOutcome>() : null;
            if (outcome is null)
            {
                stuck++;
                problems.Enqueue($"{id} ({fault}): {state?.RuntimeStatus.ToString() ?? "no instance"} {state?.SerializedCustomStatus} {state?.FailureDetails?.ErrorMessage}");
                continue;
            }
            var record = await runtime.Applications.GetAsync(id, ct);
            var expectedStage = fault switch
            {
                RailFaultKind.Fails or RailFaultKind.ProcessingThenFails => ApplicationStage.PayoutFailed,
                _ => ApplicationStage.Disbursed,
            };
            if (outcome.Stage != expectedStage)
            {
                wrong++;
                problems.Enqueue($"{id} ({fault}): ended {outcome.Stage}, expected {expectedStage}: {outcome.Summary}");
            }
            var isReturn = fault is RailFaultKind.ReturnedLater or RailFaultKind.ReturnedAfterCompletion;
            if (isReturn && record?.Stage != nameof(ApplicationStage.PayoutReturned))
            {
                wrong++;
                problems.Enqueue($"{id} ({fault}): the application shows {record?.Stage}, not {nameof(ApplicationStage.PayoutReturned)}");
            }
            if (outcome.Stage == ApplicationStage.Disbursed && !isReturn)
            {
                expectedPaid[id] = outcome.Split?.Sum(s => s.AmountYuan) ?? 0m;
            }
            disbursed += outcome.Stage == ApplicationStage.Disbursed && !isReturn ? 1 : 0;
            failed += outcome.Stage == ApplicationStage.PayoutFailed ? 1 : 0;
            returned += record?.Stage == nameof(ApplicationStage.PayoutReturned) ? 1 : 0;
        }

        var payments = await ChaosRun.CheckPaymentsAsync(runtime, client, expectedPaid, applications.Select(a => a.Id).ToList(), problems, ct);
        var reconciliation = await RailFacts.ReconcileAsync(client, runtime.Ledger, ct);
        foreach (var difference in reconciliation.Differences)
        {
            problems.Enqueue("reconcile: " + difference);
        }
        var pendingPastDeadline = applications.Where(a => a.Fault == RailFaultKind.PendingPastDeadline).Select(a => a.Id).ToList();
        var sawTask = pendingPastDeadline.Count(operatorTasks.ContainsKey);
        if (sawTask < pendingPastDeadline.Count)
        {
            wrong += pendingPastDeadline.Count - sawTask;
            problems.Enqueue($"{pendingPastDeadline.Count - sawTask} payout(s) pending past the deadline never showed the operator task");
        }
        return new RailFaultReport
        {
            Applications = options.Applications,
            Faults = plan.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count()),
            Disbursed = disbursed,
            PayoutFailed = failed,
            Returned = returned,
            SawOperatorTask = sawTask,
            Stuck = stuck,
            WrongOutcome = wrong,
            BookedWithoutSettledMoney = payments.BookedWithoutSettledMoney,
            SettledUnbooked = payments.SettledUnbooked,
            DoublePayouts = payments.Duplicates,
            LedgerImbalances = payments.Imbalances,
            Reconciled = reconciliation.Reconciled,
            ReconcileSummary = Commands.LedgerCommand.Summary(reconciliation),
            SweepSummary = sweep.ToString(),
            RailRequests = rail.PostCount,
            RailPayouts = rail.CommittedPayouts.Count,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Seed = options.Seed,
            Problems = problems.Take(40).ToList(),
        };
    }

    private static readonly TimeSpan ReturnDelay = TimeSpan.FromSeconds(5);

    private static PayoutScript ScriptFor(RailFaultKind kind, TimeSpan deadline) => kind switch
    {
        RailFaultKind.Settles => PayoutScript.Settle,
        RailFaultKind.TimesOutBeforeCommit => PayoutScript.Settle with { Faults = [RailFault.TimeoutBeforeCommit] },
        RailFaultKind.CommitsThenDropsResponse => PayoutScript.Settle with { Faults = [RailFault.CommitThenDropResponse] },
        RailFaultKind.CommitsThenTimesOut => PayoutScript.Settle with { Faults = [RailFault.CommitThenTimeout] },
        RailFaultKind.DownThroughFirstTry => PayoutScript.SettleAfter(TimeSpan.FromSeconds(1)) with { Faults = Enumerable.Repeat(RailFault.UnavailableBeforeCommit, 5).ToArray() },
        RailFaultKind.PendingThenSettles => PayoutScript.SettleAfter(TimeSpan.FromSeconds(3)),
        RailFaultKind.PendingPastDeadline => PayoutScript.SettleAfter(deadline * 2.5),
        RailFaultKind.Fails => PayoutScript.Fail("AC04", "ClosedAccountNumber"),
        RailFaultKind.ProcessingThenFails => PayoutScript.Fail("AM04", "InsufficientFunds", TimeSpan.FromSeconds(3)),
        RailFaultKind.ReturnedLater => PayoutScript.SettleThenReturn(TimeSpan.FromSeconds(4), "MD07", "EndCustomerDeceased"),
        _ => PayoutScript.Settle,
    };

    /// <summary>Polls every application until all finished or nothing finished for the timeout; notes which showed the operator task.</summary>
    private static async Task<Dictionary<string, OrchestrationMetadata?>> WaitForAllAsync(DurableTaskClient client, List<string> ids, TimeSpan timeout,
        ConcurrentDictionary<string, bool> operatorTasks, TextWriter log, CancellationToken ct)
    {
        var states = ids.ToDictionary(id => id, _ => (OrchestrationMetadata?)null, StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            foreach (var id in states.Where(s => s.Value is not { IsCompleted: true }).Select(s => s.Key).ToList())
            {
                var state = await client.GetInstanceAsync(id, getInputsAndOutputs: true, ct);
                states[id] = state;
                if (state?.SerializedCustomStatus?.Contains($"\"{nameof(ApplicationStage.PayoutUnconfirmed)}\"", StringComparison.Ordinal) == true
                    || state?.ReadCustomStatusAs<ApplicationProgress>()?.Stage == ApplicationStage.PayoutUnconfirmed)
                {
                    operatorTasks[id] = true;
                }
            }
            var running = states.Count(s => s.Value is not { IsCompleted: true });
            if (running == 0 || watch.Elapsed > timeout)
            {
                return states;
            }
            if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = watch.Elapsed;
                await log.WriteLineAsync($"  {running} applications still running after {watch.Elapsed.TotalSeconds:F0} s");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
        }
    }
}
