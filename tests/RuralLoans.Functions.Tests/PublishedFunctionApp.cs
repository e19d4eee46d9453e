using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using RuralLoans.DevServices;

namespace RuralLoans.Functions.Tests;

/// <summary>
/// The Function App as `dotnet publish` lays it out, published once for all tests in this assembly: functions.metadata,
/// extensions.json, .azurefunctions/, host.json and config/. Restore is not repeated (the test build restored the app),
/// so this works without a network.
/// </summary>
public sealed class PublishedFunctionApp : IAsyncLifetime
{
    public static string Root { get; } = RepositoryRoot.Find();

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "ruralloans-functions-publish-" + Environment.ProcessId);

    public JsonArray Metadata { get; private set; } = [];

    public JsonNode Extensions { get; private set; } = new JsonObject();

    public async ValueTask InitializeAsync()
    {
        var configuration = typeof(PublishedFunctionApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BuildConfiguration").Value!;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (var argument in new[] { "publish", Path.Combine("src", "RuralLoans.Functions", "RuralLoans.Functions.csproj"), "-c", configuration, "-o", Folder, "--no-restore", "-nologo", "-v", "quiet" })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(9));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of the Function App failed ({process.ExitCode}):\n{await output}\n{await errors}");
        }
        Metadata = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, "functions.metadata")))!.AsArray();
        Extensions = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, "extensions.json")))!;
    }

    /// <summary>Each function's name and its trigger binding.</summary>
    public IReadOnlyDictionary<string, JsonObject> Triggers => Metadata
        .Select(f => f!.AsObject())
        .ToDictionary(f => (string)f["name"]!, f => f["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => ((string)b["type"]!).EndsWith("Trigger", StringComparison.Ordinal)));

    public IEnumerable<string> NamesWithTrigger(string type) => Triggers.Where(t => (string)t.Value["type"]! == type).Select(t => t.Key);

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
