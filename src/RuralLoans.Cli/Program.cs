using System.CommandLine;
using RuralLoans.Cli.Commands;

var root = new RootCommand("RuralLoans — rural and poverty-alleviation lending pipeline (local tools)");
root.Subcommands.Add(TestCommand.Create());

return await root.Parse(args).InvokeAsync();
