using RuralLoans.Host;
using RuralLoans.Host.Configuration;
using RuralLoans.Pipeline.Partners;

// The standalone host: the portal, the API and the pipeline's task hub worker in one process, against Azurite and the
// Cosmos emulator locally or real accounts. In Azure the same orchestrator and activities run in the Function App
// (src/RuralLoans.Functions). Settings are validated before anything starts so a wrong value stops the host with a
// message that names it.
var root = Environment.GetEnvironmentVariable("RURALLOANS_ROOT") is { Length: > 0 } fromLauncher ? fromLauncher : Directory.GetCurrentDirectory();
RuralLoansSettings settings;
try
{
    settings = SettingsLoader.Load(root);
}
catch (SettingsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var partners = PartnerDirectory.Load(Path.Combine(root, "config", "partners.json"));
var builder = WebApplication.CreateBuilder(args);
HostApplication.AddServices(builder, settings, root);
var app = builder.Build();
var background = HostApplication.MapEndpoints(app, settings, partners);
await using var host = await HostApplication.StartAsync(app, settings, root, background, CancellationToken.None);
await app.RunAsync();
return 0;
