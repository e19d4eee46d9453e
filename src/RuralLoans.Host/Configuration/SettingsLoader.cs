using System.Text.Json;
using System.Text.RegularExpressions;
using RuralLoans.Domain.CoLending;
using RuralLoans.Ocr;

namespace RuralLoans.Host.Configuration;

/// <summary>A setting is missing or wrong. The message names the setting and says how to fix it.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems)
    : Exception("RuralLoans cannot start, its settings need fixing:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads settings the way an Azure Functions app does: <c>Values</c> of local.settings.sample.json, overridden by the
/// git-ignored local.settings.json, overridden by environment variables. Everything is validated at once so a user
/// fixes all problems in one go instead of one per start.
/// </summary>
public static partial class SettingsLoader
{
    public const string SampleFileName = "local.settings.sample.json";
    public const string LocalFileName = "local.settings.json";

    private const string DevelopmentStorage = "UseDevelopmentStorage=true";
    private const string DevelopmentCosmos = "UseDevelopmentCosmos=true";
    private const string LocalRailSimulator = "local-simulator";

    /// <summary>Five years: loan records and their decision trail must stay replayable for auditors that long.</summary>
    public const int DefaultHistoryRetentionDays = 1825;

    public static RuralLoansSettings Load(string directory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        ReadValues(Path.Combine(directory, SampleFileName), values, problems);
        ReadValues(Path.Combine(directory, LocalFileName), values, problems);
        foreach (var (key, value) in environment ?? ReadEnvironment())
        {
            if (value is not null)
            {
                values[key] = value;
            }
        }

        var settings = Validate(values, problems);
        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }
        return settings! with { TaskHub = DurableTaskHostJson.Read(Path.Combine(directory, DurableTaskHostJson.FileName), settings.TaskHubName) };
    }

    private static Dictionary<string, string?> ReadEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string;
        }
        return result;
    }

    private static void ReadValues(string path, Dictionary<string, string> values, List<string> problems)
    {
        if (!File.Exists(path))
        {
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!document.RootElement.TryGetProperty("Values", out var section) || section.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{Path.GetFileName(path)}: has no \"Values\" object. Copy the shape of {SampleFileName}.");
                return;
            }
            foreach (var property in section.EnumerateObject())
            {
                values[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }
        catch (JsonException e)
        {
            problems.Add($"{Path.GetFileName(path)}: is not valid JSON ({e.Message}). Fix the file or delete it to use the defaults.");
        }
    }

    private static RuralLoansSettings? Validate(Dictionary<string, string> values, List<string> problems)
    {
        var storage = ReadConnection(values, "AzureWebJobsStorage", DevelopmentStorage, problems,
            "set it to UseDevelopmentStorage=true (local dev services), a storage connection string, or AzureWebJobsStorage__accountName (or __blobServiceUri, __queueServiceUri and __tableServiceUri) for a managed identity",
            ReadStorageIdentity);
        var cosmos = ReadConnection(values, "CosmosDbConnection", DevelopmentCosmos, problems,
            "set it to UseDevelopmentCosmos=true (local emulator), AccountEndpoint=...;AccountKey=..., or CosmosDbConnection__accountEndpoint for a managed identity",
            ReadCosmosIdentity);

        var database = Get(values, "CosmosDbDatabase");
        if (database is null || !CosmosNamePattern().IsMatch(database))
        {
            problems.Add("CosmosDbDatabase: " + (database is null ? "is missing" : $"'{database}' is not a valid database id") + "; use letters, digits and '-', e.g. ruralloans.");
        }

        var taskHub = Get(values, "TaskHubName");
        if (taskHub is null || !TaskHubPattern().IsMatch(taskHub))
        {
            // Queue and table names are derived from it, so it must satisfy both naming rules.
            problems.Add("TaskHubName: " + (taskHub is null ? "is missing" : $"'{taskHub}' is not allowed") + "; use 3–45 letters and digits starting with a letter, e.g. RuralLoansHub.");
        }

        var ocrText = Get(values, "OcrEngine") ?? "paddle";
        OcrEngineKind ocr;
        Uri? diEndpoint = null;
        string? diKey = null;
        switch (ocrText.ToUpperInvariant())
        {
            case "PADDLE":
                ocr = OcrEngineKind.Paddle;
                break;
            case "TESSERACT":
                ocr = OcrEngineKind.Tesseract;
                break;
            case "DOCUMENTINTELLIGENCE":
                ocr = OcrEngineKind.DocumentIntelligence;
                diEndpoint = ReadHttpsUri(values, "DocumentIntelligenceEndpoint", problems, "set it to your resource's endpoint, e.g. https://my-resource.cognitiveservices.azure.com/");
                diKey = Get(values, "DocumentIntelligenceKey");
                if (diKey is null || diKey.StartsWith('<'))
                {
                    problems.Add("DocumentIntelligenceKey: is missing; put the key in local.settings.json or an environment variable (never in a committed file).");
                }
                break;
            default:
                ocr = OcrEngineKind.Paddle;
                problems.Add($"OcrEngine: '{ocrText}' is not an engine; use paddle, tesseract or documentintelligence.");
                break;
        }

        // Outside local development the host must sign people in through an identity authority: development tokens are
        // signed with a key anyone with the repository can read.
        if (storage is not null && cosmos is not null && !(RuralLoansSettings.IsLocalEmulator(storage) && RuralLoansSettings.IsLocalEmulator(cosmos))
            && Get(values, "Auth__Authority") is null)
        {
            problems.Add("Auth__Authority: is missing. Outside local development (storage or Cosmos is a real account) the API accepts only tokens from an identity authority; "
                + "set Auth__Authority (e.g. https://login.microsoftonline.com/<tenant-id>/v2.0) and Auth__Audience (the API's application id URI).");
        }

        // The borrower is recognised by an HMAC of the resident ID; the development key is in the repository, so outside
        // local development a key of the deployment's own (Key Vault) is required.
        var residentIds = ResidentIdHasher.Development;
        var hashKeyText = Get(values, "ResidentIdHashKey");
        if (hashKeyText is not null)
        {
            if (ResidentIdHasher.FromBase64(hashKeyText) is { } configured)
            {
                residentIds = configured;
            }
            else
            {
                problems.Add($"ResidentIdHashKey: is not base64 of at least {ResidentIdHasher.MinimumKeyBytes} random bytes; make one with: openssl rand -base64 32.");
            }
        }
        if (storage is not null && cosmos is not null && !(RuralLoansSettings.IsLocalEmulator(storage) && RuralLoansSettings.IsLocalEmulator(cosmos))
            && residentIds.IsDevelopmentKey)
        {
            problems.Add("ResidentIdHashKey: " + (hashKeyText is null ? "is missing" : "is the published development key")
                + ". Outside local development (storage or Cosmos is a real account) borrowers are recognised by an HMAC of the resident ID under a secret key: "
                + "put a random key (openssl rand -base64 32) in Key Vault and reference it from the ResidentIdHashKey app setting.");
        }

        Uri? rail = null;
        var railText = Get(values, "PaymentRailUrl") ?? LocalRailSimulator;
        if (!string.Equals(railText, LocalRailSimulator, StringComparison.OrdinalIgnoreCase))
        {
            // Payout instructions travel only over TLS; plain HTTP is accepted for a simulator on this machine alone.
            if (!Uri.TryCreate(railText, UriKind.Absolute, out rail) || !(rail.Scheme == Uri.UriSchemeHttps || (rail.Scheme == Uri.UriSchemeHttp && rail.IsLoopback)))
            {
                problems.Add($"PaymentRailUrl: '{railText}' is not an https URL; use {LocalRailSimulator} for the built-in simulator or the rail's https base URL (plain http only for a simulator on loopback).");
                rail = null;
            }
        }

        TimeSpan? retention = TimeSpan.FromDays(DefaultHistoryRetentionDays);
        if (Get(values, "HistoryRetentionDays") is { } retentionText)
        {
            if (!int.TryParse(retentionText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days))
            {
                problems.Add($"HistoryRetentionDays: '{retentionText}' is not a whole number of days; use e.g. {DefaultHistoryRetentionDays}, or 0 to keep finished histories for ever.");
            }
            else
            {
                retention = days == 0 ? null : TimeSpan.FromDays(days);
            }
        }

        return problems.Count == 0
            ? new RuralLoansSettings(storage!, cosmos!, database!, taskHub!, ocr, diEndpoint, diKey, rail) { HistoryRetention = retention, ResidentIds = residentIds }
            : null;
    }

    private delegate ServiceConnection? IdentityReader(Dictionary<string, string> values, string name, List<string> problems, string fix);

    private static ServiceConnection? ReadConnection(Dictionary<string, string> values, string name, string developmentValue, List<string> problems, string fix, IdentityReader readIdentity)
    {
        var value = Get(values, name);
        if (value is null)
        {
            var prefix = name + "__";
            if (values.Keys.Any(key => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && Get(values, key) is not null))
            {
                return readIdentity(values, name, problems, fix);
            }
            problems.Add($"{name}: is missing; {fix}.");
            return null;
        }
        if (string.Equals(value.Replace(" ", "", StringComparison.Ordinal), developmentValue, StringComparison.OrdinalIgnoreCase))
        {
            return new ServiceConnection.DevelopmentEmulator();
        }
        if (!value.Contains('=', StringComparison.Ordinal) || !value.Contains(';', StringComparison.Ordinal))
        {
            problems.Add($"{name}: does not look like a connection string (key=value;...); {fix}.");
            return null;
        }
        return new ServiceConnection.ConnectionString(value);
    }

    /// <summary>Functions accepts either the account name (public cloud endpoints) or one URI per service; the engine needs all three.</summary>
    private static ServiceConnection? ReadStorageIdentity(Dictionary<string, string> values, string name, List<string> problems, string fix)
    {
        var identity = ReadIdentityChoice(values, name, problems);
        if (Get(values, $"{name}__accountName") is { } account)
        {
            if (!StorageAccountNamePattern().IsMatch(account))
            {
                problems.Add($"{name}__accountName: '{account}' is not a storage account name (3–24 lower-case letters and digits); {fix}.");
                return null;
            }
            return identity is null ? null : new ServiceConnection.StorageIdentity(
                new Uri($"https://{account}.blob.core.windows.net"), new Uri($"https://{account}.queue.core.windows.net"), new Uri($"https://{account}.table.core.windows.net"), identity);
        }

        var blob = ReadServiceUri(values, $"{name}__blobServiceUri", problems, fix);
        var queue = ReadServiceUri(values, $"{name}__queueServiceUri", problems, fix);
        var table = ReadServiceUri(values, $"{name}__tableServiceUri", problems, fix);
        return blob is null || queue is null || table is null || identity is null ? null : new ServiceConnection.StorageIdentity(blob, queue, table, identity);
    }

    private static ServiceConnection? ReadCosmosIdentity(Dictionary<string, string> values, string name, List<string> problems, string fix)
    {
        var identity = ReadIdentityChoice(values, name, problems);
        var endpoint = ReadServiceUri(values, $"{name}__accountEndpoint", problems, fix);
        return endpoint is null || identity is null ? null : new ServiceConnection.ManagedIdentity(endpoint, identity);
    }

    private static IdentityChoice? ReadIdentityChoice(Dictionary<string, string> values, string name, List<string> problems)
    {
        var credential = Get(values, $"{name}__credential");
        var clientId = Get(values, $"{name}__clientId");
        if (credential is not null && !credential.Equals("managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{name}__credential: '{credential}' is not supported; use managedidentity, or leave it out to sign in as the developer (az login).");
            return null;
        }
        if (clientId is not null && credential is null)
        {
            problems.Add($"{name}__clientId: needs {name}__credential=managedidentity beside it (a client id names a user-assigned managed identity).");
            return null;
        }
        return credential is null ? IdentityChoice.DeveloperChain : new IdentityChoice(true, clientId);
    }

    private static Uri? ReadServiceUri(Dictionary<string, string> values, string key, List<string> problems, string fix)
    {
        var text = Get(values, key);
        if (text is not null && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
        {
            return uri;
        }
        problems.Add($"{key}: " + (text is null ? "is missing" : $"'{text}' is not an https URL") + $"; {fix}.");
        return null;
    }

    private static Uri? ReadHttpsUri(Dictionary<string, string> values, string name, List<string> problems, string fix)
    {
        var text = Get(values, name);
        if (text is not null && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && !text.Contains('<', StringComparison.Ordinal))
        {
            return uri;
        }
        problems.Add($"{name}: " + (text is null ? "is missing" : $"'{text}' is not an https URL") + $"; {fix}.");
        return null;
    }

    private static string? Get(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,254}$")]
    private static partial Regex CosmosNamePattern();

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex StorageAccountNamePattern();
}
