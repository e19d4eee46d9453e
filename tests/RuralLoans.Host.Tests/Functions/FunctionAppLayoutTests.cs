using System.Diagnostics;
using System.Text.Json.Nodes;
using Cronos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NJsonSchema;
using RuralLoans.DevServices;
using RuralLoans.Durable;
using RuralLoans.Durable.Storage;
using RuralLoans.Host.Configuration;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Functions;

/// <summary>The emitted Functions app: host.json in sync with the repository, one valid function.json per declared function.</summary>
public sealed class FunctionAppLayoutTests : IDisposable
{
    private static readonly string Root = RepositoryRoot.Find();
    private readonly string _out = Path.Combine(Path.GetTempPath(), "ruralloans-emit-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => TemporaryDirectories.TryDelete(_out);

    [Fact]
    public void The_repository_host_json_is_the_emitted_one()
    {
        var committed = File.ReadAllText(Path.Combine(Root, "host.json")).ReplaceLineEndings("\n");

        var emitted = FunctionAppEmitter.Serialize(new FunctionHostConfiguration().ToHostJson());

        Assert.True(committed == emitted, "host.json differs from what the code declares; run ./ruralloans functions emit --out DIR and copy DIR/host.json to the repository root.\n" + emitted);
    }

    [Fact]
    public void The_engine_gives_up_on_a_message_exactly_when_the_functions_host_does()
    {
        var declared = new FunctionHostConfiguration();
        var engine = new EngineOptions { StorageConnectionString = "UseDevelopmentStorage=true" };

        HostJson.ApplyQueueSettings(Path.Combine(Root, HostJson.FileName), engine);

        Assert.Equal(declared.MaxDequeueCount, engine.MaxDequeueCount);
        Assert.Equal(declared.VisibilityTimeout, engine.FailedMessageRetryDelay);
        Assert.Equal(declared.BatchSize, engine.ControlBatchSize);
        Assert.Equal(declared.MaxPollingInterval, engine.MaxPollingInterval);
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!;
        // The engine sends Base64; the host must decode the same way or every message would be garbage to it.
        Assert.Equal("base64", (string?)hostJson["extensions"]!["queues"]!["messageEncoding"]);
        Assert.True((bool)hostJson["customHandler"]!["enableForwardingHttpRequest"]!);
        Assert.Equal("", (string?)hostJson["extensions"]!["http"]!["routePrefix"]);
    }

    [Fact]
    public async Task The_host_executable_emits_one_schema_valid_function_per_declared_function()
    {
        var ct = TestContext.Current.CancellationToken;
        await EmitWithHostExecutableAsync(ct);
        var schema = await JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "Functions", "function.schema.json"), ct);
        var settings = SettingsLoader.Load(Root, new Dictionary<string, string?>());
        var partners = PartnerDirectory.Load(Path.Combine(Root, "config", "partners.json")).MicrofinancePartners.Select(p => p.Id).ToList();

        var folders = Directory.GetDirectories(_out).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        foreach (var folder in folders)
        {
            var errors = schema.Validate(await File.ReadAllTextAsync(Path.Combine(_out, folder!, "function.json"), ct));
            Assert.True(errors.Count == 0, $"{folder}/function.json: {string.Join("; ", errors.Select(e => $"{e.Path} {e.Kind}"))}");
        }

        // Spelled out on purpose: a new endpoint must show up here as a deliberate new function. The development
        // sign-in (CreateDevToken) is never part of the Functions app.
        var expected = new List<string>
        {
            "EngineControlQueue", "EngineWorkItemQueue", "Housekeeping", "Portal", "GetHealth", "GetOpenApiDocument",
            "SubmitApplication", "ListApplications", "GetApplication", "CorrectApplication", "PreCheckApplication", "ReviewApplication", "RequestHumanReview",
            "GetApplicationHistory", "GetApplicationDecisions", "AuditApplication", "ListInstances", "RetryInstance", "ListLenders", "ListProducts",
        };
        expected.AddRange(partners.Select(p => "BlobDrop_" + p));
        Assert.Equal(expected.Order(StringComparer.Ordinal), folders);

