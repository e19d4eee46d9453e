using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RuralLoans.Durable.Core;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests;

/// <summary>
/// The partner's Storage Explorer workflow against the real host executable in standalone mode: a form dropped into the
/// partner's inbox container becomes one application, and the same form dropped again under another name does not
/// become a second loan.
/// </summary>
public sealed class BlobDropHostTests(DevServicesFixture services) : IAsyncLifetime
{
    private readonly string _taskHub = "Drop" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _database = UniqueNames.CosmosDatabase("drop");
    private Process? _host;
    private RailSimulator _rail = null!;

    public async ValueTask InitializeAsync() => _rail = await RailSimulator.StartAsync(ct: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_host is { HasExited: false })
        {
            _host.Kill(entireProcessTree: true);
            await _host.WaitForExitAsync();
        }
        _host?.Dispose();
        await _rail.DisposeAsync();
    }

    [Fact]
    public async Task A_form_dropped_in_the_partner_inbox_starts_one_application_on_a_running_host()
    {
        var ct = TestContext.Current.CancellationToken;
        _host = StartHost();
        var inbox = new BlobContainerClient(services.StorageConnectionString, BlobDropIngestion.InboxContainerFor("MFI001"));
        await inbox.CreateIfNotExistsAsync(cancellationToken: ct);
        var form = await File.ReadAllBytesAsync(Path.Combine(RepositoryRoot, "samples", "demo", "01-approved-310.png"), ct);
        var stem = "drop-" + Guid.NewGuid().ToString("N")[..8];

        var first = await DropAndWaitAsync(inbox, stem + "-a.png", form, ct);
        var again = await DropAndWaitAsync(inbox, stem + "-b.png", form, ct);

        Assert.Equal(first, again);
        using var railHttp = new HttpClient { BaseAddress = _rail.BaseAddress };
        await using var pipeline = await PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = services.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString),
            CosmosDatabase = _database,
            TaskHubName = _taskHub,
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(RepositoryRoot, "config"),
            RunWorker = false,
        }, ct);
        var record = await pipeline.Applications.GetAsync(first, ct);
        Assert.NotNull(record);
        Assert.Equal("MFI001", record.PartnerId);
        var done = await pipeline.Client.WaitForCompletionAsync(first, TimeSpan.FromSeconds(120), ct);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Status);
        Assert.Equal(ApplicationStage.Disbursed, done.ReadOutput<ApplicationOutcome>()!.Stage);
        Assert.Single(_rail.CommittedPayouts);
    }

    /// <returns>The application id the host wrote on the processed copy.</returns>
    private async Task<string> DropAndWaitAsync(BlobContainerClient inbox, string name, byte[] form, CancellationToken ct)
    {
        await inbox.GetBlobClient(name).UploadAsync(new BinaryData(form), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [BlobDropIngestion.ProductMetadata] = "farm-310" },
        }, ct);
        var processed = inbox.GetBlobClient(BlobDropIngestion.ProcessedPrefix + name);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_host!.HasExited)
            {
                Assert.Fail($"The host exited with code {_host.ExitCode}.");
            }
            Assert.False(await inbox.GetBlobClient(BlobDropIngestion.RejectedPrefix + name).ExistsAsync(ct), $"{name} was rejected.");
            if (await processed.ExistsAsync(ct) && !await inbox.GetBlobClient(name).ExistsAsync(ct))
            {
                var properties = await processed.GetPropertiesAsync(cancellationToken: ct);
                return properties.Value.Metadata[BlobDropIngestion.ApplicationIdMetadata];
            }
            await Task.Delay(500, ct);
        }
        Assert.Fail($"{name} was not moved to processed/ within 90 s.");
        return "";
    }

    private Process StartHost()
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "src", "RuralLoans.Host", "bin", "Debug", "net10.0", "RuralLoans.Host.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["RURALLOANS_ROOT"] = RepositoryRoot;
        start.Environment["AzureWebJobsStorage"] = services.StorageConnectionString;
        start.Environment["CosmosDbConnection"] = services.Endpoints.CosmosConnectionString;
        start.Environment["CosmosDbDatabase"] = _database;
        start.Environment["TaskHubName"] = _taskHub;
        start.Environment["PaymentRailUrl"] = _rail.BaseAddress.ToString();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the host");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string RepositoryRoot { get; } = DevServices.RepositoryRoot.Find();
}
