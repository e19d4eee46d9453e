using Azure;
using Azure.Data.Tables;
using RuralLoans.Durable.Core;

namespace RuralLoans.Durable.Host;

/// <summary>The orchestrations the benchmark and the chaos run drive; shared by the driver and its host processes.</summary>
internal static class Workloads
{
    public const string Chain = "Chain5";
    public const string FanOut = "FanOut20";
    public const string Noop = "Noop";
    public const string ChaosLoan = "ChaosLoan";

    public static DurableRegistry Create(string storageConnectionString, string taskHub)
    {
        var effects = EffectsTable(storageConnectionString, taskHub);
        return new DurableRegistry()
            .AddActivity<int, int>("Work", (_, value) => value + 1)
            .AddOrchestrator<int, int>(Chain, async (context, value) =>
            {
                for (var step = 0; step < 5; step++)
                {
                    value = await context.CallActivityAsync<int>("Work", value);
                }

                return value;
            })
            .AddOrchestrator<int, int>(FanOut, async (context, width) =>
                (await Task.WhenAll(Enumerable.Range(0, width).Select(index => context.CallActivityAsync<int>("Work", index)))).Sum())
            .AddOrchestrator<int, int>(Noop, (_, value) => Task.FromResult(value))
            .AddActivity<DisbursementStep, string>("Disburse", (context, step) => DisburseAsync(effects, context, step!))
            .AddOrchestrator<string, int>(ChaosLoan, async (context, loan) =>
            {
                await context.CallActivityAsync<string>("Disburse", new DisbursementStep(loan!, 1));
                await context.CreateTimer(context.CurrentUtcDateTime.AddMilliseconds(500));
                await Task.WhenAll(Enumerable.Range(2, 3).Select(step => context.CallActivityAsync<string>("Disburse", new DisbursementStep(loan!, step))));
                await context.CallActivityAsync<string>("Disburse", new DisbursementStep(loan!, 5));
                return ChaosSteps;
            });
    }

    public const int ChaosSteps = 5;

    public static TableClient EffectsTable(string storageConnectionString, string taskHub) =>
        new(storageConnectionString, $"{new string(taskHub.Where(char.IsLetterOrDigit).ToArray())}Effects");

    /// <summary>
    /// The outside effect, written the way activity authors are told to: one row per business step,
    /// claimed with the idempotency key. A claim by a different key means the step really ran twice.
    /// </summary>
    private static async Task<string> DisburseAsync(TableClient effects, TaskActivityContext context, DisbursementStep step)
    {
        var claim = new TableEntity(step.Loan, $"step{step.Step}") { ["IdempotencyKey"] = context.IdempotencyKey };
        try
        {
            await effects.AddEntityAsync(claim, context.CancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException conflict) when (conflict.Status == 409)
        {
            var existing = await effects.GetEntityAsync<TableEntity>(step.Loan, $"step{step.Step}", cancellationToken: context.CancellationToken).ConfigureAwait(false);
            if (existing.Value.GetString("IdempotencyKey") != context.IdempotencyKey)
            {
                await effects.AddEntityAsync(new TableEntity(step.Loan, $"duplicate-{Guid.NewGuid():N}") { ["Step"] = step.Step }, context.CancellationToken).ConfigureAwait(false);
            }
        }

        return $"{step.Loan}/{step.Step}";
    }
}

internal sealed record DisbursementStep(string Loan, int Step);
