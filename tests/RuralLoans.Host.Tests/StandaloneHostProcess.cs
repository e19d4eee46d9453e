using System.Diagnostics;
using RuralLoans.Ocr;
using RuralLoans.Payments;
using RuralLoans.Pipeline;
using RuralLoans.Storage;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests;

/// <summary>
/// The real host executable in standalone mode on the test's dev services, with its own task hub and Cosmos database,
/// and a pipeline client on the same names to watch what the host does (the client runs no worker of its own).
/// </summary>
internal static class StandaloneHostProcess
{
    public static string RepositoryRoot { get; } = DevServices.RepositoryRoot.Find();

    public static Process Start(DevServicesFixture services, string taskHub, string database, Uri paymentRail)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "src", "RuralLoans.Host", "bin", "Debug", "net10.0", "RuralLoans.Host.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["RURALLOANS_ROOT"] = RepositoryRoot;
        start.Environment["AzureWebJobsStorage"] = services.StorageConnectionString;
        start.Environment["CosmosDbConnection"] = services.Endpoints.CosmosConnectionString;
        start.Environment["CosmosDbDatabase"] = database;
        start.Environment["TaskHubName"] = taskHub;
        start.Environment["PaymentRailUrl"] = paymentRail.ToString();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the host");
        // Drain the host's output so a full pipe never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static Task<PipelineRuntime> ObserveAsync(DevServicesFixture services, string taskHub, string database, HttpClient railHttp, CancellationToken ct) =>
        PipelineRuntime.StartAsync(new PipelineOptions
        {
            StorageConnectionString = services.StorageConnectionString,
            Cosmos = CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString),
            CosmosDatabase = database,
            TaskHubName = taskHub,
            Ocr = new OcrOptions(),
            PaymentRail = new HttpPaymentRail(railHttp),
            ConfigDirectory = Path.Combine(RepositoryRoot, "config"),
            RunWorker = false,
        }, ct);
}
