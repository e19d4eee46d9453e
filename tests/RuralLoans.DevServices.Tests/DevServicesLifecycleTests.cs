using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>Starting, stopping and crashing: data survives restarts and no emulator process outlives its owner.</summary>
public sealed class DevServicesLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan GonePatience = TimeSpan.FromSeconds(10);
    private readonly string _dataDirectory = TemporaryDirectories.Create("devservices-lifecycle");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        TemporaryDirectories.TryDelete(_dataDirectory);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Documents_blobs_and_entities_survive_a_stop_and_start_on_the_same_data_directory()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var first = await StartAsync(ct))
        {
            using var cosmos = LocalCosmos.CreateClient(first.Endpoints);
            var container = await CreateContainerAsync(cosmos, ct);
            for (var i = 0; i < 20; i++)
            {
                await container.CreateItemAsync(new LoanItem($"loan-{i}", "village-a", 1_000m + i), new PartitionKey("village-a"), cancellationToken: ct);
            }

            await container.DeleteItemAsync<LoanItem>("loan-7", new PartitionKey("village-a"), cancellationToken: ct);
            await container.ReplaceItemAsync(new LoanItem("loan-8", "village-a", 8_888m), "loan-8", new PartitionKey("village-a"), cancellationToken: ct);
            var blobs = new BlobServiceClient(first.Endpoints.StorageConnectionString).GetBlobContainerClient("forms");
            await blobs.CreateAsync(cancellationToken: ct);
            await blobs.UploadBlobAsync("application-1.pdf", BinaryData.FromString("申请表 v1"), ct);
            var table = new Azure.Data.Tables.TableClient(first.Endpoints.StorageConnectionString, "ledger");
            await table.CreateAsync(ct);
            await table.AddEntityAsync(new Azure.Data.Tables.TableEntity("loan-1", "tranche-1") { ["AmountFen"] = 3_000_050L }, ct);
            // Stopped immediately after the last write: nothing acknowledged may be lost.
        }

        await using var second = await StartAsync(ct);
        using var reopened = LocalCosmos.CreateClient(second.Endpoints);
        var items = reopened.GetContainer("persistence", "loans");
        using var query = items.GetItemQueryIterator<LoanItem>("SELECT * FROM c ORDER BY c.id");
        var all = new List<LoanItem>();
        while (query.HasMoreResults)
        {
            all.AddRange(await query.ReadNextAsync(ct));
        }

        Assert.Equal(19, all.Count);
        Assert.DoesNotContain(all, item => item.Id == "loan-7");
        Assert.Equal(8_888m, all.Single(item => item.Id == "loan-8").Amount);
        var created = await items.CreateItemAsync(new LoanItem("loan-20", "village-a", 1m), new PartitionKey("village-a"), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var blob = new BlobServiceClient(second.Endpoints.StorageConnectionString).GetBlobContainerClient("forms").GetBlobClient("application-1.pdf");
        Assert.Equal("申请表 v1", (await blob.DownloadContentAsync(ct)).Value.Content.ToString());
        var entity = await new Azure.Data.Tables.TableClient(second.Endpoints.StorageConnectionString, "ledger")
            .GetEntityAsync<Azure.Data.Tables.TableEntity>("loan-1", "tranche-1", cancellationToken: ct);
        Assert.Equal(3_000_050L, entity.Value.GetInt64("AmountFen"));
    }

    [Fact]
    public async Task A_change_feed_continuation_resumes_after_a_restart_with_only_the_new_changes()
    {
        var ct = TestContext.Current.CancellationToken;
        string continuation;
        await using (var first = await StartAsync(ct))
        {
            using var cosmos = LocalCosmos.CreateClient(first.Endpoints);
            var container = await CreateContainerAsync(cosmos, ct);
            for (var i = 0; i < 5; i++)
            {
                await container.CreateItemAsync(new LoanItem($"before-{i}", $"village-{i % 2}", i), new PartitionKey($"village-{i % 2}"), cancellationToken: ct);
            }

            // The last item written before the restart is deleted, so the highest sequence number in use is
            // not on any stored item: the restarted server must still never reuse it.
            await container.CreateItemAsync(new LoanItem("deleted", "village-0", 0m), new PartitionKey("village-0"), cancellationToken: ct);
            var feed = container.GetChangeFeedIterator<LoanItem>(ChangeFeedStartFrom.Beginning(), ChangeFeedMode.LatestVersion);
            Assert.Equal(6, (await CosmosContractTests.DrainAsync(feed, ct)).Sum(page => page.Count));
            continuation = await LastContinuationAsync(feed, ct);
            await container.DeleteItemAsync<LoanItem>("deleted", new PartitionKey("village-0"), cancellationToken: ct);
        }

        await using var second = await StartAsync(ct);
        using var reopened = LocalCosmos.CreateClient(second.Endpoints);
        var items = reopened.GetContainer("persistence", "loans");
        await items.CreateItemAsync(new LoanItem("after-1", "village-1", 1m), new PartitionKey("village-1"), cancellationToken: ct);
        await items.UpsertItemAsync(new LoanItem("before-2", "village-0", 222m), new PartitionKey("village-0"), cancellationToken: ct);

        var resumed = items.GetChangeFeedIterator<LoanItem>(ChangeFeedStartFrom.ContinuationToken(continuation), ChangeFeedMode.LatestVersion);
        var changes = (await CosmosContractTests.DrainAsync(resumed, ct)).SelectMany(page => page).ToList();

        Assert.Equal(["after-1", "before-2"], changes.Select(item => item.Id));
        Assert.Equal(222m, changes[1].Amount);
    }

    [Fact]
    public async Task A_graceful_stop_leaves_no_process_and_no_listening_port()
    {
        var ct = TestContext.Current.CancellationToken;
        var host = await StartAsync(ct);
        int[] pids = [host.SupervisorProcessId, host.AzuriteProcessId];
        var ports = PortsOf(host.Endpoints);
        Assert.All(pids, pid => Assert.True(ProcessSignals.IsAlive(pid)));

        await host.StopAsync();

        Assert.All(pids, pid => Assert.False(ProcessSignals.IsAlive(pid), $"process {pid} still runs after a graceful stop"));
        Assert.All(ports, port => Assert.False(Answers(port), $"port {port} still answers after a graceful stop"));
    }

    [Fact]
    public async Task Without_Node_js_on_PATH_a_start_fails_with_a_message_naming_the_fix()
    {
        var ct = TestContext.Current.CancellationToken;
        using var probe = ProbeProcess.Start(_dataDirectory, path: _dataDirectory);
        var errors = probe.StandardError.ReadToEndAsync(ct);
        await probe.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.NotEqual(0, probe.ExitCode);
        var message = await errors;
        Assert.Contains("Node.js 20 or later is required", message, StringComparison.Ordinal);
        Assert.Contains("apt-get install nodejs", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_the_dotnet_process_that_started_the_services_takes_every_emulator_down()
    {
        var ct = TestContext.Current.CancellationToken;
        using var probe = ProbeProcess.Start(_dataDirectory);
        var errors = probe.StandardError.ReadToEndAsync(ct);
        try
        {
            var line = await probe.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(120), ct);
            if (line is null)
            {
                Assert.Fail($"the probe exited without starting the services: {await errors}");
            }

            using var report = JsonDocument.Parse(line);
            int[] pids = [report.RootElement.GetProperty("SupervisorProcessId").GetInt32(), report.RootElement.GetProperty("AzuriteProcessId").GetInt32()];
            var ports = new[] { "BlobPort", "QueuePort", "TablePort", "CosmosPort" }.Select(name => report.RootElement.GetProperty(name).GetInt32()).ToArray();
            Assert.All(ports, port => Assert.True(Answers(port)));

            probe.Kill(); // SIGKILL: the probe gets no chance to clean up.
            await probe.WaitForExitAsync(ct);

            var deadline = DateTime.UtcNow + GonePatience;
            while ((pids.Any(ProcessSignals.IsAlive) || ports.Any(Answers)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }

            Assert.All(pids, pid => Assert.False(ProcessSignals.IsAlive(pid), $"process {pid} outlived its killed parent by {GonePatience}"));
            Assert.All(ports, port => Assert.False(Answers(port), $"port {port} still answers {GonePatience} after its owner was killed"));
        }
        finally
        {
            if (!probe.HasExited)
            {
                probe.Kill(entireProcessTree: true);
            }
        }
    }

    private Task<DevServicesHost> StartAsync(CancellationToken ct) =>
        DevServicesHost.StartAsync(new DevServicesOptions { DataDirectory = _dataDirectory }, ct);

    private static async Task<Container> CreateContainerAsync(CosmosClient cosmos, CancellationToken ct)
    {
        var database = (await cosmos.CreateDatabaseIfNotExistsAsync("persistence", cancellationToken: ct)).Database;
        return (await database.CreateContainerIfNotExistsAsync("loans", "/pk", cancellationToken: ct)).Container;
    }

    private static async Task<string> LastContinuationAsync(FeedIterator<LoanItem> feed, CancellationToken ct)
    {
        var response = await feed.ReadNextAsync(ct);
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        return response.ContinuationToken;
    }

    private static int[] PortsOf(DevServicesEndpoints endpoints) =>
        [endpoints.BlobPort, endpoints.QueuePort, endpoints.TablePort, endpoints.CosmosPort];

    private static bool Answers(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
