using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Storage.Ledger;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>Audits an exported ledger: do debits equal credits, overall and for every transfer?</summary>
internal static class LedgerCommand
{
    // Sides may be exported as names ("Debit") or numbers; both read.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public static Command Create()
    {
        var command = new Command("ledger", "Audit the double-entry ledger");
        command.Subcommands.Add(Check());
        return command;
    }

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
            var balances = loaded.SelectMany(t => t.Entries)
                .GroupBy(e => e.Account, StringComparer.Ordinal)
                .Select(g => (Account: g.Key, Balance: g.Sum(e => e.Side == EntrySide.Debit ? e.AmountYuan : -e.AmountYuan)))
                .OrderBy(b => b.Account, StringComparer.Ordinal)
                .ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    transfers = loaded.Count,
                    totalDebits = report.TotalDebits,
                    totalCredits = report.TotalCredits,
                    balanced = report.IsBalanced,
                    unbalancedTransfers = report.UnbalancedTransfers,
                    balances = balances.Select(b => new { account = b.Account, balance = b.Balance }),
                }, Json));
                return report.IsBalanced ? 0 : 1;
            }
            var table = new Table().RoundedBorder().AddColumn("account").AddColumn(new TableColumn("balance (DR +)").RightAligned());
            foreach (var (account, balance) in balances)
            {
                table.AddRow(Markup.Escape(account), balance.ToString("#,##0.00", CultureInfo.InvariantCulture));
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
