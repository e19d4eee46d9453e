using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RuralLoans.DevServices;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Domain.Scoring;
using RuralLoans.Host.Configuration;
using Microsoft.DurableTask.Client;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Storage;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// The main job: starts the local services, pushes the applications in samples/demo through the whole pipeline, answers
/// for the people each case waits on (the partner, the village partner, a loan officer) and prints what happened.
/// Every figure printed is read back from the pipeline's own records.
/// </summary>
internal static class DemoCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed record DemoAction(string When, Dictionary<string, string>? PreCheck, bool? ReviewApproves);

    private sealed record DemoCase(string Name, string File, string Partner, string Product, string ExpectedStage, Dictionary<string, string> Truth, List<DemoAction> Actions);

    private sealed record CasesFile(List<DemoCase> Cases);

    private sealed class Row(DemoCase demoCase)
    {
        public DemoCase Case { get; } = demoCase;
        public string? ApplicationId { get; set; }
        public string Stage { get; set; } = "submitting";
        public ApplicationOutcome? Outcome { get; set; }
        public string? Problem { get; set; }
        public List<string> Done { get; } = [];
        public TimeSpan Elapsed { get; set; }
    }

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the outcomes as JSON" };
        var command = new Command("demo", "Push the sample applications in samples/demo end to end and print the outcome") { json };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(bool asJson, CancellationToken ct)
    {
        var root = RepositoryPaths.Root;
        var samples = Path.Combine(root, "samples", "demo");
        var cases = JsonSerializer.Deserialize<CasesFile>(await File.ReadAllTextAsync(Path.Combine(samples, "cases.json"), ct), Json)!.Cases;
        var work = Directory.CreateTempSubdirectory("ruralloans-demo-");
        try
        {
            var console = asJson ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            // With `./ruralloans services start` running, the demo writes into those services (so `ledger check` and
            // later commands see its applications); otherwise it uses throw-away services in a temporary folder.
            var settings = SettingsLoader.Load(root);
            var attached = await new DevServicesDaemon(root).TryAttachAsync(ct);
            console.MarkupLine(attached is null
                ? "[bold]RuralLoans demo[/] — starting Azurite, the Cosmos emulator and the payout rail simulator in a temporary folder…"
                : "[bold]RuralLoans demo[/] — using the running dev services (./ruralloans services status) and starting the payout rail simulator…");
            await using var temporary = attached is null
                ? await DevServicesHost.StartAsync(new DevServicesOptions { RepositoryRoot = root, DataDirectory = Path.Combine(work.FullName, "data") }, ct)
                : null;
            var endpoints = attached ?? temporary!.Endpoints;
            var railJournal = attached is null ? Path.Combine(work.FullName, "rail.jsonl") : Path.Combine(root, ".devservices", "rail-simulator.jsonl");
            await using var rail = await RailSimulator.StartAsync(journalPath: railJournal, ct: ct);
            using var railHttp = new HttpClient { BaseAddress = rail.BaseAddress };
            await using var pipeline = await PipelineRuntime.StartAsync(new PipelineOptions
            {
                StorageConnectionString = endpoints.StorageConnectionString,
                Cosmos = CosmosClients.FromConnectionString(endpoints.CosmosConnectionString),
                CosmosDatabase = settings.CosmosDatabase,
                TaskHubName = settings.TaskHubName,
                Ocr = new OcrOptions(),
                PaymentRail = new HttpPaymentRail(railHttp),
                ConfigDirectory = Path.Combine(root, "config"),
            }, ct);

            var rows = cases.Select(c => new Row(c)).ToList();
            var photo = await File.ReadAllBytesAsync(Path.Combine(samples, "precheck-cattle-shed.jpg"), ct);
            await console.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    var tasks = rows.Select(row =>
                    {
                        var task = progress.AddTask(Markup.Escape(row.Case.Name), maxValue: 5);
                        return RunCaseAsync(pipeline, row, samples, photo, task, ct);
                    }).ToList();
                    await Task.WhenAll(tasks);
                });

            var transfers = new List<LedgerTransfer>();
            await foreach (var transfer in pipeline.Ledger.ReadAllAsync(ct))
            {
                transfers.Add(transfer);
            }
            var balance = BalanceChecker.Check(transfers);
            var reconciliation = await RuralLoans.Pipeline.Payments.RailFacts.ReconcileAsync(new HttpPaymentRail(railHttp), pipeline.Ledger, ct);
            var mismatches = rows.Where(r => r.Outcome?.Stage.ToString() != r.Case.ExpectedStage).ToList();

            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    applications = rows.Select(r => new
                    {
                        @case = r.Case.Name,
                        applicationId = r.ApplicationId,
                        product = r.Case.Product,
                        stage = r.Outcome?.Stage.ToString() ?? r.Stage,
                        expected = r.Case.ExpectedStage,
                        score = r.Outcome?.Score,
                        reasons = r.Outcome?.Reasons?.Select(x => x.Code),
                        split = r.Outcome?.Split,
                        disbursementId = r.Outcome?.DisbursementId,
                        humanSteps = r.Done,
                        seconds = Math.Round(r.Elapsed.TotalSeconds, 2),
                        problem = r.Problem,
                    }),
                    ledger = new { transfers = transfers.Count, debits = balance.TotalDebits, credits = balance.TotalCredits, balanced = balance.IsBalanced },
                    payouts = rail.CommittedPayouts.Count,
                    reconciliation = new { reconciled = reconciliation.Reconciled, differences = reconciliation.Differences.Select(d => d.ToString()) },
                }, Json));
            }
            else
            {
                PrintOutcomes(rows);
                console.MarkupLine(balance.IsBalanced
                    ? $"[green]Ledger balanced[/]: {transfers.Count} transfers, debits = credits = {Yuan(balance.TotalDebits)}; the rail made {rail.CommittedPayouts.Count} payouts."
                    : $"[red]Ledger NOT balanced[/]: debits {Yuan(balance.TotalDebits)}, credits {Yuan(balance.TotalCredits)}.");
                console.MarkupLine((reconciliation.Reconciled ? "[green]Ledger reconciled with the rail[/]: " : "[red]Ledger NOT reconciled with the rail[/]: ")
                    + Markup.Escape(LedgerCommand.Summary(reconciliation)));
                foreach (var row in mismatches)
                {
                    console.MarkupLine($"[red]✗[/] {Markup.Escape(row.Case.Name)} ended {Markup.Escape(row.Outcome?.Stage.ToString() ?? row.Stage)}, expected {row.Case.ExpectedStage}. {Markup.Escape(row.Problem ?? "")}");
                }
            }
            return mismatches.Count == 0 && balance.IsBalanced && reconciliation.Reconciled ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task RunCaseAsync(PipelineRuntime pipeline, Row row, string samples, byte[] photo, ProgressTask task, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(samples, row.Case.File), ct);
            var submitted = await pipeline.Intake.SubmitAsync(new SubmitApplication(row.Case.Partner, row.Case.Product, bytes, IdempotencyKey: "demo/" + row.Case.File), ct);
            row.ApplicationId = submitted.ApplicationId;
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (DateTime.UtcNow < deadline)
            {
                var status = await pipeline.Actions.GetProgressAsync(submitted.ApplicationId, ct);
                var progress = status?.Progress;
                if (progress is not null)
                {
                    row.Stage = progress.Stage.ToString();
                    task.Value = progress.Step;
                    task.Description = $"{Markup.Escape(row.Case.Name)} [grey]({progress.Stage})[/]";
                }
                if (status?.State.RuntimeStatus is OrchestrationRuntimeStatus.Completed)
                {
                    row.Outcome = status.Value.State.ReadOutputAs<ApplicationOutcome>();
                    break;
                }
                if (status?.State.RuntimeStatus is OrchestrationRuntimeStatus.Running && progress is { Stage: ApplicationStage.Declined, WaitingUntilUtc: not null })
                {
                    // Declined by the model, final unless the borrower asks for review; the demo never does, so
                    // waiting out the window would only hide the outcome.
                    row.Outcome = await OpenDecline.OutcomeAsync(pipeline.Decisions, submitted.ApplicationId, progress, ct);
                    break;
                }
                if (status?.State.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
                {
                    row.Problem = status.Value.State.FailureDetails?.ErrorMessage;
                    break;
                }
                if (progress is not null)
                {
                    await ActAsync(pipeline, row, progress, photo, ct);
                }
                await Task.Delay(150, ct);
            }
        }
        catch (Exception e) when (e is IntakeRejectedException or ActionRefusedException)
        {
            row.Problem = e.Message;
        }
        row.Elapsed = clock.Elapsed;
        task.Value = task.MaxValue;
        task.StopTask();
    }

    /// <summary>Answers as the person the application waits on, once per waiting step.</summary>
    private static async Task ActAsync(PipelineRuntime pipeline, Row row, ApplicationProgress progress, byte[] photo, CancellationToken ct)
    {
        var id = row.ApplicationId!;
        var stage = progress.Stage;
        if (stage == ApplicationStage.AwaitingContract && !row.Done.Contains(stage.ToString()))
        {
            // The borrower reads the printed contract on the partner's app and accepts it.
            await pipeline.AcceptOfferedContractAsync(id, ct);
            row.Done.Add(stage.ToString());
            return;
        }
        var action = row.Case.Actions.FirstOrDefault(a => a.When == stage.ToString());
        if (action is null || row.Done.Contains(stage.ToString()))
        {
            return;
        }
        switch (stage)
        {
            case ApplicationStage.NeedsCorrection:
                // The partner looks at the paper form and re-keys exactly the fields the validator flagged.
                var flagged = (progress.Errors ?? []).Select(e => e.Field).Distinct().Where(row.Case.Truth.ContainsKey);
                await pipeline.Actions.CorrectAsync(id, row.Case.Partner, flagged.ToDictionary(f => f, f => row.Case.Truth[f]), ct);
                break;
            case ApplicationStage.AwaitingPreCheck:
                var preCheck = action.PreCheck ?? [];
                await pipeline.Actions.PreCheckAsync(id, preCheck.GetValueOrDefault("villagePartner", ""), approve: true,
                    identitySeen: true, householdRegisterSeen: true, homesteadCertificateSeen: true, [new PreCheckPhoto(photo)], preCheck.GetValueOrDefault("remarks"), ct);
                break;
            case ApplicationStage.AwaitingHumanReview:
                await pipeline.Actions.ReviewAsync(id, "OP-DEMO", action.ReviewApproves ?? false, "demo loan officer", ct);
                break;
            default:
                return;
        }
        row.Done.Add(stage.ToString());
    }

    private static void PrintOutcomes(IReadOnlyList<Row> rows)
    {
        var table = new Table().RoundedBorder().Title("[bold]Outcomes[/]")
            .AddColumn("case").AddColumn("application").AddColumn("outcome").AddColumn(new TableColumn("score").RightAligned())
            .AddColumn("reasons").AddColumn("co-lending split").AddColumn("disbursement").AddColumn(new TableColumn("s").RightAligned());
        foreach (var row in rows)
        {
            var outcome = row.Outcome;
            var stage = outcome?.Stage.ToString() ?? row.Stage;
            var colour = stage == row.Case.ExpectedStage ? (stage == "Disbursed" ? "green" : "yellow") : "red";
            var steps = row.Done.Count == 0 ? "" : $"\n[grey]people: {string.Join(", ", row.Done)}[/]";
            table.AddRow(
                Markup.Escape(row.Case.Name) + steps,
                Markup.Escape(row.ApplicationId ?? "-"),
                $"[{colour}]{Markup.Escape(stage)}[/]",
                outcome?.Score is { } score ? score.ToString("F1", CultureInfo.InvariantCulture) : "-",
                Markup.Escape(string.Join("\n", (outcome?.Reasons ?? []).Select(r => $"{r.Code} {r.Zh}"))),
                Markup.Escape(string.Join("\n", (outcome?.Split ?? []).Select(s => $"{s.LenderId} {Yuan(s.AmountYuan)}"))),
                Markup.Escape(outcome?.DisbursementId ?? "-"),
                row.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
    }

    private static string Yuan(decimal amount) => amount.ToString("¥#,##0.00", CultureInfo.InvariantCulture);
}
