using System.CommandLine;
using RuralLoans.Cli.Commands;

if (Console.IsOutputRedirected)
{
    // A log file has no width; Spectre would otherwise fold every table to 80 columns.
    Spectre.Console.AnsiConsole.Profile.Width = 160;
}

var root = new RootCommand("RuralLoans — rural and poverty-alleviation lending pipeline (local tools)");
root.Subcommands.Add(DemoCommand.Create());
foreach (var command in ApplicationCommands.Create())
{
    root.Subcommands.Add(command);
}
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(ServicesCommand.Create());
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(ModelCommand.Create());
root.Subcommands.Add(LedgerCommand.Create());
root.Subcommands.Add(OcrCommand.Create());
root.Subcommands.Add(new Command("bench", "Benchmarks that print figures (see docs/benchmarks.md)") { BenchPipelineCommand.Create() });
root.Subcommands.Add(AuditCommand.Create());
root.Subcommands.Add(ChaosCommand.Create());
root.Subcommands.Add(RuralLoans.Cli.Chaos.ChaosHostCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(TokenCommand.Create());
root.Subcommands.Add(BlacklistCommand.Create());

return await root.Parse(args).InvokeAsync();
