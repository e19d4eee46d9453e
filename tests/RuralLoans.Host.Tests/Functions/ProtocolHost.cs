using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RuralLoans.Durable;
using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Maintenance;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;
using RuralLoans.Host.Functions;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Functions;

/// <summary>
/// The custom handler as the Functions host sees it: a loopback HTTP server with one invocation endpoint per declared
/// function, its engine on a task hub of its own in Azurite, and a clock the test moves.
/// </summary>
internal sealed class ProtocolHost : IAsyncDisposable
{
    public const string Orchestrator = "Doubling";
    public const string PartnerId = "MFI001";

    private readonly WebApplication _app;

    private ProtocolHost(WebApplication app, EngineStorage storage, DurableClient client, FakeTimeProvider clock, HttpClient http)
    {
        _app = app;
        Storage = storage;
        Client = client;
        Clock = clock;
        Http = http;
    }

    public EngineStorage Storage { get; }

    public DurableClient Client { get; }

    public FakeTimeProvider Clock { get; }

    public HttpClient Http { get; }

    public static async Task<ProtocolHost> StartAsync(DevServicesFixture services, IBlobDropHandler? blobDrops = null, TimeSpan? retention = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new EngineOptions
        {
            StorageConnectionString = services.StorageConnectionString,
            TaskHubName = UniqueNames.Table("proto"),
            TimeProvider = clock,
        };
        var storage = new EngineStorage(options);
        await storage.EnsureCreatedAsync(ct);
        var registry = new DurableRegistry()
            .AddOrchestrator<int, int>(Orchestrator, async (context, input) => await context.CallActivityAsync<int>("Double", input))
            .AddActivity<int, int>("Double", (_, value) => value * 2);

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<FunctionRuntime>();
        if (blobDrops is not null)
        {
            builder.Services.AddSingleton(blobDrops);
        }
        var app = builder.Build();
        app.MapFunctionInvocations(BackgroundFunctions.Declare(options.TaskHubName, [PartnerId]));
        await app.StartAsync(ct);
        app.Services.GetRequiredService<FunctionRuntime>().Attach(
            new WorkItemProcessor(storage, registry),
            new EngineHousekeeping(storage),
            new HousekeepingPolicy { HistoryRetention = retention },
            StorageAccount.FromConnectionString(services.StorageConnectionString));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ProtocolHost(app, storage, new DurableClient(storage, registry), clock, new HttpClient { BaseAddress = new Uri(address) });
    }

    /// <summary>POSTs a payload to /{function} as the Functions host does and reads the documented response shape.</summary>
    public async Task<(int Status, JsonObject Response)> InvokeAsync(string function, JsonObject payload)
    {
        using var response = await Http.PostAsJsonAsync("/" + function, payload, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, JsonNode.Parse(body)!.AsObject());
    }

    /// <summary>Metadata the host adds to every payload.</summary>
    public static JsonObject Sys(string function) => new()
    {
        ["MethodName"] = function,
        ["UtcNow"] = DateTimeOffset.UtcNow.ToString("O"),
        ["RandGuid"] = Guid.NewGuid().ToString(),
    };

    /// <summary>Takes the next message off a queue the way the host's queue listener does and builds its trigger payload.</summary>
    public static async Task<(JsonObject Payload, Azure.Storage.Queues.Models.QueueMessage Message)> DequeueAsPayloadAsync(Azure.Storage.Queues.QueueClient queue, string function)
    {
        var ct = TestContext.Current.CancellationToken;
        Azure.Storage.Queues.Models.QueueMessage? message = null;
        for (var attempt = 0; attempt < 100 && message is null; attempt++)
        {
            message = (await queue.ReceiveMessageAsync(TimeSpan.FromMinutes(1), ct)).Value;
            if (message is null)
            {
                await Task.Delay(50, ct);
            }
        }
        Assert.True(message is not null, $"No message arrived on {queue.Name}.");
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { ["message"] = message.Body.ToString() },
            ["Metadata"] = new JsonObject
            {
                ["DequeueCount"] = message.DequeueCount,
                ["ExpirationTime"] = message.ExpiresOn?.ToString("yyyy-MM-ddTHH:mm:sszzz"),
                ["Id"] = message.MessageId,
                ["InsertionTime"] = message.InsertedOn?.ToString("yyyy-MM-ddTHH:mm:sszzz"),
                ["NextVisibleTime"] = message.NextVisibleOn?.ToString("yyyy-MM-ddTHH:mm:sszzz"),
                ["PopReceipt"] = message.PopReceipt,
                ["sys"] = Sys(function),
            },
        };
        return (payload, message);
    }

    public static JsonObject TimerPayload(bool isPastDue = false) => new()
    {
        ["Data"] = new JsonObject
        {
            ["timer"] = new JsonObject
            {
                ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                ["ScheduleStatus"] = new JsonObject
                {
                    ["Last"] = "2026-11-23T10:00:00.0096035+00:00",
                    ["Next"] = "2026-11-23T10:10:00+00:00",
                    ["LastUpdated"] = "2026-11-23T10:05:00.0096035+00:00",
                },
                ["IsPastDue"] = isPastDue,
            },
        },
        ["Metadata"] = new JsonObject { ["sys"] = Sys(BackgroundFunctions.Housekeeping) },
    };

    public static IReadOnlyList<string> Logs(JsonObject response) => [.. response["Logs"]!.AsArray().Select(line => (string)line!)];

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Storage.DeleteAllAsync();
    }
}
