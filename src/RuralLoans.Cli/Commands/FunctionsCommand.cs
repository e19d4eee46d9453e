using System.CommandLine;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// Writes the Azure Functions app: host.json and one function.json per function, as the host executable declares
/// them (the executable itself writes them, so the layout always matches the code that will answer the calls).
/// </summary>
internal static class FunctionsCommand
{
    public static Command Create()
    {
        var command = new Command("functions", "The Azure Functions app (custom handler)");
        command.Subcommands.Add(Emit());
        command.Subcommands.Add(Contract());
        return command;
    }

    private static Command Emit()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the app into", Required = true };
        var publish = new Option<bool>("--publish") { Description = "Also publish the host (self-contained linux-x64) and its config/ into the folder: a package ready to zip and deploy" };
        var command = new Command("emit", "Write host.json and one folder with a function.json per function") { output, publish };
        command.SetAction(async (parse, ct) =>
        {
            var root = RepositoryPaths.Root;
            var target = parse.GetValue(output)!.FullName;
            if (parse.GetValue(publish))
            {
                var published = await ProcessRunner.RunAsync("dotnet",
                    ["publish", Path.Combine(root, "src", "RuralLoans.Host", "RuralLoans.Host.csproj"), "-c", "Release", "-r", "linux-x64", "--self-contained", "true", "-o", target, "--nologo", "-v", "q"],
                    root, ct);
                if (published != 0)
                {
                    Console.Error.WriteLine("dotnet publish failed; nothing was emitted.");
                    return published;
                }
                CopyDirectory(Path.Combine(root, "config"), Path.Combine(target, "config"));
            }

            // The host reads settings and config/ from RURALLOANS_ROOT: the repository's, so the emitted queue names use its TaskHubName.
            Environment.SetEnvironmentVariable("RURALLOANS_ROOT", root);
            var host = Path.Combine(AppContext.BaseDirectory, "RuralLoans.Host.dll");
            var emitted = await ProcessRunner.RunAsync("dotnet", [host, "--emit-functions", target], root, ct);
            if (emitted == 0 && parse.GetValue(publish))
            {
                Console.WriteLine($"Package ready: (cd {target} && zip -r ../ruralloans-functions.zip .) then deploy it as docs/deploy.md says.");
            }
            return emitted;
        });
        return command;
    }

    private static Command Contract()
    {
        var command = new Command("contract", "Rewrite infra/app-contract.json: the queues, tables, containers and Cosmos containers the code uses, which infra/main.bicep creates");
        command.SetAction(async (_, ct) =>
        {
            var root = RepositoryPaths.Root;
            Environment.SetEnvironmentVariable("RURALLOANS_ROOT", root);
            return await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "RuralLoans.Host.dll"), "--emit-infra-contract", Path.Combine(root, "infra", "app-contract.json")], root, ct);
        });
        return command;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }
}
