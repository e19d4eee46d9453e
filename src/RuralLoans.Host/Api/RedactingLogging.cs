using System.Collections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RuralLoans.Host.Api;

/// <summary>
/// Every logger the host hands out masks resident IDs and phone numbers in messages, structured values, scopes and
/// exceptions before any provider (console, Application Insights, a test's capture) sees them. Done at the factory so
/// that providers added later, and the pipeline's own loggers, are covered without each call site remembering.
/// </summary>
public static class RedactingLogging
{
    public static IServiceCollection AddPersonalDataRedaction(this IServiceCollection services)
    {
        services.RemoveAll<ILoggerFactory>();
        services.AddSingleton<ILoggerFactory>(provider => new RedactingLoggerFactory(ActivatorUtilities.CreateInstance<LoggerFactory>(provider)));
        return services;
    }
}

public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(RedactedState.Of(state));

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }
            var message = PersonalData.Redact(formatter(state, exception));
            var redacted = RedactedState.Of(state, message);
            inner.Log(logLevel, eventId, redacted, exception is null ? null : new RedactedException(exception), static (s, _) => s.ToString()!);
        }
    }

    /// <summary>The structured values with strings masked; ToString is the masked message.</summary>
    private sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public static RedactedState Of<TState>(TState state, string? message = null)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.Select(p => new KeyValuePair<string, object?>(p.Key, RedactValue(p.Key, p.Value))).ToList()
                : [];
            return new RedactedState(values, message ?? PersonalData.Redact(state?.ToString()));
        }

        private static object? RedactValue(string key, object? value) => value switch
        {
            // The original template stays as written so providers can still group by it.
            _ when key == "{OriginalFormat}" => value,
            null => null,
            string text => PersonalData.Redact(text),
            IEnumerable items and not string => PersonalData.Redact(string.Join(", ", items.Cast<object?>())),
            _ => PersonalData.Redact(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)) is var text
                && text == Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ? value : text,
        };

        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}

/// <summary>An exception as logs show it, with personal data masked in its message and stack.</summary>
public sealed class RedactedException(Exception original) : Exception(PersonalData.Redact(original.Message))
{
    public string OriginalType { get; } = original.GetType().FullName ?? original.GetType().Name;

    public override string? StackTrace => PersonalData.Redact(original.StackTrace);

    public override string ToString() => PersonalData.Redact(original.ToString());
}
