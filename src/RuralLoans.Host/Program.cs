using Microsoft.AspNetCore.Routing;
using RuralLoans.Host;
using RuralLoans.Host.Configuration;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline.Partners;

// One executable, three ways to run it:
//  - under the Azure Functions host (FUNCTIONS_CUSTOMHANDLER_PORT is set): a custom handler on loopback, triggered by
//    the host through the custom-handler protocol, HTTP requests forwarded as they are;
//  - standalone: the same functions triggered by our own listeners, the same HTTP endpoints;
//  - `--emit-functions DIR`: writes the Functions app layout (host.json, one function.json per function) and exits;
//    `--emit-infra-contract FILE`: writes the names infra/main.bicep must create and exits.
// Settings are validated before anything starts so a wrong value stops the host with a message that names it.
var root = Environment.GetEnvironmentVariable("RURALLOANS_ROOT") is { Length: > 0 } fromLauncher ? fromLauncher : Directory.GetCurrentDirectory();
var emitIndex = Array.IndexOf(args, "--emit-functions");
var emitTo = emitIndex >= 0 && emitIndex + 1 < args.Length ? Path.GetFullPath(args[emitIndex + 1]) : null;
var contractIndex = Array.IndexOf(args, "--emit-infra-contract");
var contractTo = contractIndex >= 0 && contractIndex + 1 < args.Length ? Path.GetFullPath(args[contractIndex + 1]) : null;
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
if (contractTo is not null)
{
    File.WriteAllText(contractTo, FunctionAppEmitter.Serialize(InfrastructureContract.Build(settings.TaskHubName, settings.CosmosDatabase, partners.MicrofinancePartners.Select(p => p.Id))));
    Console.WriteLine($"Wrote {contractTo}");
    return 0;
}

var customHandlerPort = Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT");
var underFunctionsHost = emitTo is null && !string.IsNullOrEmpty(customHandlerPort);

var builder = WebApplication.CreateBuilder(args);
if (underFunctionsHost)
{
    // Only the Functions host talks to us; the public endpoint is the host's.
    builder.WebHost.UseUrls($"http://127.0.0.1:{customHandlerPort}");
}
HostApplication.AddServices(builder, settings, root);
var app = builder.Build();
var background = HostApplication.MapEndpoints(app, settings, partners, underFunctionsHost);
if (emitTo is not null)
{
    var http = HttpFunctions.Declare(new CompositeEndpointDataSource(((IEndpointRouteBuilder)app).DataSources));
    FunctionAppEmitter.Emit(emitTo, new FunctionHostConfiguration(), [.. background, .. http]);
    Console.WriteLine($"Wrote host.json and {background.Count + http.Count} functions to {emitTo}");
    return 0;
}

await using var host = await HostApplication.StartAsync(app, settings, root, background, underFunctionsHost, CancellationToken.None);
await app.RunAsync();
return 0;
