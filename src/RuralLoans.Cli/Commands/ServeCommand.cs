using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RuralLoans.Host;
using RuralLoans.Host.Configuration;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// <c>serve</c>: the host with its API and queue listeners on a loopback port, on the configured storage (the dev
/// services, started if none are running). Prints the base URL once a request to it has been answered.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Loopback port (0 picks a free one)", DefaultValueFactory = _ => 5080 };
        var command = new Command("serve", "Run the API and the pipeline locally until Ctrl+C; prints http://127.0.0.1:PORT when ready") { port };
        command.SetAction(async (parse, ct) =>
        {
            var root = RepositoryPaths.Root;
            RuralLoansSettings settings;
            try
            {
                settings = SettingsLoader.Load(root);
            }
            catch (SettingsException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root, Args = [] });
            builder.WebHost.UseUrls($"http://127.0.0.1:{parse.GetValue(port)}");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            HostApplication.AddServices(builder, settings, root);
            await using var app = builder.Build();
            var background = HostApplication.MapEndpoints(app, settings, PartnerDirectory.Load(Path.Combine(root, "config", "partners.json")));
            await using var host = await HostApplication.StartAsync(app, settings, root, background, ct);
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"ruralloans: cannot listen on port {parse.GetValue(port)}: {e.Message} (try --port 0)");
                return 2;
            }

            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using (var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) })
            {
                using var health = await probe.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
                health.EnsureSuccessStatusCode();
            }
            Console.WriteLine($"http://127.0.0.1:{address.Port}");
            // The host's console lifetime turns Ctrl+C into a graceful stop; the command's own token covers other cancellations.
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
