using System.CommandLine;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Cli.Commands;

/// <summary><c>token</c>: a development bearer token for a role, signed with this machine's development key.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "partner, village-partner, auditor or operator", Required = true };
        role.AcceptOnlyFromAmong([.. ApiRoles.All]);
        var subject = new Option<string>("--subject") { Description = "Who: a partner id (MFI001), a village partner id (VP-WANG) or a person's name", Required = true };
        var command = new Command("token", "Mint a development token for the local API (printed as the last line)") { role, subject };
        command.SetAction(parse =>
        {
            try
            {
                var root = RepositoryPaths.Root;
                var key = DevTokenIssuer.LoadOrCreateKey(root, Environment.GetEnvironmentVariable("Auth__DevTokenKey"));
                var partners = PartnerDirectory.Load(Path.Combine(root, "config", "partners.json"));
                DevTokenIssuer.CheckKnownActor(partners, parse.GetValue(role)!, parse.GetValue(subject)!);
                var token = new DevTokenIssuer(key, TimeProvider.System).Issue(parse.GetValue(role)!, parse.GetValue(subject)!);
                Console.WriteLine($"# {parse.GetValue(role)} {parse.GetValue(subject)}, valid {DevTokenIssuer.Lifetime.TotalHours:0} hours on hosts using this machine's development key. Use as: Authorization: Bearer <token>");
                Console.WriteLine(token);
                return 0;
            }
            catch (DevTokenException e)
            {
                Console.Error.WriteLine($"ruralloans: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
