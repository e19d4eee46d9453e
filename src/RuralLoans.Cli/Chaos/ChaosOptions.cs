using RuralLoans.TaskHub;

namespace RuralLoans.Cli.Chaos;

/// <summary>What one chaos run does: how many hosts, applications and kills, and the task hub settings every host uses.</summary>
public sealed record ChaosOptions
{
    public int Hosts { get; init; } = 3;

    public int Applications { get; init; } = 200;

    public int Kills { get; init; } = 20;

    /// <summary>Seeds the choice of victims, kill moments and duplicated messages, so a failing run can be repeated.</summary>
    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>Control-queue partitions: more than one, so partitions move between hosts when their owner dies.</summary>
    public int Partitions { get; init; } = 4;

    /// <summary>Short, so a killed host's messages and leases pass to the others within seconds rather than minutes.</summary>
    /// <summary>
    /// Short, so a killed host's messages and leases pass to the others within seconds rather than minutes; not so
    /// short that a slow, just-started host (JIT, a busy machine) loses a message it is still processing.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan LeaseInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Our settings keep sessions in memory between episodes; off runs the chaos against the provider's default.</summary>
    public bool ExtendedSessions { get; init; } = true;

    /// <summary>
    /// After the last kill: unfinished applications count as stuck once none has finished for this long (or after six
    /// times this in all).
    /// </summary>
    public TimeSpan QuiescenceTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The mean pause between kills; submissions are spread over the same window so kills land mid-flight.</summary>
    public TimeSpan MeanKillInterval { get; init; } = TimeSpan.FromSeconds(2.5);

    /// <summary>Copies of queue messages sent per injection round (about one round a second while work is in flight).</summary>
    public int DuplicatesPerRound { get; init; } = 2;

    public TaskHubSettings TaskHubSettings(string hubName) => PipelineTaskHub(hubName) with
    {
        PartitionCount = Partitions,
        VisibilityTimeout = VisibilityTimeout,
        LeaseInterval = LeaseInterval,
        ExtendedSessionsEnabled = ExtendedSessions,
    };

    private static TaskHubSettings PipelineTaskHub(string hubName) => Pipeline.PipelineRuntime.LocalTaskHubSettings(hubName);

    public void Validate()
    {
        if (Hosts < 1 || Applications < 1 || Kills < 0 || Partitions is < 1 or > 16 || DuplicatesPerRound < 0)
        {
            throw new ArgumentException("chaos needs at least one host and one application, no negative kills or duplicates, and 1–16 partitions.");
        }
    }
}
