using Microsoft.DurableTask;

namespace RuralLoans.TaskHub;

/// <summary>
/// The orchestrators and activities a task hub runs, by name. Orchestrators are created afresh for every episode:
/// the shim that adapts one to the engine keeps per-execution state.
/// </summary>
public sealed class TaskRegistry
{
    private readonly Dictionary<string, Func<ITaskOrchestrator>> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ITaskActivity> _activities = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, Func<ITaskOrchestrator>> Orchestrators => _orchestrators;

    public IReadOnlyDictionary<string, ITaskActivity> Activities => _activities;

    public TaskRegistry AddOrchestrator<TInput, TOutput>(string name, Func<TaskOrchestrationContext, TInput, Task<TOutput>> run)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(run);
        _orchestrators.Add(name, () => FuncTaskOrchestrator.Create(run));
        return this;
    }

    public TaskRegistry AddActivity<TInput, TOutput>(string name, Func<TaskActivityContext, TInput, Task<TOutput>> run)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(run);
        _activities.Add(name, FuncTaskActivity.Create(run));
        return this;
    }
}
