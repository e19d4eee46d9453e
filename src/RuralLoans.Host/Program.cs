using RuralLoans.Host;
using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;

// Standalone mode: the same pipeline the Functions host will trigger, driven by our own queue listeners.
// Settings are validated before anything starts so a wrong value stops the host with a message that names it.
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

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(settings);
builder.Services.AddRuralLoansApi(builder.Configuration, settings, root);
var app = builder.Build();
await using var pipeline = await HostedPipeline.StartAsync(settings, root, runWorker: true, startServicesIfMissing: true, app.Services.GetRequiredService<ILoggerFactory>(), CancellationToken.None);
app.MapPortal();
app.MapRuralLoansApi(pipeline.Runtime);
await app.RunAsync();
return 0;
