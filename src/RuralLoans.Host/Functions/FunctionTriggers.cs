namespace RuralLoans.Host.Functions;

/// <summary>
/// What starts a background function. The Function App declares the same triggers with attributes
/// (src/RuralLoans.Functions); standalone mode serves them with its own poller and timer.
/// </summary>
public abstract record FunctionTrigger;

/// <summary>A blob container watched for new blobs (Event Grid in Azure, polling standalone).</summary>
public sealed record BlobTrigger(string Container) : FunctionTrigger;

/// <summary>A six-field NCRONTAB schedule, as Azure Functions timers use.</summary>
public sealed record TimerTrigger(string Schedule) : FunctionTrigger;
