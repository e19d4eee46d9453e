using Azure.Core.Serialization;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using RuralLoans.Host.Api;
using RuralLoans.TaskHub;

namespace RuralLoans.Functions;

/// <summary>The worker's services: what the functions are constructed with.</summary>
public static class FunctionAppServices
{
    public static IServiceCollection AddRuralLoansFunctionApp(this IServiceCollection services, FunctionAppSettings app)
    {
        // Inputs, outputs and status are written into the task hub as the local hub writes them (camel case, enum
        // names), so histories read the same and the audit replays them alike.
        services.Configure<WorkerOptions>(options => options.Serializer = new JsonObjectSerializer(TaskHubJson.Options));
        // Every logger the worker hands out (functions, steps, the Functions host's log stream) masks resident ID and phone numbers.
        services.AddPersonalDataRedaction();
        services.AddSingleton(app);
        services.AddSingleton<FunctionAppPipeline>();
        services.AddSingleton<ApiGatewayHost>();
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("APPLICATIONINSIGHTS_CONNECTION_STRING")))
        {
            telemetry.UseAzureMonitorExporter();
        }
        return services;
    }
}
