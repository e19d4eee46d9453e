using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using RuralLoans.TaskHub;
using RuralLoans.Host.Functions;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Functions;

/// <summary>Standalone mode triggers the same declarations with its own listeners: a blob poller and timers.</summary>
public sealed class StandaloneTriggersTests(DevServicesFixture services)
{
    [Fact]
    public async Task A_form_dropped_into_a_partner_inbox_is_ingested_once_and_settled_names_are_left_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var partner = "P" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var drops = new CountingBlobDrops();
        var provider = new ServiceCollection().AddSingleton<IBlobDropHandler>(drops).BuildServiceProvider();
        var inbox = new BlobContainerClient(services.StorageConnectionString, BackgroundFunctions.InboxContainerFor(partner));
        var functions = BackgroundFunctions.Declare([partner]).Where(f => f.Trigger is BlobTrigger).ToList();
        await using (var triggers = new StandaloneTriggers(functions, provider, StorageAccount.FromConnectionString(services.StorageConnectionString), blobPollInterval: TimeSpan.FromMilliseconds(100)))
        {
            triggers.Start();
            await WaitUntilAsync(async () => await inbox.ExistsAsync(ct), ct);
            await inbox.UploadBlobAsync("scan-001.pdf", BinaryData.FromString("%PDF-1.7"), ct);
            await inbox.UploadBlobAsync("processed/scan-000.pdf", BinaryData.FromString("%PDF-1.7"), ct);

            await WaitUntilAsync(() => Task.FromResult(drops.Count("scan-001.pdf") > 0), ct);
            await Task.Delay(TimeSpan.FromMilliseconds(600), ct);
        }

        Assert.Equal(1, drops.Count("scan-001.pdf"));
        Assert.Equal(0, drops.Count("processed/scan-000.pdf"));
        Assert.All(drops.Containers, container => Assert.Equal($"inbox-{partner.ToLowerInvariant()}", container));
        await inbox.DeleteIfExistsAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_timer_function_runs_on_its_schedule_with_the_timer_s_state()
    {
        var ct = TestContext.Current.CancellationToken;
        var ticks = new List<TimerEvent>();
        var everySecond = new FunctionDeclaration("Tick", new TimerTrigger("* * * * * *"), (invocation, _) =>
        {
            lock (ticks)
            {
                ticks.Add((TimerEvent)invocation.Trigger);
            }
            return Task.CompletedTask;
        });
        await using (var triggers = new StandaloneTriggers([everySecond], new ServiceCollection().BuildServiceProvider(), StorageAccount.FromConnectionString(services.StorageConnectionString)))
        {
            triggers.Start();
            await WaitUntilAsync(() => Task.FromResult(ticks.Count >= 2), ct);
        }

        Assert.Null(ticks[0].Last);
        Assert.NotNull(ticks[1].Last);
        Assert.True(ticks[1].Next > ticks[1].Last);
        Assert.All(ticks, tick => Assert.False(tick.IsPastDue));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The standalone trigger did not fire within 20 s.");
            await Task.Delay(50, ct);
        }
    }

    private sealed class CountingBlobDrops : IBlobDropHandler
    {
        private readonly List<(string Container, string Name)> _calls = [];

        public IReadOnlyList<string> Containers
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls.Select(c => c.Container)];
                }
            }
        }

        public int Count(string name)
        {
            lock (_calls)
            {
                return _calls.Count(c => c.Name == name);
            }
        }

        public Task<string> HandleAsync(string container, string blobName, CancellationToken cancellationToken)
        {
            lock (_calls)
            {
                _calls.Add((container, blobName));
            }
            return Task.FromResult("submitted");
        }
    }
}
