using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using RuralLoans.TaskHub;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// Commands for one application: submit, status, correct, precheck, review, review-request and history. They work on the configured
/// storage (the running dev services locally). With <c>--wait</c> they also run the pipeline in this process until the
/// application finishes or waits for a person, so no separate host is needed to see it through.
/// </summary>
internal static class ApplicationCommands
{
    private static readonly JsonSerializerOptions Json = new(TaskHubJson.Options) { WriteIndented = true };

    public static IEnumerable<Command> Create() => [Submit(), Status(), Correct(), PreCheck(), Review(), RequestReview(), AcceptContract(), History()];

    private static Option<bool> WaitOption() => new("--wait") { Description = "Run the pipeline here until the application finishes or waits for a person" };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print JSON" };

    private static Command Submit()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The form: PNG, JPEG, TIFF or PDF" };
        var partner = new Option<string>("--partner") { Description = "Submitting microfinance partner id, e.g. MFI001", Required = true };
        var product = new Option<string>("--product") { Description = "Product code: farm-310 or farm-acquaintance", Required = true };
        var key = new Option<string?>("--key") { Description = "Idempotency key: the same key never makes a second application" };
        var wait = WaitOption();
        var json = JsonOption();
        var command = new Command("submit", "Submit an application form") { file, partner, product, key, wait, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new ActionRefusedException("no-file", $"{path.FullName} does not exist.");
            }
            await using var session = await CommandEnvironment.StartPipelineAsync(parse.GetValue(wait), ct);
            var result = await session.Runtime.Intake.SubmitAsync(
                new SubmitApplication(parse.GetValue(partner)!, parse.GetValue(product)!, await File.ReadAllBytesAsync(path.FullName, ct), parse.GetValue(key)), ct);
            if (!parse.GetValue(json))
            {
                Console.WriteLine(result.Duplicate ? $"Already submitted: {result.ApplicationId}" : $"Submitted: {result.ApplicationId}");
            }
            return await ReportAsync(session, result.ApplicationId, parse.GetValue(wait), parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var json = JsonOption();
        var command = new Command("status", "Where an application is, and how it ended") { id, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            await using var session = await CommandEnvironment.StartPipelineAsync(runWorker: false, ct);
            return await ReportAsync(session, parse.GetValue(id)!, wait: false, parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command Correct()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var partner = new Option<string>("--partner") { Description = "The submitting partner", Required = true };
        var fields = new Option<string[]>("--field") { Description = "Corrected field as name=value, e.g. idNumber=430626198203151232 (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var wait = WaitOption();
        var json = JsonOption();
        var command = new Command("correct", "Send corrected field values for an application that needs correction") { id, partner, fields, wait, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(fields) ?? [])
            {
                var separator = pair.IndexOf('=', StringComparison.Ordinal);
                if (separator <= 0)
                {
                    throw new ActionRefusedException("bad-field", $"'{pair}' is not name=value.");
                }
                values[pair[..separator]] = pair[(separator + 1)..];
            }
            await using var session = await CommandEnvironment.StartPipelineAsync(parse.GetValue(wait), ct);
            await session.Runtime.Actions.CorrectAsync(parse.GetValue(id)!, parse.GetValue(partner)!, values, ct);
            return await ReportAsync(session, parse.GetValue(id)!, parse.GetValue(wait), parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command PreCheck()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var villagePartner = new Option<string>("--village-partner") { Description = "Your village partner id, e.g. VP-WANG", Required = true };
        var approve = new Option<bool>("--approve") { Description = "You vouch for the household" };
        var reject = new Option<bool>("--reject") { Description = "You recommend against lending" };
        var photos = new Option<FileInfo[]>("--photo") { Description = "Photo of crops, livestock or the homestead (repeatable)" };
        var notSeen = new Option<string[]>("--not-seen") { Description = "Checklist items you could not confirm: identity, household-register, homestead (repeatable)" };
        var remarks = new Option<string?>("--remarks") { Description = "What you saw" };
        var wait = WaitOption();
        var json = JsonOption();
        var command = new Command("precheck", "Answer a village pre-check as the village partner") { id, villagePartner, approve, reject, photos, notSeen, remarks, wait, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            if (parse.GetValue(approve) == parse.GetValue(reject))
            {
                throw new ActionRefusedException("approve-or-reject", "Say either --approve or --reject.");
            }
            var missing = (parse.GetValue(notSeen) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var uploads = new List<PreCheckPhoto>();
            foreach (var photo in parse.GetValue(photos) ?? [])
            {
                uploads.Add(new PreCheckPhoto(await File.ReadAllBytesAsync(photo.FullName, ct)));
            }
            await using var session = await CommandEnvironment.StartPipelineAsync(parse.GetValue(wait), ct);
            await session.Runtime.Actions.PreCheckAsync(parse.GetValue(id)!, parse.GetValue(villagePartner)!, parse.GetValue(approve),
                !missing.Contains("identity"), !missing.Contains("household-register"), !missing.Contains("homestead"), uploads, parse.GetValue(remarks), ct);
            return await ReportAsync(session, parse.GetValue(id)!, parse.GetValue(wait), parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command Review()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var reviewer = new Option<string>("--operator") { Description = "Your operator id", DefaultValueFactory = _ => Environment.UserName };
        var approve = new Option<bool>("--approve") { Description = "Approve the referred application" };
        var decline = new Option<bool>("--decline") { Description = "Decline it" };
        var note = new Option<string?>("--note") { Description = "Why" };
        var wait = WaitOption();
        var json = JsonOption();
        var command = new Command("review", "Decide an application referred to human review") { id, reviewer, approve, decline, note, wait, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            if (parse.GetValue(approve) == parse.GetValue(decline))
            {
                throw new ActionRefusedException("approve-or-decline", "Say either --approve or --decline.");
            }
            await using var session = await CommandEnvironment.StartPipelineAsync(parse.GetValue(wait), ct);
            await session.Runtime.Actions.ReviewAsync(parse.GetValue(id)!, parse.GetValue(reviewer)!, parse.GetValue(approve), parse.GetValue(note), ct);
            return await ReportAsync(session, parse.GetValue(id)!, parse.GetValue(wait), parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command RequestReview()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var partner = new Option<string>("--partner") { Description = "The submitting partner, asking on the borrower's behalf", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why the borrower asks for a person to look again" };
        var wait = WaitOption();
        var json = JsonOption();
        var command = new Command("review-request", "Ask for human review of an automated decline while its review window is open (PIPL Art. 24)") { id, partner, reason, wait, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            await using var session = await CommandEnvironment.StartPipelineAsync(parse.GetValue(wait), ct);
            await session.Runtime.Actions.RequestReviewAsync(parse.GetValue(id)!, parse.GetValue(partner)!, parse.GetValue(reason), ct);
            return await ReportAsync(session, parse.GetValue(id)!, parse.GetValue(wait), parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command AcceptContract()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var actor = new Option<string>("--partner") { Description = "The submitting partner or the village partner collecting the borrower's acceptance", Required = true };
        var pdf = new Option<FileInfo?>("--save") { Description = "Only save the offered contract's PDF to FILE for the borrower to read; accept nothing" };
        var sha256 = new Option<string?>("--sha256") { Description = "The SHA-256 of the contract the borrower read (as --save printed it); refused when it is not the one offered" };
        var wait = WaitOption();
        var json = JsonOption();
        var command = new Command("accept-contract", "Record that the borrower accepted the loan contract offered (annualized rate, schedule, total interest, lenders)") { id, actor, pdf, sha256, wait, json };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            await using var session = await CommandEnvironment.StartPipelineAsync(parse.GetValue(wait), ct);
            var applicationId = parse.GetValue(id)!;
            var (offer, bytes) = await session.Runtime.Actions.ContractAsync(applicationId, ct);
            if (parse.GetValue(pdf) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, bytes, ct);
                Console.WriteLine($"{file.FullName}: contract {offer.ContractSha256}, annualized rate {Domain.Contracts.Rates.Percent(offer.AnnualizedRate)}, total interest {offer.TotalInterestYuan:0.00} yuan");
                return 0;
            }
            await session.Runtime.Actions.AcceptContractAsync(applicationId, parse.GetValue(actor)!, parse.GetValue(sha256) ?? offer.ContractSha256, ct);
            return await ReportAsync(session, applicationId, parse.GetValue(wait), parse.GetValue(json), ct);
        }));
        return command;
    }

    private static Command History()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var json = JsonOption();
        var export = new Option<string?>("--export")
        {
            Description = "Write the application's full record (history rows, decisions, audit journal) as JSON lines to FILE, or to stdout without FILE or with -",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "FILE",
        };
        var command = new Command("history", "The application's orchestration history as a timeline, each event with its audit journal hash") { id, json, export };
        command.SetAction((parse, ct) => GuardAsync(async () =>
        {
            await using var session = await CommandEnvironment.StartPipelineAsync(runWorker: false, ct);
            var applicationId = parse.GetValue(id)!;
            var record = await session.Runtime.Auditor.ReadRecordAsync(applicationId, ct);
            if (parse.GetResult(export) is not null)
            {
                var path = parse.GetValue(export);
                if (string.IsNullOrEmpty(path) || path == "-")
                {
                    await ApplicationRecordExport.WriteAsync(record, Console.Out, DateTimeOffset.UtcNow, ct);
                    return 0;
                }
                await using (var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
                {
                    var lines = await ApplicationRecordExport.WriteAsync(record, file, DateTimeOffset.UtcNow, ct);
                    await Console.Error.WriteLineAsync($"Wrote {lines} lines ({record.History.Count} history events, {record.Decisions.Count} decisions, "
                        + $"{record.Journal.Entries.Count} journal entries) to {path}.");
                }
                return 0;
            }

            var history = HistoryEntries.Describe(record.History);
            if (history.Count == 0)
            {
                throw new ActionRefusedException("not-found", $"There is no application {applicationId}.");
            }
            var intact = record.Journal.ChainIntact && record.Comparison.Agrees;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    applicationId,
                    chainIntact = intact,
                    problems = record.Comparison.Problems,
                    events = history.Select(e => new
                    {
                        e.Sequence, e.Type, e.Name, e.Timestamp, e.TaskId, e.Input, e.Result,
                        Hash = record.Comparison.EntryForEvent.GetValueOrDefault(e.Sequence)?.Hash,
                        PreviousHash = record.Comparison.EntryForEvent.GetValueOrDefault(e.Sequence)?.Previous,
                    }),
                }, Json));
                return 0;
            }
            var start = history[0].Timestamp;
            var table = new Table().RoundedBorder().Title($"[bold]{Markup.Escape(applicationId)}[/]")
                .AddColumn(new TableColumn("#").RightAligned()).AddColumn(new TableColumn("+s").RightAligned()).AddColumn("event").AddColumn("name").AddColumn("journal").AddColumn("data");
            foreach (var e in history)
            {
                var data = e.Result ?? e.Input ?? "";
                var entry = record.Comparison.EntryForEvent.GetValueOrDefault(e.Sequence);
                var journal = entry is null ? "" : $"#{entry.Sequence} {entry.Hash[..12]}";
                table.AddRow(e.Sequence.ToString(CultureInfo.InvariantCulture), (e.Timestamp - start).TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
                    Markup.Escape(e.Type), Markup.Escape(e.Name ?? ""), Markup.Escape(journal), Markup.Escape(data.Length > 90 ? data[..90] + "…" : data));
            }
            AnsiConsole.Write(table);
            if (intact)
            {
                AnsiConsole.MarkupLine($"[green]Journal chain intact[/]: {record.Journal.Entries.Count} entries; every history row and decision matches what was journaled.");
                return 0;
            }
            AnsiConsole.MarkupLine("[red]Journal check failed[/]:");
            foreach (var problem in record.Comparison.Problems)
            {
                AnsiConsole.WriteLine("  " + problem);
            }
            // Listing the record is not the verdict; `audit` exits 1 for this.
            return 0;
        }));
        return command;
    }

    /// <summary>Prints where the application is; with <paramref name="wait"/> first follows it until it finishes or waits for a person.</summary>
    private static async Task<int> ReportAsync(RuralLoans.Host.HostedPipeline session, string applicationId, bool wait, bool asJson, CancellationToken ct)
    {
        var actions = session.Runtime.Actions;
        var status = await actions.GetProgressAsync(applicationId, ct) ?? throw new ActionRefusedException("not-found", $"There is no application {applicationId}.");
        if (wait)
        {
            var deadline = DateTime.UtcNow.AddMinutes(5);
            // What was just sent is in the instance's queue but not yet in its state: a waiting stage only counts once
            // the instance has moved on since this command started.
            var seenAt = status.State.LastUpdatedAt;
            var moved = status.State.RuntimeStatus == OrchestrationRuntimeStatus.Pending;
            while (DateTime.UtcNow < deadline)
            {
                var terminal = status.State.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending);
                // A running application at Declined waits for the borrower's review request, which may never come.
                var waitingForPerson = status.Progress?.Stage is ApplicationStage.NeedsCorrection or ApplicationStage.AwaitingPreCheck or ApplicationStage.AwaitingHumanReview or ApplicationStage.AwaitingContract
                    or ApplicationStage.Declined;
                if (terminal || (moved && waitingForPerson))
                {
                    break;
                }
                await Task.Delay(200, ct);
                status = (await actions.GetProgressAsync(applicationId, ct))!.Value;
                moved |= status.State.LastUpdatedAt > seenAt;
            }
        }

        var (state, progress) = status;
        var outcome = state.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? state.ReadOutputAs<ApplicationOutcome>() : null;
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { applicationId, status = state.RuntimeStatus, progress, outcome, failure = state.FailureDetails?.ErrorMessage }, Json));
            return 0;
        }
        Console.WriteLine($"{applicationId}: {state.RuntimeStatus}, step {progress?.Step}/5 {progress?.Stage} — {progress?.Detail}");
        foreach (var error in progress?.Errors ?? [])
        {
            Console.WriteLine($"  needs correction: {error}");
        }
        if (progress?.WaitingUntilUtc is { } until)
        {
            Console.WriteLine($"  waiting until {until:u}");
        }
        if (outcome is not null)
        {
            Console.WriteLine($"  score {outcome.Score?.ToString("F1", CultureInfo.InvariantCulture) ?? "-"}; {string.Join("; ", (outcome.Reasons ?? []).Select(r => $"{r.Code} {r.Zh} / {r.En}"))}");
            foreach (var lender in outcome.Split ?? [])
            {
                Console.WriteLine($"  {lender.LenderId,-10} {lender.AmountYuan.ToString("¥#,##0.00", CultureInfo.InvariantCulture),14}  {lender.LenderName}");
            }
            if (outcome.DisbursementId is not null)
            {
                Console.WriteLine($"  disbursement {outcome.DisbursementId}");
            }
            if (outcome.ReviewedBy is not null)
            {
                Console.WriteLine($"  reviewed by {outcome.ReviewedBy}");
            }
        }
        if (state.FailureDetails is not null)
        {
            Console.WriteLine($"  failed: {state.FailureDetails.ErrorMessage}");
        }
        return 0;
    }

    /// <summary>Refusals and unreachable services are the user's to fix: a clear line and exit code 2, not a stack trace.</summary>
    private static async Task<int> GuardAsync(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is ActionRefusedException or IntakeRejectedException or InvalidOperationException or Host.Configuration.SettingsException)
        {
            await Console.Error.WriteLineAsync($"ruralloans: {e.Message}");
            return 2;
        }
    }
}
