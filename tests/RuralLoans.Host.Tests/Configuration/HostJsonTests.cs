using RuralLoans.Durable;
using RuralLoans.Host.Configuration;

namespace RuralLoans.Host.Tests.Configuration;

public sealed class HostJsonTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"host-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void The_queue_settings_of_host_json_drive_the_standalone_listener()
    {
        File.WriteAllText(_path, """
            { "version": "2.0", "extensions": { "queues": { "batchSize": 8, "maxDequeueCount": 3, "visibilityTimeout": "00:00:02", "maxPollingInterval": "00:00:00.250" } } }
            """);
        var options = new EngineOptions { StorageConnectionString = "UseDevelopmentStorage=true" };

        HostJson.ApplyQueueSettings(_path, options);

        Assert.Equal(TimeSpan.FromMilliseconds(250), options.MaxPollingInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FailedMessageRetryDelay);
        Assert.Equal(3, options.MaxDequeueCount);
        Assert.Equal(8, options.ControlBatchSize);
    }

    [Fact]
    public void A_malformed_interval_is_named()
    {
        File.WriteAllText(_path, """{ "extensions": { "queues": { "maxPollingInterval": "soon" } } }""");

        var error = Assert.Throws<SettingsException>(() => HostJson.ApplyQueueSettings(_path, new EngineOptions { StorageConnectionString = "x" }));

        Assert.Contains("maxPollingInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_committed_host_json_keeps_polling_short_and_poison_handling_bounded()
    {
        var root = DevServices.RepositoryRoot.Find();
        var options = new EngineOptions { StorageConnectionString = "x" };

        HostJson.ApplyQueueSettings(Path.Combine(root, HostJson.FileName), options);

        Assert.InRange(options.MaxPollingInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        Assert.InRange(options.MaxDequeueCount, 2, 10);
    }
}
