using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RuralLoans.TaskHub;

/// <summary>
/// Runs durabletask-dotnet orchestrators and activities — the very classes the Function App registers — on the Durable
/// Task Framework's Azure Storage provider in this process: the engine Durable Functions uses, with the same queues,
/// tables and containers, so a local task hub on Azurite behaves like the one in Azure.
/// </summary>
public sealed class LocalTaskHub : IAsyncDisposable
{
    private readonly TaskHubWorker? _worker;

    private LocalTaskHub(AzureStorageOrchestrationService service, TaskHubWorker? worker, TaskHubSettings settings)
    {
        Service = service;
        _worker = worker;
        Settings = settings;
        Client = new AzureStorageTaskHubClient(service, settings.HubName);
    }

    public AzureStorageOrchestrationService Service { get; }

    public AzureStorageTaskHubClient Client { get; }

    public TaskHubSettings Settings { get; }

    public bool RunsWorker => _worker is not null;

    /// <summary>Creates the task hub's storage when missing and, when <paramref name="registry"/> is given, starts a worker for it.</summary>
    public static async Task<LocalTaskHub> StartAsync(StorageAccount account, TaskHubSettings settings, TaskRegistry? registry, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(settings);
        TaskHubSettings.ValidateHubName(settings.HubName);
        loggerFactory ??= NullLoggerFactory.Instance;
        var service = new AzureStorageOrchestrationService(ProviderSettings(account, settings, loggerFactory));
        await service.CreateIfNotExistsAsync().ConfigureAwait(false);
        if (registry is null)
        {
            return new LocalTaskHub(service, null, settings);
        }

        var worker = new TaskHubWorker(service, loggerFactory)
        {
            // The durabletask-dotnet shims expect failures as structured details, as Durable Functions delivers them.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { DataConverter = TaskHubJson.Converter }, loggerFactory);
        worker.AddTaskOrchestrations(registry.Orchestrators
            .Select(o => (ObjectCreator<TaskOrchestration>)new Creator<TaskOrchestration>(o.Key, () => shims.CreateOrchestration(new TaskName(o.Key), o.Value(), parent: null)))
            .ToArray());
        worker.AddTaskActivities(registry.Activities
            .Select(a =>
            {
                var activity = shims.CreateActivity(new TaskName(a.Key), a.Value);
                return (ObjectCreator<TaskActivity>)new Creator<TaskActivity>(a.Key, () => activity);
            })
            .ToArray());
        await worker.StartAsync().ConfigureAwait(false);
        return new LocalTaskHub(service, worker, settings);
    }

    /// <summary>The provider settings for these choices; the Function App's host.json spells the same values.</summary>
    public static AzureStorageOrchestrationServiceSettings ProviderSettings(StorageAccount account, TaskHubSettings settings, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(settings);
        return new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = account.ToTaskHubClientProvider(),
            TaskHubName = settings.HubName,
            WorkerId = settings.WorkerId,
            PartitionCount = settings.PartitionCount,
            MaxQueuePollingInterval = settings.MaxQueuePollingInterval,
            ExtendedSessionsEnabled = settings.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = settings.ExtendedSessionIdleTimeout,
            ControlQueueVisibilityTimeout = settings.VisibilityTimeout,
            WorkItemQueueVisibilityTimeout = settings.VisibilityTimeout,
            LeaseInterval = settings.LeaseInterval,
            LeaseRenewInterval = TimeSpan.FromTicks(settings.LeaseInterval.Ticks / 3),
            MaxConcurrentTaskActivityWorkItems = settings.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = settings.MaxConcurrentOrchestrations,
            LoggerFactory = loggerFactory,
        };
    }

    /// <summary>Stops taking work; messages in flight are finished or left for another host.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            try
            {
                await _worker.StopAsync(isForced: true).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // Already stopped.
            }
            _worker.Dispose();
        }
    }

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = string.Empty;
            _create = create;
        }

        public override T Create() => _create();
    }
}
