using System.Globalization;
using System.Text.Json.Nodes;
using RuralLoans.TaskHub;

namespace RuralLoans.Host.Configuration;

/// <summary>
/// Reads host.json's <c>extensions.durableTask</c> section — what the Function App's Durable extension reads in Azure —
/// into the local task hub's settings, so both hosts poll, lease and cache the same way from one file.
/// </summary>
public static class DurableTaskHostJson
{
    public const string FileName = "host.json";

    /// <summary>The settings host.json names for this hub; the product's defaults where it is silent or absent.</summary>
    /// <exception cref="SettingsException">host.json exists but a durableTask value is not what Durable Functions accepts.</exception>
    public static TaskHubSettings Read(string path, string hubName)
    {
        var settings = new TaskHubSettings { HubName = hubName };
        if (!File.Exists(path))
        {
            return settings;
        }
        JsonNode? durable;
        try
        {
            durable = JsonNode.Parse(File.ReadAllText(path))?["extensions"]?["durableTask"];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new SettingsException([$"{path}: not valid JSON ({e.Message})."]);
        }
        if (durable is null)
        {
            return settings;
        }
        var provider = durable["storageProvider"];
        var problems = new List<string>();
        settings = settings with
        {
            PartitionCount = Int(provider?["partitionCount"], "storageProvider.partitionCount", settings.PartitionCount, 1, 16, problems),
            MaxQueuePollingInterval = Time(provider?["maxQueuePollingInterval"], "storageProvider.maxQueuePollingInterval", settings.MaxQueuePollingInterval, problems),
            VisibilityTimeout = Time(provider?["workItemQueueVisibilityTimeout"], "storageProvider.workItemQueueVisibilityTimeout", settings.VisibilityTimeout, problems),
            ExtendedSessionsEnabled = durable["extendedSessionsEnabled"]?.GetValue<bool>() ?? settings.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(Int(durable["extendedSessionIdleTimeoutInSeconds"], "extendedSessionIdleTimeoutInSeconds",
                (int)settings.ExtendedSessionIdleTimeout.TotalSeconds, 1, 3600, problems)),
            MaxConcurrentActivities = Int(durable["maxConcurrentActivityFunctions"], "maxConcurrentActivityFunctions", settings.MaxConcurrentActivities, 1, 1000, problems),
            MaxConcurrentOrchestrations = Int(durable["maxConcurrentOrchestratorFunctions"], "maxConcurrentOrchestratorFunctions", settings.MaxConcurrentOrchestrations, 1, 1000, problems),
        };
        return problems.Count == 0 ? settings : throw new SettingsException([.. problems.Select(p => $"{path}: extensions.durableTask.{p}")]);
    }

    private static int Int(JsonNode? node, string name, int fallback, int min, int max, List<string> problems)
    {
        if (node is null)
        {
            return fallback;
        }
        if (node.GetValueKind() == System.Text.Json.JsonValueKind.Number && node.GetValue<int>() is var value && value >= min && value <= max)
        {
            return value;
        }
        problems.Add($"{name} must be a whole number from {min} to {max}.");
        return fallback;
    }

    private static TimeSpan Time(JsonNode? node, string name, TimeSpan fallback, List<string> problems)
    {
        if (node is null)
        {
            return fallback;
        }
        if (node.GetValueKind() == System.Text.Json.JsonValueKind.String
            && TimeSpan.TryParse(node.GetValue<string>(), CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }
        problems.Add($"{name} must be a positive time span such as \"00:00:01\".");
        return fallback;
    }
}
