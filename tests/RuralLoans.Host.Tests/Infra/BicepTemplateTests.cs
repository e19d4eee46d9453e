using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using RuralLoans.DevServices;
using RuralLoans.Host.Configuration;
using RuralLoans.Ocr;
using RuralLoans.Host.Functions;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Infra;

/// <summary>
/// infra/ compiles and lints with the Bicep CLI restored from NuGet (no Azure account), creates what the code uses,
/// and gives the app settings the code reads, all identity-based.
/// </summary>
public sealed class BicepTemplateTests
{
    private static readonly string Root = RepositoryRoot.Find();
    private static readonly string Infra = Path.Combine(Root, "infra");
    private const string ContractFile = "app-contract.json";
    private const string PollOverride = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval";
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    [Fact]
    public async Task The_templates_build_and_lint_without_a_warning()
    {
        var ct = TestContext.Current.CancellationToken;

        var lint = await BicepAsync(ct, "lint", Path.Combine(Infra, "main.bicep"));
        var build = await BicepAsync(ct, "build", Path.Combine(Infra, "main.bicep"), "--stdout");

        Assert.True(lint.ExitCode == 0 && lint.Errors.Trim().Length == 0, "bicep lint: " + lint.Errors + lint.Output);
        Assert.True(build.ExitCode == 0 && build.Errors.Trim().Length == 0, "bicep build: " + build.Errors);
        foreach (var parameters in new[] { "main.dev.bicepparam", "main.prod.bicepparam" })
        {
            var built = await BicepAsync(ct, "build-params", Path.Combine(Infra, parameters), "--stdout");
            Assert.True(built.ExitCode == 0 && built.Errors.Trim().Length == 0, $"bicep build-params {parameters}: " + built.Errors);
        }
    }

    [Fact]
    public void The_committed_contract_is_what_the_code_uses()
    {
        var settings = SettingsLoader.Load(Root, new Dictionary<string, string?>());
        var partners = PartnerDirectory.Load(Path.Combine(Root, "config", "partners.json")).MicrofinancePartners.Select(p => p.Id).ToList();
        var inboxes = BackgroundFunctions.Declare(partners)
            .Where(f => f.Trigger is BlobTrigger)
            .Select(f => new JsonObject { ["function"] = f.Name, ["container"] = ((BlobTrigger)f.Trigger).Container })
            .OrderBy(f => (string)f["function"]!, StringComparer.Ordinal)
            .ToList();
        var expected = new JsonObject
        {
            ["taskHubName"] = settings.TaskHubName,
            ["blobContainers"] = new JsonArray([.. new[] { PipelineRuntime.DocumentsContainer }.Concat(inboxes.Select(i => (string)i["container"]!)).Order(StringComparer.Ordinal).Select(c => (JsonNode)c)]),
            ["blobDropFunctions"] = new JsonArray([.. inboxes]),
            ["auditJournalContainer"] = RuralLoans.Storage.Journal.AuditJournal.ContainerName,
            ["cosmosDatabase"] = settings.CosmosDatabase,
            ["cosmosContainers"] = new JsonArray([.. PipelineRuntime.CosmosContainers.OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => (JsonNode)new JsonObject { ["name"] = c.Key, ["partitionKey"] = c.Value })]),
        };

