using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Host.Configuration;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline.Payments;
using RuralLoans.Storage.Ledger;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// Audits the ledger: <c>check</c> proves debits equal credits, overall and for every transfer; <c>reconcile</c> proves
/// the settlement account agrees with the payouts the rail settled, key by key.
/// </summary>
internal static class LedgerCommand
{
    // Sides may be exported as names ("Debit") or numbers; both read.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public static Command Create()
    {
        var command = new Command("ledger", "Audit the double-entry ledger");
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Reconcile());
        return command;
    }

    /// <summary>Exit code when the ledger and the rail disagree.</summary>
    public const int DifferencesExitCode = 1;

    private static Command Reconcile()
    {
        var railUrl = new Option<Uri?>("--rail") { Description = "The rail's base URL; without it the local simulator's journal (.devservices/rail-simulator.jsonl) is read, or PaymentRailUrl from the settings" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("reconcile", "Prove the settlement account matches the rail's settled payouts: list every payout from the rail, compare with the ledger key by key (exit 1 and list the differences when they disagree)") { railUrl, json };
        command.SetAction(async (parse, ct) =>
        {
            var root = RepositoryPaths.Root;
            var settings = SettingsLoader.Load(root);
            var url = parse.GetValue(railUrl) ?? settings.PaymentRailUrl;
            var journal = Path.Combine(root, ".devservices", "rail-simulator.jsonl");
            try
            {
                // The local rail is the simulator's journal: served read-only here so the listing goes through the rail's own API.
                await using var local = url is null ? await RailSimulator.StartAsync(journalPath: journal, ct: ct) : null;
                using var http = new HttpClient { BaseAddress = url ?? local!.BaseAddress };
                var connection = await CommandEnvironment.ConnectCosmosAsync(ct);
                using var cosmos = connection.Client;
                var ledger = new LedgerStore(cosmos.GetContainer(connection.Database, "ledger"));
                return await ReconcileAsync(new HttpPaymentRail(http), ledger, parse.GetValue(json), Console.Out, ct);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or Microsoft.Azure.Cosmos.CosmosException)
            {
                Console.Error.WriteLine($"Cannot reconcile: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>Reads both sides, compares them and writes the result; 0 when they agree, <see cref="DifferencesExitCode"/> otherwise.</summary>
    public static async Task<int> ReconcileAsync(IPaymentRail rail, LedgerStore ledger, bool asJson, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var report = await RailFacts.ReconcileAsync(rail, ledger, ct);
        if (asJson)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                reconciled = report.Reconciled,
                railPayouts = report.RailPayouts,
                railSettled = report.RailSettled,
                railSettledYuan = report.RailSettledYuan,
                ledgerPaidOutYuan = report.LedgerPaidOutYuan,
                clearingBalanceYuan = report.ClearingBalanceYuan,
                differences = report.Differences.Select(d => new { key = d.Key, kind = d.Kind.ToString(), railYuan = d.RailYuan, ledgerYuan = d.LedgerYuan, detail = d.Detail }),
            }, Json));
            return report.Reconciled ? 0 : DifferencesExitCode;
        }
        await output.WriteLineAsync(Summary(report));
        foreach (var difference in report.Differences)
        {
            await output.WriteLineAsync("  ✗ " + difference);
        }
        if (report.ClearingBalanceYuan != 0)
        {
            await output.WriteLineAsync($"  ✗ {ChartOfAccounts.RailClearing} holds {Yuan(report.ClearingBalanceYuan)}: a payout leg without its funding, or the reverse");
        }
        await output.WriteLineAsync(report.Reconciled
            ? "Reconciled: the settlement account matches the rail's settled payouts."
            : $"NOT reconciled: {report.Differences.Count} difference(s).");
        return report.Reconciled ? 0 : DifferencesExitCode;
    }

    /// <summary>One line: both sides' totals and the clearing balance.</summary>
    public static string Summary(ReconciliationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return $"rail: {report.RailPayouts} payouts, {report.RailSettled} settled for {Yuan(report.RailSettledYuan)}; ledger: {Yuan(report.LedgerPaidOutYuan)} paid out through {ChartOfAccounts.RailClearing} (balance {Yuan(report.ClearingBalanceYuan)}); {report.Differences.Count} difference(s)";
    }

    private static string Yuan(decimal amount) => "¥" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    private static Command Check()
    {
        var transfers = new Option<FileInfo?>("--transfers") { Description = "JSON array of ledger transfers (an export); without it the configured Cosmos ledger is read" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("check", "Prove debits equal credits overall and per transfer; print account balances (exit 1 when unbalanced)") { transfers, json };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(transfers);
            List<LedgerTransfer> loaded;
            try
            {
                loaded = file is null
                    ? await ReadConfiguredLedgerAsync(ct)
                    : JsonSerializer.Deserialize<List<LedgerTransfer>>(await File.ReadAllTextAsync(file.FullName, ct), Json) ?? throw new JsonException("the file holds no transfers");
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
            {
                Console.Error.WriteLine($"Cannot read the ledger: {e.Message}");
                return 2;
            }
            var report = BalanceChecker.Check(loaded);
            var balances = LedgerBalances.Of(loaded);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    transfers = loaded.Count,
                    totalDebits = report.TotalDebits,
                    totalCredits = report.TotalCredits,
                    balanced = report.IsBalanced,
                    unbalancedTransfers = report.UnbalancedTransfers,
                    balances = balances.Select(b => new { account = b.Account, currency = b.Currency, balance = b.Balance }),
                }, Json));
                return report.IsBalanced ? 0 : 1;
            }
            var table = new Table().RoundedBorder().AddColumn("account").AddColumn("currency").AddColumn(new TableColumn("balance (DR +)").RightAligned());
            foreach (var (account, currency, balance) in balances)
            {
                table.AddRow(Markup.Escape(account), currency, balance.ToString("#,##0.00", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"{loaded.Count} transfers, debits {report.TotalDebits.ToString("#,##0.00", CultureInfo.InvariantCulture)}, credits {report.TotalCredits.ToString("#,##0.00", CultureInfo.InvariantCulture)}");
            if (report.IsBalanced)
            {
                Console.WriteLine("Balanced: debits equal credits overall and in every transfer.");
                return 0;
            }
            Console.WriteLine($"NOT balanced. Transfers that do not balance: {(report.UnbalancedTransfers.Count == 0 ? "none (totals differ)" : string.Join(", ", report.UnbalancedTransfers))}");
            return 1;
        });
        return command;
    }

    /// <summary>The ledger container of the Cosmos account the settings name (the running dev services locally).</summary>
    private static async Task<List<LedgerTransfer>> ReadConfiguredLedgerAsync(CancellationToken ct)
    {
        var connection = await CommandEnvironment.ConnectCosmosAsync(ct);
        using var cosmos = connection.Client;
        var ledger = new LedgerStore(cosmos.GetContainer(connection.Database, "ledger"));
        var all = new List<LedgerTransfer>();
        await foreach (var transfer in ledger.ReadAllAsync(ct))
        {
            all.Add(transfer);
        }
        return all;
    }
}
