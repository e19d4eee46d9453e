using System.CommandLine;
using System.Text.Json;
using RuralLoans.Durable;
using RuralLoans.Durable.Core;
using RuralLoans.Durable.Hosting;
using RuralLoans.Durable.Host;
using RuralLoans.Durable.Processing;
using RuralLoans.Durable.Storage;

var storageOption = new Option<string>("--storage") { Description = "Azure Storage (or Azurite) connection string", Required = true };
var jsonOption = new Option<bool>("--json") { Description = "Print the result as one JSON object" };

var bench = new Command("bench", "Measure engine latency, throughput and storage cost") { storageOption, jsonOption };
bench.SetAction(async (parse, cancellationToken) =>
{
    var json = parse.GetValue(jsonOption);
    var result = await new EngineBench(parse.GetValue(storageOption)!, message => Console.Error.WriteLine(message)).RunAsync(cancellationToken);
    Console.WriteLine(json ? JsonSerializer.Serialize(result, DurableJson.Options) : Report.Bench(result));
    return 0;
});

var hubOption = new Option<string>("--hub") { Description = "Task hub name", Required = true };
var parentOption = new Option<int?>("--parent-pid") { Description = "Stop when this process is gone (hosts started by the chaos run)" };
var worker = new Command("worker", "Run one engine host until stopped (used by the chaos run)") { storageOption, hubOption, parentOption };
worker.SetAction(async (parse, cancellationToken) =>
{
    var connection = parse.GetValue(storageOption)!;
    var options = ChaosRun.HostOptions(connection, parse.GetValue(hubOption)!);
    using var signal = new WorkSignal();
    await using var host = new DurableWorker(new EngineStorage(options), Workloads.Create(connection, options.TaskHubName), signal);
    await host.StartAsync(cancellationToken);
    Console.WriteLine("ready");
    try
    {
        await ParentWatch.WaitAsync(parse.GetValue(parentOption), cancellationToken);
    }
    catch (OperationCanceledException)
    {
        // Stopped by SIGTERM/Ctrl+C.
    }

    return 0;
});

var hostsOption = new Option<int>("--hosts") { Description = "Host processes", DefaultValueFactory = _ => 3 };
var orchestrationsOption = new Option<int>("--orchestrations") { Description = "Instances to run", DefaultValueFactory = _ => 40 };
var killsOption = new Option<int>("--kills") { Description = "Host kills (SIGKILL) during the run", DefaultValueFactory = _ => 6 };
var chaos = new Command("chaos", "Run instances across host processes while killing hosts and duplicating/reordering messages")
{
    storageOption, hostsOption, orchestrationsOption, killsOption, jsonOption,
};
chaos.SetAction(async (parse, cancellationToken) =>
{
    var run = new ChaosRun(parse.GetValue(storageOption)!, parse.GetValue(hostsOption), parse.GetValue(orchestrationsOption), parse.GetValue(killsOption),
        message => Console.Error.WriteLine(message));
    var result = await run.RunAsync(cancellationToken);
    Console.WriteLine(parse.GetValue(jsonOption) ? JsonSerializer.Serialize(result, DurableJson.Options) : Report.Chaos(result));
    return result.Passed ? 0 : 1;
});

var root = new RootCommand("RuralLoans durable engine tools: benchmark, chaos run, host process") { bench, chaos, worker };
return await root.Parse(args).InvokeAsync();
