namespace RuralLoans.Durable.Core;

/// <summary>Why a task, sub-orchestration or instance failed, in a form that survives serialization.</summary>
public sealed record FailureDetails(string ErrorType, string Message, string? StackTrace = null, FailureDetails? Inner = null)
{
    public static FailureDetails FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var inner = exception switch
        {
            DurableTaskFailedException taskFailure => taskFailure.Failure,
            _ when exception.InnerException is not null => FromException(exception.InnerException),
            _ => null,
        };
        return new FailureDetails(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, inner);
    }

    public override string ToString() => Inner is null ? $"{ErrorType}: {Message}" : $"{ErrorType}: {Message} ---> {Inner}";
}
