using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Hosting;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Durable.Tests;

/// <summary>A task hub of its own on the shared Azurite, with a client and (optionally) a running listener.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private EngineHarness(EngineOptions options, DurableRegistry registry)
    {
        Options = options;
        Registry = registry;
        Storage = new EngineStorage(options);
        Client = new DurableClient(Storage, registry, Signal);
    }

    public EngineOptions Options { get; }

    public DurableRegistry Registry { get; }

    public EngineStorage Storage { get; }

    public WorkSignal Signal { get; } = new();

    public DurableClient Client { get; }

    public DurableWorker? Worker { get; private set; }

    public static async Task<EngineHarness> CreateAsync(string connectionString, DurableRegistry registry, Action<EngineOptions>? configure = null, bool startWorker = true)
    {
        var options = new EngineOptions
        {
            StorageConnectionString = connectionString,
            TaskHubName = UniqueNames.Queue("hub").Replace("-", "", StringComparison.Ordinal),
            MessageVisibilityTimeout = TimeSpan.FromSeconds(5),
            FailedMessageRetryDelay = TimeSpan.FromMilliseconds(200),
            MaxPollingInterval = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        var harness = new EngineHarness(options, registry);
        await harness.Storage.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        if (startWorker)
        {
            await harness.StartWorkerAsync();
        }

        return harness;
    }

    public async Task StartWorkerAsync()
    {
        Worker = new DurableWorker(Storage, Registry, Signal);
        await Worker.StartAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Stops the listener as a process exit would (in-memory state is gone), then starts a fresh one.</summary>
    public async Task RestartWorkerAsync()
    {
        await StopWorkerAsync();
        await StartWorkerAsync();
    }

    public async Task StopWorkerAsync()
    {
        if (Worker is not null)
        {
            await Worker.DisposeAsync();
            Worker = null;
        }
    }

    public Task<OrchestrationState> WaitAsync(string instanceId, int seconds = 30) =>
        Client.WaitForCompletionAsync(instanceId, TimeSpan.FromSeconds(seconds), TestContext.Current.CancellationToken);

    public async Task<OrchestrationState> WaitForStatusAsync(string instanceId, OrchestrationRuntimeStatus status, int seconds = 30)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var state = await Client.GetStatusAsync(instanceId, cancellationToken: TestContext.Current.CancellationToken);
            if (state?.Status == status)
            {
                return state;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Instance {instanceId} is {state?.Status.ToString() ?? "missing"}, expected {status}.");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        await Storage.DeleteAllAsync();
        Signal.Dispose();
    }
}
