namespace RuralLoans.DevServices;

/// <summary>The dev services could not be installed, started or stopped; the message says what to do.</summary>
public sealed class DevServicesException : Exception
{
    public DevServicesException()
    {
    }

    public DevServicesException(string message)
        : base(message)
    {
    }

    public DevServicesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
