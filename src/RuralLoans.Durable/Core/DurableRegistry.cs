namespace RuralLoans.Durable.Core;

/// <summary>Orchestrators and activities by name. Names are case-sensitive and unique per kind.</summary>
public sealed class DurableRegistry
{
    private readonly Dictionary<string, Func<OrchestrationContext, Task<string?>>> orchestrators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<TaskActivityContext, Task<string?>>> activities = new(StringComparer.Ordinal);

    public DurableRegistry AddOrchestrator<TInput, TOutput>(string name, Func<OrchestrationContext, TInput?, Task<TOutput>> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        orchestrators.Add(name, async context => DurableJson.Serialize(await orchestrator(context, context.GetInput<TInput>())));
        return this;
    }

    public DurableRegistry AddActivity<TInput, TOutput>(string name, Func<TaskActivityContext, TInput?, Task<TOutput>> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        activities.Add(name, async context => DurableJson.Serialize(await activity(context, context.GetInput<TInput>()).ConfigureAwait(false)));
        return this;
    }

    public DurableRegistry AddActivity<TInput, TOutput>(string name, Func<TaskActivityContext, TInput?, TOutput> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        activities.Add(name, context => Task.FromResult(DurableJson.Serialize(activity(context, context.GetInput<TInput>()))));
        return this;
    }

    public bool HasOrchestrator(string name) => orchestrators.ContainsKey(name);

    internal Func<OrchestrationContext, Task<string?>>? FindOrchestrator(string name) => orchestrators.GetValueOrDefault(name);

    internal Func<TaskActivityContext, Task<string?>>? FindActivity(string name) => activities.GetValueOrDefault(name);
}
