using System.CommandLine;
using System.Text.Json;
using RuralLoans.Cli.Chaos;
using RuralLoans.DevServices;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// <c>chaos</c>: several worker processes on one task hub, killed with SIGKILL and restarted at random moments while
/// queue messages are duplicated; then every application must have finished, been paid exactly once, be booked in a
/// balanced ledger and pass its audit. Exits non-zero when any of that fails.
/// </summary>
internal static class ChaosCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var hosts = new Option<int>("--hosts") { Description = "Worker processes on the task hub", DefaultValueFactory = _ => 3 };
        var applications = new Option<int>("--applications") { Description = "Applications pushed through the pipeline", DefaultValueFactory = _ => 200 };
        var kills = new Option<int>("--kills") { Description = "Hosts killed with SIGKILL (each restarted)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int?>("--seed") { Description = "Repeat a run's choices of victims, moments and duplicated messages" };
        var visibility = new Option<int>("--visibility-seconds") { Description = "Queue message visibility timeout of every host (how soon a killed host's messages move on)", DefaultValueFactory = _ => (int)new ChaosOptions().VisibilityTimeout.TotalSeconds };
        var partitions = new Option<int>("--partitions") { Description = "Control-queue partitions of the chaos task hub", DefaultValueFactory = _ => new ChaosOptions().Partitions };
        var noSessions = new Option<bool>("--no-extended-sessions") { Description = "Run the hosts without extended sessions" };
        var noDuplicates = new Option<bool>("--no-duplicates") { Description = "Do not inject duplicate queue messages" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (applications, kills, completed, lost, stuck, duplicatePayouts, ledgerImbalances, auditFailures, …)" };
        var railFaults = new Option<bool>("--rail-faults") { Description = "Instead: a rail-fault campaign — the rail times out, stays down, leaves payouts pending, fails and returns them; checks nothing is booked without settled money, nothing settled is unbooked, nothing is paid twice, and the ledger reconciles (--applications defaults to 22)" };
        var command = new Command("chaos", "Kill and restart worker processes mid-flight, duplicate queue messages, then check every application finished, paid exactly once and audited")
        {
            hosts, applications, kills, seed, visibility, partitions, noSessions, noDuplicates, json, railFaults,
        };
        command.SetAction((parse, ct) => parse.GetValue(railFaults)
            ? RunRailFaultsAsync(new RailFaultOptions
            {
                Applications = parse.GetResult(applications) is { Implicit: false } ? parse.GetValue(applications) : new RailFaultOptions().Applications,
                Seed = parse.GetValue(seed) ?? Environment.TickCount,
            }, parse.GetValue(json), ct)
            : RunAsync(new ChaosOptions
        {
            Hosts = parse.GetValue(hosts),
            Applications = parse.GetValue(applications),
            Kills = parse.GetValue(kills),
            Seed = parse.GetValue(seed) ?? Environment.TickCount,
            VisibilityTimeout = TimeSpan.FromSeconds(parse.GetValue(visibility)),
            LeaseInterval = TimeSpan.FromSeconds(Math.Max(3, parse.GetValue(visibility) / 2)),
            Partitions = parse.GetValue(partitions),
            ExtendedSessions = !parse.GetValue(noSessions),
            DuplicatesPerRound = parse.GetValue(noDuplicates) ? 0 : new ChaosOptions().DuplicatesPerRound,
        }, parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(ChaosOptions options, bool asJson, CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var log = asJson ? Console.Error : Console.Out;
        var work = Directory.CreateTempSubdirectory("ruralloans-chaos-services-");
        try
        {
            var attached = await new DevServicesDaemon(root).TryAttachAsync(ct);
            await log.WriteLineAsync(attached is null ? "Starting private dev services for this run…" : "Using the running dev services…");
            await using var own = attached is null ? await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root, DataDirectory = Path.Combine(work.FullName, "data") }, ct) : null;
            var report = await ChaosRun.RunAsync(options, attached ?? own!.Endpoints, root, log, ct);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Json));
            }
            else
            {
                var table = new Table().RoundedBorder().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                table.AddRow("applications / completed", $"{report.Applications} / {report.Completed}");
                table.AddRow("hosts / kills / restarts", $"{report.Hosts} / {report.Kills} / {report.Restarts}");
                table.AddRow("duplicate queue messages injected", report.DuplicateMessagesInjected.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("rail payout requests / payouts", $"{report.RailRequests} / {report.RailPayouts}");
                table.AddRow(Mark(report.Lost) + " lost", report.Lost.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow(Mark(report.Stuck) + " stuck", report.Stuck.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow(Mark(report.DuplicatePayouts) + " duplicate payouts", report.DuplicatePayouts.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow(Mark(report.LedgerImbalances) + " ledger imbalances", report.LedgerImbalances.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow(Mark(report.AuditFailures) + " audit failures", report.AuditFailures.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow((report.Reconciled ? "✓" : "✗") + " ledger reconcile", report.Reconciled ? "reconciled" : "NOT reconciled");
                table.AddRow("seconds / seed", $"{report.Seconds} / {report.Seed}");
                AnsiConsole.Write(table);
                foreach (var problem in report.Problems)
                {
                    Console.WriteLine("  " + problem);
                }
                Console.WriteLine("reconcile: " + report.ReconcileSummary);
                Console.WriteLine(report.Passed ? "Chaos passed: every application finished, paid once, balanced, reconciled with the rail and audited." : "Chaos FAILED.");
            }
            return report.Passed ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<int> RunRailFaultsAsync(RailFaultOptions options, bool asJson, CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var log = asJson ? Console.Error : Console.Out;
        var work = Directory.CreateTempSubdirectory("ruralloans-railfaults-services-");
        try
        {
            var attached = await new DevServicesDaemon(root).TryAttachAsync(ct);
            await log.WriteLineAsync(attached is null ? "Starting private dev services for this run…" : "Using the running dev services…");
            await using var own = attached is null ? await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root, DataDirectory = Path.Combine(work.FullName, "data") }, ct) : null;
            var report = await RailFaultCampaign.RunAsync(options, attached ?? own!.Endpoints, root, log, ct);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Json));
                return report.Passed ? 0 : 1;
            }
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            var table = new Table().RoundedBorder().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("applications", report.Applications.ToString(invariant));
            table.AddRow("faults", Markup.Escape(string.Join(", ", report.Faults.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))));
            table.AddRow("disbursed / payout failed / returned", $"{report.Disbursed} / {report.PayoutFailed} / {report.Returned}");
            table.AddRow("operator tasks seen (pending past deadline)", report.SawOperatorTask.ToString(invariant));
            table.AddRow("rail payout requests / payouts", $"{report.RailRequests} / {report.RailPayouts}");
            table.AddRow(Mark(report.BookedWithoutSettledMoney) + " loans booked without settled money", report.BookedWithoutSettledMoney.ToString(invariant));
            table.AddRow(Mark(report.SettledUnbooked) + " settled payouts unbooked", report.SettledUnbooked.ToString(invariant));
            table.AddRow(Mark(report.DoublePayouts) + " double payouts", report.DoublePayouts.ToString(invariant));
            table.AddRow(Mark(report.LedgerImbalances) + " ledger imbalances", report.LedgerImbalances.ToString(invariant));
            table.AddRow(Mark(report.Stuck) + " stuck", report.Stuck.ToString(invariant));
            table.AddRow(Mark(report.WrongOutcome) + " wrong outcomes", report.WrongOutcome.ToString(invariant));
            table.AddRow((report.Reconciled ? "✓" : "✗") + " ledger reconcile", report.Reconciled ? "reconciled" : "NOT reconciled");
            table.AddRow("seconds / seed", $"{report.Seconds} / {report.Seed}");
            AnsiConsole.Write(table);
            Console.WriteLine("sweep: " + report.SweepSummary);
            Console.WriteLine("reconcile: " + report.ReconcileSummary);
            foreach (var problem in report.Problems)
            {
                Console.WriteLine("  " + problem);
            }
            Console.WriteLine($"{report.BookedWithoutSettledMoney} loans booked without settled money, {report.SettledUnbooked} settled payouts unbooked, {report.DoublePayouts} double payouts.");
            Console.WriteLine(report.Passed ? "Rail-fault campaign passed." : "Rail-fault campaign FAILED.");
            return report.Passed ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Mark(int failures) => failures == 0 ? "✓" : "✗";
}
