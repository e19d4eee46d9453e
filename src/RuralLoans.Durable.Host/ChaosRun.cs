using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Storage;

namespace RuralLoans.Durable.Host;

internal sealed record ChaosResult(
    int Orchestrations,
    int Kills,
    int Completed,
    int Lost,
    int Stuck,
    int DuplicateEffects,
    int HashChainFailures,
    int DuplicatesInjected,
    double ElapsedSeconds)
{
    public bool Passed => Completed == Orchestrations && Lost == 0 && Stuck == 0 && DuplicateEffects == 0 && HashChainFailures == 0;
}

/// <summary>
/// Runs instances across several host processes while killing hosts with SIGKILL and re-sending copies of
/// queued messages late (duplicates, out of order), then checks every instance: finished, every effect
/// exactly once, history chain intact.
/// </summary>
internal sealed class ChaosRun(string storageConnectionString, int hostCount, int orchestrations, int kills, Action<string> progress)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    /// <summary>Host settings: crash-redeliveries are expected here, so the poison limit is set well above what kills cause.</summary>
    public static EngineOptions HostOptions(string storageConnectionString, string taskHub) => new()
    {
        StorageConnectionString = storageConnectionString,
        TaskHubName = taskHub,
        MessageVisibilityTimeout = TimeSpan.FromSeconds(4),
        MaxDequeueCount = 20,
        MaxPollingInterval = TimeSpan.FromMilliseconds(250),
    };

    public async Task<ChaosResult> RunAsync(CancellationToken cancellationToken)
    {
        var taskHub = $"chaos{Guid.NewGuid():N}"[..17];
        var options = HostOptions(storageConnectionString, taskHub);
        var storage = new EngineStorage(options);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var effects = Workloads.EffectsTable(storageConnectionString, taskHub);
        await effects.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var client = new DurableClient(storage);
        var hosts = new List<Process?>();
        var restarts = new List<Task>();
        var clock = Stopwatch.StartNew();
        var killed = 0;
        var injected = 0;

        async Task RestartAsync(int slot, int delayMs)
        {
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            hosts[slot] = await StartHostAsync(taskHub, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            for (var index = 0; index < hostCount; index++)
            {
                hosts.Add(await StartHostAsync(taskHub, cancellationToken).ConfigureAwait(false));
            }

            progress($"{hostCount} hosts ready; starting {orchestrations} instances in waves while hosts are killed");
            var ids = Enumerable.Range(0, orchestrations).Select(index => $"loan-{index:D4}").ToList();
            using var chaosStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var injector = InjectDuplicatesAsync(storage, count => Interlocked.Add(ref injected, count), chaosStop.Token);
            var random = new Random();

            // Instances start in waves and kills run on their own clock, so the kills land on work in flight
            // however fast the hosts finish it.
            var starter = Task.Run(async () =>
            {
                for (var index = 0; index < ids.Count; index++)
                {
                    await client.StartNewAsync(Workloads.ChaosLoan, ids[index], ids[index], cancellationToken).ConfigureAwait(false);
                    if (index % 10 == 9)
                    {
                        await Task.Delay(400, cancellationToken).ConfigureAwait(false);
                    }
                }
            }, cancellationToken);
            var killer = Task.Run(async () =>
            {
                while (killed < kills && !chaosStop.IsCancellationRequested)
                {
                    await Task.Delay(random.Next(300, 900), chaosStop.Token).ConfigureAwait(false);
                    var alive = Enumerable.Range(0, hosts.Count).Where(slot => hosts[slot] is not null).ToList();
                    if (alive.Count == 0)
                    {
                        continue;
                    }
                    var victim = alive[random.Next(alive.Count)];
                    var process = hosts[victim]!;
                    process.Kill();
                    await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                    process.Dispose();
                    hosts[victim] = null;
                    killed++;
                    progress($"killed host {victim} (kill {killed}/{kills}) at {clock.Elapsed.TotalSeconds:F1} s");
                    restarts.Add(RestartAsync(victim, random.Next(100, 600)));
                }
            }, cancellationToken);

            var unfinished = new InstanceQuery { Statuses = [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running], PageSize = 1 };
            while (clock.Elapsed < Deadline)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                if (starter.IsCompleted && killer.IsCompleted && (await client.QueryAsync(unfinished, cancellationToken).ConfigureAwait(false)).Instances.Count == 0)
                {
                    break;
                }
            }
            await starter.ConfigureAwait(false);

            await chaosStop.CancelAsync().ConfigureAwait(false);
            await injector.ConfigureAwait(false);
            try
            {
                await killer.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (chaosStop.IsCancellationRequested)
            {
                // The deadline passed before every kill was made; the report counts the kills that happened.
            }
            await Task.WhenAll(restarts).ConfigureAwait(false);
            progress("checking every instance");
            return await EvaluateAsync(client, effects, ids, killed, injected, clock.Elapsed, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Task.WhenAll(restarts).ConfigureAwait(false);
            foreach (var host in hosts.OfType<Process>())
            {
                if (!host.HasExited)
                {
                    host.Kill();
                    await host.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }

                host.Dispose();
            }

            await storage.DeleteAllAsync(CancellationToken.None).ConfigureAwait(false);
            await effects.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<ChaosResult> EvaluateAsync(
        DurableClient client, TableClient effects, List<string> ids, int killed, int injected, TimeSpan elapsed, Action<string> progress, CancellationToken cancellationToken)
    {
        int completed = 0, lost = 0, stuck = 0, duplicates = 0, brokenChains = 0;
        foreach (var id in ids)
        {
            var state = await client.GetStatusAsync(id, true, cancellationToken).ConfigureAwait(false);
            var rows = new List<TableEntity>();
            await foreach (var row in effects.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }

            duplicates += rows.Count(row => row.RowKey.StartsWith("duplicate-", StringComparison.Ordinal));
            if (state is null)
            {
                lost++;
                continue;
            }

            var history = await client.GetHistoryAsync(id, cancellationToken).ConfigureAwait(false);
            duplicates += history.Where(e => e.Type is HistoryEventType.TaskCompleted or HistoryEventType.TimerFired)
                .GroupBy(e => (e.Generation, e.TaskId)).Count(group => group.Count() > 1);
            if (!(await client.VerifyHistoryAsync(id, cancellationToken).ConfigureAwait(false)).IsIntact)
            {
                brokenChains++;
            }

            var stepsDone = rows.Count(row => row.RowKey.StartsWith("step", StringComparison.Ordinal));
            if (state.Status == OrchestrationRuntimeStatus.Completed && state.ReadOutput<int>() == Workloads.ChaosSteps && stepsDone == Workloads.ChaosSteps)
            {
                completed++;
            }
            else if (state.Status.IsTerminal())
            {
                lost++;
            }
            else
            {
                stuck++;
            }

            if (completed + lost + stuck > completed && lost + stuck <= 3)
            {
                var tail = string.Join(", ", history.TakeLast(6).Select(e => $"{e.Type}{(e.TaskId is { } task ? $"#{task}" : "")}"));
                progress($"  {id}: {state.Status}, {stepsDone} step(s) done, history ends {tail}");
            }
        }

        return new ChaosResult(ids.Count, killed, completed, lost, stuck, duplicates, brokenChains, injected, Math.Round(elapsed.TotalSeconds, 1));
    }

    /// <summary>Re-sends copies of visible messages with a random delay, so they arrive again, late and out of order.</summary>
    private static async Task InjectDuplicatesAsync(EngineStorage storage, Action<int> injected, CancellationToken cancellationToken)
    {
        var random = new Random();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var queue in new[] { storage.ControlQueue, storage.WorkItemQueue })
                {
                    var peeked = (await queue.PeekMessagesAsync(16, cancellationToken).ConfigureAwait(false)).Value;
                    var copies = peeked.Where(_ => random.NextDouble() < 0.5).ToList();
                    foreach (var message in copies)
                    {
                        await queue.SendMessageAsync(message.Body.ToString(), TimeSpan.FromMilliseconds(random.Next(0, 1500)), TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
                    }

                    injected(copies.Count);
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task<Process> StartHostAsync(string taskHub, CancellationToken cancellationToken)
    {
        // The host program sits next to this assembly (also when a test project references it); run it with the dotnet muxer.
        var muxer = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
            : "dotnet";
        var startInfo = new ProcessStartInfo(muxer) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ruralloans-engine.dll"));
        foreach (var argument in new[] { "worker", "--storage", storageConnectionString, "--hub", taskHub, "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text && errors.Count < 50)
            {
                errors.Enqueue(text);
            }
        };
        process.Start();
        try
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException($"A host process did not start: {string.Join(Environment.NewLine, errors)}", exception);
        }

        return process;
    }
}
