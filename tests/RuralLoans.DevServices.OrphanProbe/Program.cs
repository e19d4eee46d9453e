using System.Text.Json;
using RuralLoans.DevServices;

// Usage: RuralLoans.DevServices.OrphanProbe <data-directory>
// Starts dev services bound to this process, prints one JSON line with their pids and ports, then waits
// to be killed. The test kills it with SIGKILL and checks that nothing it started survives.
if (args.Length != 1)
{
    await Console.Error.WriteLineAsync("usage: RuralLoans.DevServices.OrphanProbe <data-directory>");
    return 2;
}

var host = await DevServicesHost.StartAsync(new DevServicesOptions { DataDirectory = args[0] });
Console.WriteLine(JsonSerializer.Serialize(new
{
    host.SupervisorProcessId,
    host.AzuriteProcessId,
    host.Endpoints.BlobPort,
    host.Endpoints.QueuePort,
    host.Endpoints.TablePort,
    host.Endpoints.CosmosPort,
}));
await Task.Delay(Timeout.Infinite);
return 0;