        var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(Infra, ContractFile)));
        Assert.True(JsonNode.DeepEquals(expected, committed), $"infra/{ContractFile} differs from what the code uses; it should read:\n" + expected.ToJsonString(Indented));
    }

    [Fact]
    public void The_task_hub_is_named_by_the_setting_both_hosts_read()
    {
        var durable = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!["extensions"]!["durableTask"]!;

        Assert.Equal("%TaskHubName%", (string?)durable["hubName"]);
        Assert.Equal("AzureWebJobsStorage", (string?)durable["storageProvider"]!["connectionName"]);
        // The standalone host resolves the same name from the same setting.
        var settings = SettingsLoader.Load(Root, new Dictionary<string, string?> { ["TaskHubName"] = "OtherHub" });
        Assert.Equal("OtherHub", settings.TaskHub!.HubName);
    }

    [Fact]
    public async Task The_template_creates_every_name_in_the_contract_and_nothing_expires()
    {
        var template = await BuildTemplateAsync();
        var contract = JsonNode.Parse(File.ReadAllText(Path.Combine(Infra, ContractFile)))!;

        // loadJsonContent inlines the file (behind a generated variable): the template's names are the contract's.
        var variables = template["variables"]!;
        var loaded = variables["contract"];
        if (loaded is JsonValue reference && ((string?)reference)?.StartsWith("[variables('", StringComparison.Ordinal) == true)
        {
            loaded = variables[((string)reference!)["[variables('".Length..^"')]".Length]];
        }
        Assert.True(JsonNode.DeepEquals(contract, loaded), $"main.bicep does not load {ContractFile} as its 'contract'.");
        var resources = Resources(template);
        Assert.Contains(resources, r => Type(r) == "Microsoft.Storage/storageAccounts/blobServices/containers" && Copies(r, "contract').blobContainers"));
        // The audit journal is write-once: a time-based retention policy that still lets the app append.
        Assert.Contains(resources, r => Type(r) == "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies"
            && r["properties"]?["allowProtectedAppendWrites"]?.GetValue<bool>() == true);
        var cosmosContainers = Assert.Single(resources, r => Type(r) == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");
        Assert.True(Copies(cosmosContainers, "contract').cosmosContainers"));
        Assert.Contains("partitionKey", cosmosContainers["properties"]!["resource"]!["partitionKey"]!["paths"]![0]!.ToString(), StringComparison.Ordinal);
        Assert.Null(cosmosContainers["properties"]!["resource"]!["defaultTtl"]);
        var subscriptions = Assert.Single(resources, r => Type(r) == "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        Assert.True(Copies(subscriptions, "contract').blobDropFunctions"));
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.", subscriptions.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_app_runs_on_the_dotnet_isolated_worker_with_the_task_hub_setting_and_a_poll_per_environment()
    {
        var template = await BuildTemplateAsync();
        var site = Assert.Single(Resources(template), r => Type(r) == "Microsoft.Web/sites");
        var runtime = site["properties"]!["functionAppConfig"]!["runtime"]!;
        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal("10.0", (string?)runtime["version"]);
        var settings = site["properties"]!["siteConfig"]!["appSettings"]!.AsArray().ToDictionary(s => (string)s!["name"]!, s => s!["value"]!.ToString());
        Assert.Contains("contract').taskHubName", settings["TaskHubName"], StringComparison.Ordinal);
        Assert.Contains("durableMaxQueuePollingInterval", settings[PollOverride], StringComparison.Ordinal);
        Assert.Contains("authAuthority", settings["Auth__Authority"], StringComparison.Ordinal);

        var polls = new Dictionary<string, TimeSpan>();
        foreach (var environment in new[] { "dev", "prod" })
        {
            var built = await BicepAsync(TestContext.Current.CancellationToken, "build-params", Path.Combine(Infra, $"main.{environment}.bicepparam"), "--stdout");
            var parameters = JsonNode.Parse((string)JsonNode.Parse(built.Output)!["parametersJson"]!)!["parameters"]!;
            polls[environment] = TimeSpan.Parse((string)parameters["durableMaxQueuePollingInterval"]!["value"]!, System.Globalization.CultureInfo.InvariantCulture);
        }
        // Durable Functions accepts up to the provider's own 30 s default; production answers faster than dev.
        Assert.All(polls.Values, poll => Assert.InRange(poll, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30)));
        Assert.True(polls["prod"] <= polls["dev"], $"prod polls every {polls["prod"]}, dev every {polls["dev"]}.");
    }

    [Fact]
    public async Task The_function_app_settings_satisfy_the_settings_reader_with_identities_only()
    {
        var template = await BuildTemplateAsync();
        var site = Assert.Single(Resources(template), r => Type(r) == "Microsoft.Web/sites");
        var settings = site["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(s => (string)s!["name"]!, s => s!["value"]!.ToString());

        Assert.DoesNotContain(settings.Keys, key => key is "AzureWebJobsStorage" or "CosmosDbConnection" or "FUNCTIONS_WORKER_RUNTIME");
        Assert.DoesNotContain(settings.Values, value => value.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("@Microsoft.KeyVault(SecretUri=", settings["DocumentIntelligenceKey"].Trim('[', '\'').Replace("format('", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.StartsWith("@Microsoft.KeyVault(SecretUri=", settings["ResidentIdHashKey"].Trim('[', '\'').Replace("format('", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // Expressions are resolved at deployment; stand in plausible values to run the real reader over the rest.
        var resolved = settings.ToDictionary(
            s => s.Key,
            s => (string?)(!s.Value.StartsWith('[') ? s.Value
                : s.Key.EndsWith("Uri", StringComparison.Ordinal) || s.Key.EndsWith("Endpoint", StringComparison.Ordinal) || s.Key == "PaymentRailUrl" ? "https://resolved.example.net/"
                : s.Key == "HistoryRetentionDays" ? "90"
                : s.Key == "DocumentIntelligenceKey" ? "resolved-from-key-vault"
                : s.Key == "ResidentIdHashKey" ? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
                : s.Key == "CosmosDbDatabase" ? "ruralloans"
                : s.Key == "TaskHubName" ? "RuralLoansHub"
                : s.Key == PollOverride ? "00:00:01"
                : "resolved"));
        using var empty = new TemporaryFolder();
        var loaded = SettingsLoader.Load(empty.Path, resolved);

        Assert.Equal(new IdentityChoice(true, null), Assert.IsType<ServiceConnection.StorageIdentity>(loaded.Storage).Identity);
        Assert.Equal(new IdentityChoice(true, null), Assert.IsType<ServiceConnection.ManagedIdentity>(loaded.Cosmos).Identity);
        Assert.Equal(OcrEngineKind.DocumentIntelligence, loaded.OcrEngine);
        Assert.False(loaded.UsesLocalRailSimulator);
    }

    [Fact]
    public async Task The_app_s_identity_gets_data_roles_on_every_service_it_uses()
    {
        var template = (await BuildTemplateAsync()).ToJsonString();

        foreach (var (role, id) in new[]
        {
            ("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"),
            ("Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"),
            ("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"),
            ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
            ("Cosmos DB Built-in Data Contributor", "00000000-0000-0000-0000-000000000002"),
        })
        {
            Assert.True(template.Contains(id, StringComparison.Ordinal), $"No {role} role assignment for the app.");
        }
        Assert.Contains("\"allowSharedKeyAccess\":false", template, StringComparison.Ordinal);
        Assert.Contains("\"disableLocalAuth\":true", template, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"SystemAssigned\"", template, StringComparison.Ordinal);
        Assert.Contains("FlexConsumption", template, StringComparison.Ordinal);
    }

    private static List<JsonObject> Resources(JsonNode template)
    {
        var resources = template["resources"]!;
        // Language version 2 templates keep resources in an object keyed by symbolic name.
        return resources is JsonObject byName ? [.. byName.Select(r => r.Value!.AsObject())] : [.. resources.AsArray().Select(r => r!.AsObject())];
    }

    private static string Type(JsonObject resource) => (string)resource["type"]!;

    private static bool Copies(JsonObject resource, string collection) => resource["copy"]?["count"]?.ToString().Contains(collection, StringComparison.Ordinal) == true;

    private static async Task<JsonNode> BuildTemplateAsync()
    {
        var build = await BicepAsync(TestContext.Current.CancellationToken, "build", Path.Combine(Infra, "main.bicep"), "--stdout");
        Assert.True(build.ExitCode == 0, "bicep build: " + build.Errors);
        return JsonNode.Parse(build.Output)!;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> BicepAsync(CancellationToken ct, params string[] arguments)
    {
        var start = new ProcessStartInfo(BicepBinary()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Infra };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // The parameter files read the rail URL from the deployer's environment.
        start.Environment["RURALLOANS_PAYMENT_RAIL_URL"] = "https://rail.example.net/";
        start.Environment["RURALLOANS_AUTH_AUTHORITY"] = "https://login.example.net/tenant/v2.0";
        start.Environment["RURALLOANS_RESIDENT_ID_HASH_KEY"] = Convert.ToBase64String(new byte[32]);
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>The bicep binary of the Azure.Bicep.CommandLine.linux-x64 package the test project restores.</summary>
    private static string BicepBinary()
    {
        var directory = typeof(BicepTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCliDirectory").Value!;
        var binary = Path.Combine(directory, "tools", "bicep");
        Assert.True(File.Exists(binary), $"The Bicep CLI is not at {binary}: restore tests/RuralLoans.Host.Tests (dotnet restore) so NuGet downloads Azure.Bicep.CommandLine.linux-x64.");
        Assert.False(OperatingSystem.IsWindows(), "The infra tests run the linux-x64 Bicep CLI; run them on Linux (as ./ruralloans test does).");
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(binary).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(binary, File.GetUnixFileMode(binary) | UnixFileMode.UserExecute);
        }
        return binary;
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("ruralloans-bicep-").FullName;

        public void Dispose() => TemporaryDirectories.TryDelete(Path);
    }
}
