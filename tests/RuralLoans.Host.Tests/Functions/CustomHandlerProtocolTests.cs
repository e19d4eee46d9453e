using System.Text.Json.Nodes;
using RuralLoans.Durable.Core;
using RuralLoans.Host.Functions;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Functions;

/// <summary>
/// Payloads shaped like the documented ones (custom handlers, queue/blob/timer trigger metadata) replayed through the
/// handler against a real engine on Azurite, as the Functions host would send them.
/// </summary>
public sealed class CustomHandlerProtocolTests(DevServicesFixture services)
{
    [Fact]
    public async Task An_orchestration_runs_to_completion_through_the_queue_trigger_functions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ProtocolHost.StartAsync(services);
        var id = await host.Client.StartNewAsync(ProtocolHost.Orchestrator, 21, "loan-1", ct);

        var (start, startMessage) = await ProtocolHost.DequeueAsPayloadAsync(host.Storage.ControlQueue, BackgroundFunctions.EngineControlQueue);
        var (status, response) = await host.InvokeAsync(BackgroundFunctions.EngineControlQueue, start);
        Assert.Equal(200, status);
        Assert.Equal("object", JsonValueKind(response["Outputs"]));
        Assert.Null(response["ReturnValue"]);
        Assert.Contains(ProtocolHost.Logs(response), line => line.Contains(startMessage.MessageId, StringComparison.Ordinal) && line.EndsWith("Done", StringComparison.Ordinal));
        await host.Storage.ControlQueue.DeleteMessageAsync(startMessage.MessageId, startMessage.PopReceipt, ct);

        var (work, workMessage) = await ProtocolHost.DequeueAsPayloadAsync(host.Storage.WorkItemQueue, BackgroundFunctions.EngineWorkItemQueue);
        (status, _) = await host.InvokeAsync(BackgroundFunctions.EngineWorkItemQueue, work);
        Assert.Equal(200, status);
        await host.Storage.WorkItemQueue.DeleteMessageAsync(workMessage.MessageId, workMessage.PopReceipt, ct);

