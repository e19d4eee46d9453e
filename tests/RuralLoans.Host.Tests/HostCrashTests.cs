using System.Diagnostics;
using RuralLoans.Domain.Disbursements;
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
/// Real host processes on shared storage: one is killed (SIGKILL) at the worst moment — the rail has paid but the host
/// never heard back — and a fresh host must finish the application with nothing lost and nothing paid twice.
/// </summary>
public sealed class HostCrashTests(DevServicesFixture services) : IAsyncLifetime
{
    private readonly string _taskHub = "Crash" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _database = UniqueNames.CosmosDatabase("crash");
    private readonly List<Process> _hosts = [];
    private RailSimulator _rail = null!;

    public async ValueTask InitializeAsync() => _rail = await RailSimulator.StartAsync(ct: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Where(h => !h.HasExited))
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
        await _rail.DisposeAsync();
    }

    [Fact]
    public async Task A_host_killed_right_after_the_payout_is_resumed_by_another_and_the_borrower_is_paid_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = StartHost();
        _rail.PayoutCommitted += _ => first.Kill(entireProcessTree: true);

        using var railHttp = new HttpClient { BaseAddress = _rail.BaseAddress };
        await using var client = await StandaloneHostProcess.ObserveAsync(services, _taskHub, _database, railHttp, ct);
        var form = await File.ReadAllBytesAsync(Path.Combine(RepositoryRoot, "samples", "demo", "01-approved-310.png"), ct);
        var submitted = await client.Intake.SubmitAsync(new SubmitApplication("MFI001", "farm-310", form), ct);

        Assert.True(await client.AcceptContractWhenOfferedAsync(submitted.ApplicationId, TimeSpan.FromSeconds(120), ct), "the borrower was offered no contract");
        await first.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(120), ct);
        Assert.Single(_rail.CommittedPayouts);
        var afterCrash = await client.Client.GetInstanceAsync(submitted.ApplicationId, getInputsAndOutputs: true, ct);
        Assert.Equal(OrchestrationRuntimeStatus.Running, afterCrash!.RuntimeStatus);

        StartHost();
        var done = await client.Client.WaitForCompletionAsync(submitted.ApplicationId, TimeSpan.FromSeconds(120), ct);

        var outcome = done.ReadOutputAs<ApplicationOutcome>()!;
        Assert.Equal(ApplicationStage.Disbursed, outcome.Stage);
        Assert.Equal(30_000m, Assert.Single(_rail.CommittedPayouts).Value);
        var transfer = await client.Ledger.FindAsync(outcome.DisbursementId!, ct);
        Assert.True(BalanceChecker.Check([transfer!]).IsBalanced);
        var transfers = new List<LedgerTransfer>();
        await foreach (var t in client.Ledger.ReadAllAsync(ct))
        {
            transfers.Add(t);
        }
        // Booked once: the payout and its lenders' funding (docs/ledger.md).
        Assert.Equal([outcome.DisbursementId!, outcome.DisbursementId + "/funding"], transfers.Select(t => t.TransferId).Order(StringComparer.Ordinal));
        var audit = await client.Auditor.AuditAsync(submitted.ApplicationId, ct);
        Assert.True(audit.Verified, string.Join("; ", audit.Steps.Select(s => $"{s.Name}: {s.Status} {s.Difference}")));
    }

    private Process StartHost()
    {
        var process = StandaloneHostProcess.Start(services, _taskHub, _database, _rail.BaseAddress);
        _hosts.Add(process);
        return process;
    }

    private static string RepositoryRoot => StandaloneHostProcess.RepositoryRoot;
}
