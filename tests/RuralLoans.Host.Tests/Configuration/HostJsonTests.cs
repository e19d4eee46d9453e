using RuralLoans.Host.Configuration;

namespace RuralLoans.Host.Tests.Configuration;

/// <summary>host.json's durableTask section drives the local task hub exactly as it drives the Function App's.</summary>
public sealed class HostJsonTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"host-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void The_durable_task_section_of_host_json_drives_the_local_task_hub()
    {
        File.WriteAllText(_path, """
            { "version": "2.0", "extensions": { "durableTask": {
                "storageProvider": { "partitionCount": 2, "maxQueuePollingInterval": "00:00:00.250", "workItemQueueVisibilityTimeout": "00:01:00" },
                "extendedSessionsEnabled": false, "maxConcurrentActivityFunctions": 4 } } }
            """);

        var settings = DurableTaskHostJson.Read(_path, "TestHub");

        Assert.Equal("TestHub", settings.HubName);
        Assert.Equal(2, settings.PartitionCount);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.MaxQueuePollingInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.VisibilityTimeout);
        Assert.False(settings.ExtendedSessionsEnabled);
        Assert.Equal(4, settings.MaxConcurrentActivities);
    }

    [Fact]
    public void A_malformed_interval_is_named()
    {
        File.WriteAllText(_path, """{ "extensions": { "durableTask": { "storageProvider": { "maxQueuePollingInterval": "soon" } } } }""");

        var error = Assert.Throws<SettingsException>(() => DurableTaskHostJson.Read(_path, "TestHub"));

        Assert.Contains("maxQueuePollingInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_committed_host_json_polls_within_a_second_on_one_partition_with_short_visibility()
    {
        var root = DevServices.RepositoryRoot.Find();

        var settings = DurableTaskHostJson.Read(Path.Combine(root, DurableTaskHostJson.FileName), "RuralLoansHub");

        Assert.InRange(settings.MaxQueuePollingInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        Assert.Equal(1, settings.PartitionCount);
        Assert.InRange(settings.VisibilityTimeout, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2));
        Assert.True(settings.ExtendedSessionsEnabled);
    }
}
