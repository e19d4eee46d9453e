namespace RuralLoans.Durable.Core;

/// <summary>
/// Retry policy for activities and sub-orchestrations. Retries are driven by durable timers inside the
/// orchestration, so a backoff survives host restarts and every attempt is its own task in history.
/// </summary>
public sealed record RetryOptions(int MaxAttempts, TimeSpan FirstRetryInterval)
{
    public double BackoffCoefficient { get; init; } = 2.0;

    public TimeSpan MaxRetryInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Decides whether a failure is worth another attempt; all failures are retried when null.</summary>
    public Func<FailureDetails, bool>? Handle { get; init; }

    internal TimeSpan DelayBeforeAttempt(int nextAttempt)
    {
        var exponent = nextAttempt - 2;
        var delay = FirstRetryInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, exponent);
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryInterval.TotalMilliseconds));
    }
}
