using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using RuralLoans.Host;
using RuralLoans.Host.Api;
using RuralLoans.Host.Configuration;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Functions.Tests;

/// <summary>
/// The published Function App exposes exactly what the standalone host runs: the orchestrator and every activity,
/// every background function with the same trigger, and every named API endpoint on the same route and methods. An
/// endpoint, activity or partner added to the host without its function fails here.
/// </summary>
public sealed partial class FunctionMetadataTests(PublishedFunctionApp app)
{
    [Fact]
    public void Publishing_yields_every_trigger_kind_and_the_durable_extension()
    {
        var kinds = app.Triggers.Values.Select(t => (string)t["type"]!).ToHashSet();
        foreach (var kind in new[] { "orchestrationTrigger", "activityTrigger", "blobTrigger", "httpTrigger", "timerTrigger" })
        {
            Assert.Contains(kind, kinds);
        }
        var extensions = app.Extensions["extensions"]!.AsArray().Select(e => (string)e!["name"]!).ToList();
        Assert.Contains("DurableTask", extensions);
        Assert.True(File.Exists(Path.Combine(app.Folder, ".azurefunctions", "DurableTask.AzureStorage.dll")), "The Durable extension's Azure Storage provider is not in .azurefunctions/.");
        Assert.Equal("dotnet-isolated", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(app.Folder, "worker.config.json")))?["description"]?["language"]);
    }

    [Fact]
    public void The_function_app_carries_the_repository_host_json_and_config_but_not_the_demo_blacklist()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(PublishedFunctionApp.Root, "host.json")), File.ReadAllText(Path.Combine(app.Folder, "host.json")));
        var shipped = Directory.GetFiles(Path.Combine(PublishedFunctionApp.Root, "config"), "*.json").Where(f => Path.GetFileName(f) != "blacklist.json").ToList();
        Assert.NotEmpty(shipped);
        foreach (var file in shipped)
        {
            Assert.Equal(File.ReadAllText(file), File.ReadAllText(Path.Combine(app.Folder, "config", Path.GetFileName(file))));
        }
        // The demo blacklist is hashed under the published development key: it must not reach a deployment at all.
        Assert.Empty(Directory.GetFiles(app.Folder, "blacklist.json", SearchOption.AllDirectories));
    }

    [Fact]
    public void Every_function_name_is_one_the_functions_host_accepts()
    {
        // The host refuses to index a function whose name breaks this rule (no dots), and Durable names activities by function.
        Assert.All(app.Triggers.Keys, name => Assert.Matches(FunctionName(), name));
    }

    [Fact]
    public void The_orchestrator_and_every_activity_the_local_hub_registers_are_functions()
    {
        Assert.Equal([LoanApplicationOrchestration.Name], app.NamesWithTrigger("orchestrationTrigger").ToList());
        Assert.Equal(PipelineActivities.Names.Order(StringComparer.Ordinal), app.NamesWithTrigger("activityTrigger").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_background_function_of_the_host_is_a_function_with_the_same_trigger()
    {
        var partners = PartnerDirectory.Load(Path.Combine(PublishedFunctionApp.Root, "config", "partners.json")).MicrofinancePartners.Select(p => p.Id);
        var declared = BackgroundFunctions.Declare(partners);

        foreach (var function in declared)
        {
            Assert.True(app.Triggers.TryGetValue(function.Name, out var trigger), $"{function.Name} has no function in the Function App.");
            switch (function.Trigger)
            {
                case BlobTrigger blob:
                    Assert.Equal("blobTrigger", (string)trigger["type"]!);
                    Assert.Equal(blob.Container + "/{name}", (string)trigger["path"]!);
                    // Flex Consumption runs only Event Grid-sourced blob triggers.
                    Assert.Equal("EventGrid", (string?)trigger["source"]);
                    break;
                case TimerTrigger timer:
                    Assert.Equal("timerTrigger", (string)trigger["type"]!);
                    Assert.Equal(timer.Schedule, (string)trigger["schedule"]!);
                    break;
                default:
                    Assert.Fail($"{function.Name}: a {function.Trigger.GetType().Name} has no Function App counterpart.");
                    break;
            }
        }
        var backgroundFunctions = app.NamesWithTrigger("blobTrigger").Concat(app.NamesWithTrigger("timerTrigger")).Order(StringComparer.Ordinal);
        Assert.Equal(declared.Select(f => f.Name).Order(StringComparer.Ordinal), backgroundFunctions);
    }

    [Fact]
    public async Task Every_api_endpoint_of_the_standalone_host_is_an_http_function_on_its_route_and_methods()
    {
        var endpoints = await StandaloneEndpointsAsync();
        var functions = app.Triggers
            .Where(t => (string)t.Value["type"]! == "httpTrigger" && t.Key != HttpFunctions.PortalFunctionName)
            .ToDictionary(t => t.Key, t => Describe(t.Value["route"]!.ToString(), t.Value["methods"]!.AsArray().Select(m => (string)m!)));

        Assert.NotEmpty(endpoints);
        foreach (var (name, route) in endpoints)
        {
            Assert.True(functions.TryGetValue(name, out var function), $"Endpoint {name} ({route}) has no HTTP function in src/RuralLoans.Functions/HttpFunctions.cs.");
            Assert.Equal(route, function);
        }
        Assert.Empty(functions.Keys.Except(endpoints.Keys));
    }

    [Fact]
    public void The_portal_is_served_by_a_catch_all_that_the_api_routes_take_precedence_over()
    {
        var portal = app.Triggers[HttpFunctions.PortalFunctionName];
        Assert.Equal("{*path}", (string)portal["route"]!);
        Assert.Equal(["get", "head"], portal["methods"]!.AsArray().Select(m => ((string)m!).ToLowerInvariant()).Order());
    }

    /// <summary>The standalone host's named endpoints as it maps them (no storage needed), without local-only ones.</summary>
    internal static async Task<Dictionary<string, string>> StandaloneEndpointsAsync()
    {
        var root = PublishedFunctionApp.Root;
        var settings = SettingsLoader.Load(root, new Dictionary<string, string?>());
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root, EnvironmentName = "Development" });
        // A fixed development signing key keeps the test from writing one under .devservices/.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:DevTokenKey"] = Convert.ToBase64String(new byte[32]) });
        HostApplication.AddServices(builder, settings, root);
        await using var host = builder.Build();
        HostApplication.MapEndpoints(host, settings, PartnerDirectory.Load(Path.Combine(root, "config", "partners.json")));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in ((IEndpointRouteBuilder)host).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<LocalDevelopmentOnly>() is not null)
            {
                continue;
            }
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            Assert.False(name is null, $"Endpoint {endpoint.RoutePattern.RawText} has no name (WithName): the Function App names its function after it.");
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            result.Add(name!, Describe(endpoint.RoutePattern.RawText ?? "", methods));
        }
        return result;
    }

    /// <summary>Methods and route as one comparable line; route templates compared without their outer slashes.</summary>
    private static string Describe(string route, IEnumerable<string> methods) =>
        string.Join(",", methods.Select(m => m.ToUpperInvariant()).Order(StringComparer.Ordinal)) + " " + route.Replace("//", "/", StringComparison.Ordinal).Trim('/');

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionName();
}
