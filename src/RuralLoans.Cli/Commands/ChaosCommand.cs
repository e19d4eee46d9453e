using System.CommandLine;

namespace RuralLoans.Cli.Commands;

/// <summary><c>chaos</c>: engine host processes killed at random while messages are duplicated and reordered.</summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var hosts = new Option<int>("--hosts") { Description = "Engine host processes", DefaultValueFactory = _ => 3 };
        var orchestrations = new Option<int>("--orchestrations") { Description = "Instances to run", DefaultValueFactory = _ => 200 };
        var kills = new Option<int>("--kills") { Description = "Hosts to kill with SIGKILL during the run", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (orchestrations, kills, completed, lost, stuck, duplicateEffects, hashChainFailures)" };
        var command = new Command("chaos", "Kill engine hosts at random and inject duplicate, late messages; fails unless nothing is lost, stuck or done twice")
        {
            hosts, orchestrations, kills, json,
        };
        command.SetAction((parse, ct) =>
        {
            List<string> arguments =
            [
                "chaos",
                "--hosts", parse.GetValue(hosts).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--orchestrations", parse.GetValue(orchestrations).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--kills", parse.GetValue(kills).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ];
            if (parse.GetValue(json))
            {
                arguments.Add("--json");
            }

            return EngineHostProcess.RunAsync(arguments, ct);
        });
        return command;
    }
}
