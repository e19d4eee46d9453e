using System.CommandLine;
using RuralLoans.DevServices;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>Starts, stops and reports the local Azure stand-ins (Azurite and the Cosmos emulator) for development.</summary>
internal static class ServicesCommand
{
    public static Command Create()
    {
        var start = new Command("start", "Start Azurite and the Cosmos emulator in the background (data kept in .devservices/)");
        start.SetAction(async (_, ct) =>
        {
            var state = await new DevServicesDaemon(RepositoryPaths.Root).StartDetachedAsync(cancellationToken: ct);
            Console.WriteLine($"Dev services running (data in {state.DataDirectory}).");
            PrintEndpoints(state.Endpoints);
            return 0;
        });

        var stop = new Command("stop", "Stop the background dev services (data is kept)");
        stop.SetAction(async (_, ct) =>
        {
            var stopped = await new DevServicesDaemon(RepositoryPaths.Root).StopAsync(ct);
            Console.WriteLine(stopped ? "Dev services stopped." : "Dev services were not running.");
            return 0;
        });

        var statusCommand = new Command("status", "Show whether the dev services run and answer");
        statusCommand.SetAction(async (_, ct) =>
        {
            var status = await new DevServicesDaemon(RepositoryPaths.Root).GetStatusAsync(ct);
            if (!status.Running || status.State is null)
            {
                Console.WriteLine("Dev services are not running. Start them with ./ruralloans services start");
                return 1;
            }
            var health = status.Services;
            var table = new Table().RoundedBorder().AddColumn("").AddColumn("service").AddColumn("port").AddColumn("detail");
            foreach (var item in health)
            {
                table.AddRow(item.Ok ? "[green]✓[/]" : "[red]✗[/]", Markup.Escape(item.Service), item.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(item.Detail));
            }
            AnsiConsole.Write(table);
            PrintEndpoints(status.State.Endpoints);
            return status.Healthy ? 0 : 1;
        });

        return new Command("services", "Manage the local Azure dev services") { start, stop, statusCommand };
    }

    private static void PrintEndpoints(DevServicesEndpoints endpoints)
    {
        Console.WriteLine($"AzureWebJobsStorage={endpoints.StorageConnectionString}");
        Console.WriteLine($"CosmosDbConnection={endpoints.CosmosConnectionString}");
    }
}