        var state = await host.Client.GetStatusAsync(id, cancellationToken: ct);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state!.Status);
        Assert.Equal("42", state.OutputJson);
    }

    [Fact]
    public async Task A_bad_message_fails_until_the_host_s_poison_limit_then_lands_in_the_poison_queue()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ProtocolHost.StartAsync(services);
        JsonObject Payload(int dequeueCount) => new()
        {
            ["Data"] = new JsonObject { ["message"] = "{ message: \"Message sent\" }" },
            ["Metadata"] = new JsonObject
            {
                ["DequeueCount"] = dequeueCount,
                ["ExpirationTime"] = "2026-12-30T17:58:31+00:00",
                ["Id"] = "800ae4b3-bdd2-4c08-badd-f08e5a34b865",
                ["InsertionTime"] = "2026-11-23T17:58:31+00:00",
                ["NextVisibleTime"] = "2026-11-23T18:08:32+00:00",
                ["PopReceipt"] = "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
                ["sys"] = ProtocolHost.Sys(BackgroundFunctions.EngineControlQueue),
            },
        };

        var (first, firstResponse) = await host.InvokeAsync(BackgroundFunctions.EngineControlQueue, Payload(1));
        var (last, _) = await host.InvokeAsync(BackgroundFunctions.EngineControlQueue, Payload(new FunctionHostConfiguration().MaxDequeueCount));

        Assert.Equal(500, first);
        Assert.Contains(ProtocolHost.Logs(firstResponse), line => line.Contains("not an engine message", StringComparison.Ordinal));
        Assert.Equal(200, last);
        var poisoned = (await host.Storage.ControlPoisonQueue.ReceiveMessagesAsync(10, cancellationToken: ct)).Value;
        Assert.Equal("{ message: \"Message sent\" }", Assert.Single(poisoned).Body.ToString());
    }

    [Fact]
    public async Task A_blob_drop_reaches_the_ingestion_with_its_container_and_name()
    {
        var drops = new RecordingBlobDrops();
        await using var host = await ProtocolHost.StartAsync(services, drops);
        var function = BackgroundFunctions.BlobDropPrefix + ProtocolHost.PartnerId;

        var (status, response) = await host.InvokeAsync(function, BlobPayload(function, "inbox-mfi001", "2026/scan-001.pdf"));
        var (settledStatus, _) = await host.InvokeAsync(function, BlobPayload(function, "inbox-mfi001", "processed/2026/scan-000.pdf"));
        var (foreignStatus, foreign) = await host.InvokeAsync(function, BlobPayload(function, "inbox-mfi002", "scan.pdf"));

        Assert.Equal(200, status);
        Assert.Equal(200, settledStatus);
        Assert.Equal([("inbox-mfi001", "2026/scan-001.pdf")], drops.Calls);
        Assert.Contains(ProtocolHost.Logs(response), line => line.Contains("submitted", StringComparison.Ordinal));
        Assert.Equal(400, foreignStatus);
        Assert.Contains(ProtocolHost.Logs(foreign), line => line.Contains("not in container 'inbox-mfi001'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_bound_ingestion_a_blob_drop_fails_with_what_to_register()
    {
        await using var host = await ProtocolHost.StartAsync(services);
        var function = BackgroundFunctions.BlobDropPrefix + ProtocolHost.PartnerId;

        var (status, response) = await host.InvokeAsync(function, BlobPayload(function, "inbox-mfi001", "scan.pdf"));

        Assert.Equal(500, status);
        Assert.Contains(ProtocolHost.Logs(response), line => line.Contains(nameof(IBlobDropHandler), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_housekeeping_timer_resends_a_start_that_was_never_sent_and_purges_old_histories()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ProtocolHost.StartAsync(services, retention: TimeSpan.FromDays(30));
        var lost = await host.Client.StartNewAsync(ProtocolHost.Orchestrator, 5, "lost-start", ct);
        await host.Storage.ControlQueue.ClearMessagesAsync(ct);

        var (early, earlyResponse) = await host.InvokeAsync(BackgroundFunctions.Housekeeping, ProtocolHost.TimerPayload());
        Assert.Equal(200, early);
        Assert.Contains(ProtocolHost.Logs(earlyResponse), line => line.Contains("0 start(s) re-sent", StringComparison.Ordinal));

        host.Clock.Advance(TimeSpan.FromMinutes(11));
        var (status, response) = await host.InvokeAsync(BackgroundFunctions.Housekeeping, ProtocolHost.TimerPayload(isPastDue: true));
        Assert.Equal(200, status);
        Assert.Contains(ProtocolHost.Logs(response), line => line.Contains("(past due): 1 start(s) re-sent", StringComparison.Ordinal));
        await RunToCompletionAsync(host);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.Client.GetStatusAsync(lost, cancellationToken: ct))!.Status);

        host.Clock.Advance(TimeSpan.FromDays(31));
        (status, response) = await host.InvokeAsync(BackgroundFunctions.Housekeeping, ProtocolHost.TimerPayload());
        Assert.Equal(200, status);
        Assert.Contains(ProtocolHost.Logs(response), line => line.Contains("1 finished instance(s) purged", StringComparison.Ordinal));
        Assert.Null(await host.Client.GetStatusAsync(lost, cancellationToken: ct));
    }

    [Fact]
    public async Task A_payload_that_is_not_the_trigger_s_is_refused_with_a_reason()
    {
        await using var host = await ProtocolHost.StartAsync(services);

        var (noData, noDataResponse) = await host.InvokeAsync(BackgroundFunctions.Housekeeping, new JsonObject { ["Metadata"] = new JsonObject() });
        var (noTimer, noTimerResponse) = await host.InvokeAsync(BackgroundFunctions.Housekeeping, new JsonObject { ["Data"] = new JsonObject() });
        var (noId, noIdResponse) = await host.InvokeAsync(BackgroundFunctions.EngineControlQueue, new JsonObject
        {
            ["Data"] = new JsonObject { ["message"] = "{}" },
            ["Metadata"] = new JsonObject { ["DequeueCount"] = 1 },
        });

        Assert.Equal(400, noData);
        Assert.Contains(ProtocolHost.Logs(noDataResponse), line => line.Contains("\"Data\"", StringComparison.Ordinal));
        Assert.Equal(400, noTimer);
        Assert.Contains(ProtocolHost.Logs(noTimerResponse), line => line.Contains("Data.timer", StringComparison.Ordinal));
        Assert.Equal(400, noId);
        Assert.Contains(ProtocolHost.Logs(noIdResponse), line => line.Contains("Metadata.Id", StringComparison.Ordinal));
    }

    private static async Task RunToCompletionAsync(ProtocolHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var (start, startMessage) = await ProtocolHost.DequeueAsPayloadAsync(host.Storage.ControlQueue, BackgroundFunctions.EngineControlQueue);
        Assert.Equal(200, (await host.InvokeAsync(BackgroundFunctions.EngineControlQueue, start)).Status);
        await host.Storage.ControlQueue.DeleteMessageAsync(startMessage.MessageId, startMessage.PopReceipt, ct);
        var (work, workMessage) = await ProtocolHost.DequeueAsPayloadAsync(host.Storage.WorkItemQueue, BackgroundFunctions.EngineWorkItemQueue);
        Assert.Equal(200, (await host.InvokeAsync(BackgroundFunctions.EngineWorkItemQueue, work)).Status);
        await host.Storage.WorkItemQueue.DeleteMessageAsync(workMessage.MessageId, workMessage.PopReceipt, ct);
    }

    private static JsonObject BlobPayload(string function, string container, string name) => new()
    {
        ["Data"] = new JsonObject { ["blob"] = "%PDF-1.7 ..." },
        ["Metadata"] = new JsonObject
        {
            ["BlobTrigger"] = $"{container}/{name}",
            ["Uri"] = $"https://ruralloansdev.blob.core.windows.net/{container}/{name}",
            ["Properties"] = new JsonObject
            {
                ["ContentLength"] = 48213,
                ["ContentType"] = "application/pdf",
                ["ETag"] = "\"0x8DD0B1C2D3E4F56\"",
                ["LastModified"] = "2026-11-23T09:41:07+00:00",
                ["BlobType"] = "BlockBlob",
            },
            ["Metadata"] = new JsonObject(),
            ["name"] = name,
            ["sys"] = ProtocolHost.Sys(function),
        },
    };

    private static string JsonValueKind(JsonNode? node) => node?.GetValueKind().ToString().ToLowerInvariant() ?? "missing";

    private sealed class RecordingBlobDrops : IBlobDropHandler
    {
        public List<(string Container, string Name)> Calls { get; } = [];

        public Task<string> HandleAsync(string container, string blobName, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add((container, blobName));
            }
            return Task.FromResult("submitted as application MFI001-test");
        }
    }
}
