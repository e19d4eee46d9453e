using Microsoft.Extensions.Hosting;
using RuralLoans.Functions;
using RuralLoans.Host.Configuration;

// The Function App's worker: the orchestrator and activities, the partner inboxes, housekeeping, and the API and
// portal of the standalone host behind HTTP functions. Settings are read and checked before anything starts, so a
// wrong value stops the worker with a message that names it (visible in the app's log stream).
FunctionAppSettings app;
try
{
    app = FunctionAppSettings.Load(AppContext.BaseDirectory);
}
catch (SettingsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var host = new HostBuilder()
    .ConfigureFunctionsWebApplication()
    .ConfigureServices(services => services.AddRuralLoansFunctionApp(app))
    .Build();
await host.RunAsync();
return 0;
