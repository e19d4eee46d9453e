using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Contracts;
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
        await using var pipeline = await StandaloneHostProcess.ObserveAsync(services, _taskHub, _database, railHttp, ct);
        var record = await pipeline.Applications.GetAsync(first, ct);
        Assert.NotNull(record);
        Assert.Equal("MFI001", record.PartnerId);
        Assert.True(await pipeline.AcceptContractWhenOfferedAsync(first, TimeSpan.FromSeconds(120), ct), "the borrower was offered no contract");
        var done = await pipeline.Client.WaitForCompletionAsync(first, TimeSpan.FromSeconds(120), ct);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(ApplicationStage.Disbursed, done.ReadOutputAs<ApplicationOutcome>()!.Stage);
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

    private Process StartHost() => StandaloneHostProcess.Start(services, _taskHub, _database, _rail.BaseAddress);

    private static string RepositoryRoot => StandaloneHostProcess.RepositoryRoot;
}
