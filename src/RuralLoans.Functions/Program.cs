using Azure.Core.Serialization;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RuralLoans.Functions;
using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;
using RuralLoans.TaskHub;

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
    .ConfigureServices(services =>
    {
        // Inputs, outputs and status are written into the task hub as the local hub writes them (camel case, enum
        // names), so histories read the same and the audit replays them alike.
        services.Configure<WorkerOptions>(options => options.Serializer = new JsonObjectSerializer(TaskHubJson.Options));
        services.AddPersonalDataRedaction();
        services.AddSingleton(app);
        services.AddSingleton<FunctionAppPipeline>();
        services.AddSingleton<ApiGatewayHost>();
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("APPLICATIONINSIGHTS_CONNECTION_STRING")))
        {
            telemetry.UseAzureMonitorExporter();
        }
    })
    .Build();
await host.RunAsync();
return 0;
