using System.Text.Json;
using RuralLoans.DevServices;

// A stand-in for any .NET process that starts the dev services, so tests can watch what happens when it dies.
//   RuralLoans.DevServices.OrphanProbe <data-directory>
//       Starts dev services bound to this process, prints one JSON line with their pids and ports, then
//       waits to be killed.
//   RuralLoans.DevServices.OrphanProbe --detached <repository-root> <data-directory>
//       Starts a detached instance for that repository (as `ruralloans services start` does) and exits.
if (args is ["--detached", var repositoryRoot, var detachedData])
{
    var state = await new DevServicesDaemon(repositoryRoot).StartDetachedAsync(new DevServicesOptions
    {
        DataDirectory = detachedData,
        BlobPort = LoopbackPorts.FindFree(),
        QueuePort = LoopbackPorts.FindFree(),
        TablePort = LoopbackPorts.FindFree(),
        CosmosPort = LoopbackPorts.FindFree(),
    });
    Console.WriteLine(JsonSerializer.Serialize(state));
    return 0;
}

if (args is not [var dataDirectory])
{
    await Console.Error.WriteLineAsync("usage: RuralLoans.DevServices.OrphanProbe <data-directory> | --detached <repository-root> <data-directory>");
    return 2;
}

var host = await DevServicesHost.StartAsync(new DevServicesOptions { DataDirectory = dataDirectory });
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
