using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.Operations;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// <c>./ruralloans audit ID [--json]</c>: checks the application's history and decisions against its hash-chained audit
/// journal, replays its orchestration and re-executes its recorded decisions. Exit code 0 when everything verified, 1 when a step failed, 2 when the audit could not run.
/// </summary>
internal static class AuditCommand
{
    public const int NotVerifiedExitCode = 1;
    public const int CannotRunExitCode = 2;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var id = new Argument<string>("ID") { Description = "Application id" };
        var json = new Option<bool>("--json") { Description = "Print JSON: verified (true/false) and steps with name, status and difference" };
        var command = new Command("audit", "Re-verify an application: history and decisions against the audit journal, orchestrator replay and every recorded decision (exit 1 when not verified)") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                await using var session = await CommandEnvironment.StartPipelineAsync(runWorker: false, ct);
                var verdict = await session.Runtime.Auditor.AuditAsync(parse.GetValue(id)!, ct);
                return Write(verdict, parse.GetValue(json), Console.Out);
            }
            catch (Exception e) when (e is ActionRefusedException or InvalidOperationException or Host.Configuration.SettingsException)
            {
                await Console.Error.WriteLineAsync($"ruralloans: {e.Message}");
                return CannotRunExitCode;
            }
        });
        return command;
    }

    /// <summary>Prints the verdict and returns the exit code.</summary>
    internal static int Write(AuditVerdict verdict, bool asJson, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(output);
        if (asJson)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                verified = verdict.Verified,
                steps = verdict.Steps.Select(step => new { name = step.Name, status = step.Status, difference = step.Difference }),
            }, Json));
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            var table = new Table().RoundedBorder().Title($"[bold]audit of {Markup.Escape(verdict.ApplicationId)}[/]")
                .AddColumn(new TableColumn("").Centered()).AddColumn("step").AddColumn("status").AddColumn("difference");
            foreach (var step in verdict.Steps)
            {
                var mark = step.Status switch
                {
                    AuditStep.Verified => "[green]✓[/]",
                    AuditStep.Failed => "[red]✗[/]",
                    _ => "[grey]–[/]",
                };
                table.AddRow(mark, Markup.Escape(step.Name), Markup.Escape(step.Status), Markup.Escape(step.Difference ?? ""));
            }
            console.Write(table);
            var failed = verdict.Steps.Count(step => step.Status == AuditStep.Failed);
            output.WriteLine(verdict.Verified
                ? $"Verified: {verdict.Steps.Count(step => step.Status == AuditStep.Verified)} step(s) reproduce exactly what was recorded."
                : $"NOT verified: {failed} step(s) differ from what was recorded.");
        }

        return verdict.Verified ? 0 : NotVerifiedExitCode;
    }
}
