using System.Text.RegularExpressions;

namespace RuralLoans.Host.Functions;

/// <summary>
/// One background function of the app, declared once: its name, its trigger and the work it does. The Function App
/// exposes a function of the same name; standalone mode triggers the same handler from its own listeners.
/// </summary>
public sealed partial record FunctionDeclaration
{
    public FunctionDeclaration(string name, FunctionTrigger trigger, FunctionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(handler);
        if (!NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid Functions function name (a letter, then up to 127 letters, digits, '_' or '-').", nameof(name));
        }
        Name = name;
        Trigger = trigger;
        Handler = handler;
    }

    public string Name { get; }

    public FunctionTrigger Trigger { get; }

    public FunctionHandler Handler { get; }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex NamePattern();
}

/// <summary>Does a function's work. Throwing fails the invocation, which the trigger retries (queues) or reports.</summary>
public delegate Task FunctionHandler(FunctionInvocation invocation, CancellationToken cancellationToken);

/// <summary>One call of a function, however it was triggered.</summary>
public sealed class FunctionInvocation(string functionName, TriggerEvent trigger, IServiceProvider services)
{
    private readonly List<string> _logs = [];

    public string FunctionName { get; } = functionName;

    public TriggerEvent Trigger { get; } = trigger;

    public IServiceProvider Services { get; } = services;

    /// <summary>What the invocation did, in lines for the host's log.</summary>
    public IReadOnlyList<string> Logs
    {
        get
        {
            lock (_logs)
            {
                return [.. _logs];
            }
        }
    }

    public void Log(string line)
    {
        lock (_logs)
        {
            _logs.Add(line);
        }
    }
}

/// <summary>What started an invocation, parsed from the trigger's data and metadata.</summary>
public abstract record TriggerEvent;

public sealed record BlobEvent(string Container, string BlobName, long? Length = null, string? ETag = null, string? ContentType = null) : TriggerEvent;

public sealed record TimerEvent(bool IsPastDue, DateTimeOffset? Last = null, DateTimeOffset? Next = null) : TriggerEvent;
