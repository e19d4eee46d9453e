using RuralLoans.Host.Configuration;

// Settings are validated before anything starts so a wrong value stops the host with a message that names it.
RuralLoansSettings settings;
try
{
    settings = SettingsLoader.Load(AppContext.BaseDirectory is var baseDir && File.Exists(Path.Combine(Directory.GetCurrentDirectory(), SettingsLoader.SampleFileName))
        ? Directory.GetCurrentDirectory()
        : baseDir);
}
catch (SettingsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(settings);
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
await app.RunAsync();
return 0;
