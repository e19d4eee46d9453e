using RuralLoans.Host;
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
var app = builder.Build();
await using var pipeline = await HostedPipeline.StartAsync(settings, root, runWorker: true, startServicesIfMissing: true, app.Services.GetRequiredService<ILoggerFactory>(), CancellationToken.None);
app.MapPortal();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
await app.RunAsync();
return 0;