        var names = EngineStorage.NamesFor(settings.TaskHubName);
        Assert.Equal(names.ControlQueue, (string?)Binding(folders, "EngineControlQueue")["queueName"]);
        Assert.Equal(names.WorkItemQueue, (string?)Binding(folders, "EngineWorkItemQueue")["queueName"]);
        foreach (var partner in partners)
        {
            var blob = Binding(folders, "BlobDrop_" + partner);
            Assert.Equal($"inbox-{partner.ToLowerInvariant()}/{{name}}", (string?)blob["path"]);
            Assert.Equal("EventGrid", (string?)blob["source"]);
        }
        var schedule = (string)Binding(folders, "Housekeeping")["schedule"]!;
        Assert.NotNull(CronExpression.Parse(schedule, CronFormat.IncludeSeconds).GetNextOccurrence(DateTime.UtcNow));
        var healthz = Binding(folders, "GetHealth");
        Assert.Equal("healthz", (string?)healthz["route"]);
        Assert.Equal(["get"], healthz["methods"]!.AsArray().Select(m => (string)m!));
        var submit = Binding(folders, "SubmitApplication");
        Assert.Equal("api/applications", (string?)submit["route"]);
        Assert.Equal(["post"], submit["methods"]!.AsArray().Select(m => (string)m!));
        Assert.Equal("api/applications/{id}/audit", (string?)Binding(folders, "AuditApplication")["route"]);
        var portal = Binding(folders, "Portal");
        Assert.Equal("{*path}", (string?)portal["route"]);
        Assert.Equal(File.ReadAllText(Path.Combine(Root, "host.json")).ReplaceLineEndings("\n"), File.ReadAllText(Path.Combine(_out, "host.json")));
    }

    [Fact]
    public async Task Http_functions_follow_the_endpoints_route_verbs_and_names()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        app.MapPost("/api/applications/{id}/corrections", () => Results.Ok()).WithName("CorrectApplication");
        app.MapGet("/api/applications/{id:guid}", (Guid id) => Results.Ok(id));
        app.MapMethods("/api/partners/{partnerId}/applications", ["GET", "HEAD"], () => Results.Ok()).WithName("ListApplications");
        app.MapFallback(() => Results.Ok());
        app.MapFunctionInvocations(BackgroundFunctions.Declare("Hub", ["MFI001"]));

        var functions = HttpFunctions.Declare(new CompositeEndpointDataSource(((IEndpointRouteBuilder)app).DataSources))
            .ToDictionary(f => f.Name, f => (HttpTrigger)f.Trigger);

        Assert.Equal(["ApiApplicationsId", "CorrectApplication", "ListApplications", "Portal"], functions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new HttpTrigger("api/applications/{id}/corrections", ["post"]).Route, functions["CorrectApplication"].Route);
        Assert.Equal(["post"], functions["CorrectApplication"].Methods);
        Assert.Equal("api/applications/{id:guid}", functions["ApiApplicationsId"].Route);
        Assert.Equal(["get", "head"], functions["ListApplications"].Methods);
        Assert.Equal(["get", "head"], functions["Portal"].Methods);
    }

    [Fact]
    public async Task Two_endpoints_that_would_make_the_same_function_are_refused_by_name()
    {
        await using var app = WebApplication.CreateBuilder().Build();
        app.MapGet("/api/a", () => Results.Ok()).WithName("Same");
        app.MapGet("/api/b", () => Results.Ok()).WithName("Same");

        var error = Assert.Throws<InvalidOperationException>(() => HttpFunctions.Declare(new CompositeEndpointDataSource(((IEndpointRouteBuilder)app).DataSources)));

        Assert.Contains("'Same'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Emitting_again_removes_functions_that_no_longer_exist_and_keeps_other_files()
    {
        Directory.CreateDirectory(Path.Combine(_out, "Retired"));
        File.WriteAllText(Path.Combine(_out, "Retired", "function.json"), "{}");
        Directory.CreateDirectory(Path.Combine(_out, "config"));
        File.WriteAllText(Path.Combine(_out, "config", "partners.json"), "{}");

        FunctionAppEmitter.Emit(_out, new FunctionHostConfiguration(), BackgroundFunctions.Declare("Hub", ["MFI001"]));

        Assert.False(Directory.Exists(Path.Combine(_out, "Retired")));
        Assert.True(File.Exists(Path.Combine(_out, "config", "partners.json")));
        Assert.True(File.Exists(Path.Combine(_out, "BlobDrop_MFI001", "function.json")));
    }

    private JsonObject Binding(List<string?> folders, string function)
    {
        Assert.Contains(function, folders);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(_out, function, "function.json")))!["bindings"]!.AsArray()[0]!.AsObject();
    }

    private async Task EmitWithHostExecutableAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RuralLoans.Host.dll"));
        start.ArgumentList.Add("--emit-functions");
        start.ArgumentList.Add(_out);
        start.Environment["RURALLOANS_ROOT"] = Root;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct) + await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, "emit failed: " + output);
    }
}
