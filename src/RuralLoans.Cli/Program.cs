using System.CommandLine;
using RuralLoans.Cli.Commands;

var root = new RootCommand("RuralLoans — rural and poverty-alleviation lending pipeline (local tools)");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(ServicesCommand.Create());
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(ModelCommand.Create());

return await root.Parse(args).InvokeAsync();
