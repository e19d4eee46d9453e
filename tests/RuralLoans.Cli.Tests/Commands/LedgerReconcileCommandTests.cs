using System.Text.Json;
using Microsoft.Azure.Cosmos;
using RuralLoans.Cli.Commands;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Payments;
using RuralLoans.Payments.Simulator;
using RuralLoans.Storage;
using RuralLoans.Storage.Ledger;
using RuralLoans.Testing;

namespace RuralLoans.Cli.Tests.Commands;

/// <summary>
/// `ledger reconcile` reads the rail's listing and the Cosmos ledger and proves the settlement account matches the
/// rail's settled payouts: exit 0 when it does, non-zero with every difference listed when it does not.
/// </summary>
public sealed class LedgerReconcileCommandTests(DevServicesFixture services) : IClassFixture<DevServicesFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private ScratchCosmosDatabase _cosmos = null!;
    private RailSimulator _rail = null!;
    private HttpClient _http = null!;
    private LedgerStore _ledger = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _cosmos = await ScratchCosmosDatabase.CreateAsync(CosmosClients.FromConnectionString(services.Endpoints.CosmosConnectionString), "reconcile", ct);
        _ledger = new LedgerStore(await _cosmos.ContainerAsync("/transferId", ct));
        _rail = await RailSimulator.StartAsync(ct: ct);
        _http = new HttpClient { BaseAddress = _rail.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _rail.DisposeAsync();
        await _cosmos.DisposeAsync();
    }

    private HttpPaymentRail Rail() => new(_http);

    private async Task PayAsync(string application, decimal amount, PayoutScript script)
    {
        var key = new DisbursementKey(application, 1).Value;
        _rail.Script(key, script);
        await Rail().PayOnceAsync(new PayoutRequest(key, amount, "MFI001:abc", "张三", "RuralLoans " + application), TestContext.Current.CancellationToken);
    }

    private async Task BookAsync(string application, decimal amount)
    {
        var paid = Disbursement.Approve(new DisbursementKey(application, 1), amount).StartPayout(Now).MarkDisbursed("po", Now);
        PayoutShare[] shares = [new("MFI001", 3_000m), new("BANK-RCB", amount - 3_000m)];
        await _ledger.PostAsync(DisbursementPostings.ForFunding(paid, shares, Now), TestContext.Current.CancellationToken);
        await _ledger.PostAsync(DisbursementPostings.ForPayout(paid, shares, Now), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_ledger_that_books_exactly_the_settled_payouts_reconciles_and_exits_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        await PayAsync("MFI001-ok1", 10_000m, PayoutScript.Settle);
        await PayAsync("MFI001-ok2", 8_000m, PayoutScript.Settle);
        await PayAsync("MFI001-no3", 5_000m, PayoutScript.Fail());
        await BookAsync("MFI001-ok1", 10_000m);
        await BookAsync("MFI001-ok2", 8_000m);
        using var output = new StringWriter();

        var exit = await LedgerCommand.ReconcileAsync(Rail(), _ledger, asJson: false, output, ct);

        Assert.True(exit == 0, output.ToString());
        Assert.Contains("2 settled for ¥18,000.00", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Reconciled", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_difference_between_the_rail_and_the_ledger_is_listed_and_the_exit_code_is_non_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        await PayAsync("MFI001-paid", 10_000m, PayoutScript.Settle);
        await PayAsync("MFI001-failed", 6_000m, PayoutScript.Fail("AC04", "ClosedAccountNumber"));
        await BookAsync("MFI001-failed", 6_000m);
        using var output = new StringWriter();

        var exit = await LedgerCommand.ReconcileAsync(Rail(), _ledger, asJson: true, output, ct);

        Assert.Equal(LedgerCommand.DifferencesExitCode, exit);
        using var json = JsonDocument.Parse(output.ToString());
        Assert.False(json.RootElement.GetProperty("reconciled").GetBoolean());
        var differences = json.RootElement.GetProperty("differences").EnumerateArray()
            .ToDictionary(d => d.GetProperty("key").GetString()!, d => d.GetProperty("kind").GetString());
        Assert.Equal("SettledNotBooked", differences["MFI001-paid/tranche-1"]);
        Assert.Equal("BookedNotSettled", differences["MFI001-failed/tranche-1"]);
    }
}
