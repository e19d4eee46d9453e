using System.CommandLine;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Pipeline.Credit;

namespace RuralLoans.Cli.Commands;

/// <summary><c>blacklist add</c>: puts the keyed hash of resident IDs read from standard input into a blacklist file.</summary>
internal static class BlacklistCommand
{
    public static Command Create()
    {
        var file = new Option<string?>("--file") { Description = "The blacklist file (default: config/blacklist.json, the demo's)" };
        var add = new Command("add", "Read resident IDs from standard input, one a line, and add their keyed hashes. "
            + "The key is ResidentIdHashKey from the environment (base64, as the deployed app has it), else the development key. "
            + "IDs are never taken as arguments, which shell history and process lists keep.") { file };
        add.SetAction(parse =>
        {
            var path = parse.GetValue(file) ?? Path.Combine(RepositoryPaths.Root, "config", "blacklist.json");
            var keyText = Environment.GetEnvironmentVariable("ResidentIdHashKey");
            var hasher = keyText is null ? ResidentIdHasher.Development : ResidentIdHasher.FromBase64(keyText);
            if (hasher is null)
            {
                Console.Error.WriteLine($"ruralloans: ResidentIdHashKey is not base64 of at least {ResidentIdHasher.MinimumKeyBytes} bytes.");
                return 2;
            }
            int added = 0, present = 0, line = 0;
            while (Console.In.ReadLine() is { } text)
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }
                if (!ResidentIdNumber.TryParse(text.Trim(), out var id, out _))
                {
                    // The line itself is not echoed: it may be a mistyped resident ID.
                    Console.Error.WriteLine($"ruralloans: line {line} is not a valid resident ID; nothing added for it.");
                    return 2;
                }
                if (ApplicantFactsSource.AddToBlacklist(path, hasher, id!.Value))
                {
                    added++;
                }
                else
                {
                    present++;
                }
            }
            Console.WriteLine($"{path}: {added} added, {present} already listed ({hasher}).");
            return 0;
        });
        return new Command("blacklist", "Manage the blacklist of keyed resident-ID hashes") { add };
    }
}
