using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RuralLoans.Host.Functions;

/// <summary>
/// One function of the app, declared once: its name, its trigger, and (for everything but HTTP, which is forwarded
/// to the ASP.NET Core endpoint as it is) the work it does. The Functions host triggers it through the custom-handler
/// protocol; standalone mode triggers the same handler from its own listeners.
/// </summary>
public sealed partial record FunctionDeclaration
{
    public FunctionDeclaration(string name, FunctionTrigger trigger, FunctionHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (!NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid Functions function name (a letter, then up to 127 letters, digits, '_' or '-').", nameof(name));
        }
        if (trigger is HttpTrigger != (handler is null))
        {
            throw new ArgumentException($"Function '{name}': HTTP functions are forwarded to their endpoint and take no handler; every other trigger needs one.", nameof(handler));
        }
        Name = name;
        Trigger = trigger;
        Handler = handler;
    }

    public string Name { get; }

    public FunctionTrigger Trigger { get; }

    public FunctionHandler? Handler { get; }

    /// <summary>The function.json the Functions host reads for this function.</summary>
    public JsonObject ToFunctionJson() => new() { ["bindings"] = new JsonArray([.. Trigger.ToBindings()]) };

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

    /// <summary>Lines returned to the Functions host with the result (they land in the invocation's logs).</summary>
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

/// <param name="DequeueCount">How many times the message has been delivered, this delivery included.</param>
public sealed record QueueMessageEvent(
    string MessageId,
    string Body,
    long DequeueCount,
    string? PopReceipt = null,
    DateTimeOffset? InsertionTime = null,
    DateTimeOffset? ExpirationTime = null,
    DateTimeOffset? NextVisibleTime = null) : TriggerEvent;

public sealed record BlobEvent(string Container, string BlobName, long? Length = null, string? ETag = null, string? ContentType = null) : TriggerEvent;

public sealed record TimerEvent(bool IsPastDue, DateTimeOffset? Last = null, DateTimeOffset? Next = null) : TriggerEvent;
