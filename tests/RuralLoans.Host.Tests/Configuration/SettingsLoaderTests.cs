using RuralLoans.Host.Configuration;

namespace RuralLoans.Host.Tests.Configuration;

public sealed class SettingsLoaderTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("settings-");

    public void Dispose() => _directory.Delete(recursive: true);

    private void CopyRepositorySample()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, SettingsLoader.SampleFileName)))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("local.settings.sample.json not found above the test folder");
        }
        File.Copy(Path.Combine(root, SettingsLoader.SampleFileName), Path.Combine(_directory.FullName, SettingsLoader.SampleFileName));
    }

    private void WriteLocal(string valuesJson) =>
        File.WriteAllText(Path.Combine(_directory.FullName, SettingsLoader.LocalFileName), $$"""{ "IsEncrypted": false, "Values": {{{valuesJson}}} }""");

    [Fact]
    public void The_committed_sample_starts_against_the_local_dev_services()
    {
        CopyRepositorySample();

        var settings = SettingsLoader.Load(_directory.FullName, NoEnvironment);

        Assert.IsType<ServiceConnection.DevelopmentEmulator>(settings.Storage);
        Assert.IsType<ServiceConnection.DevelopmentEmulator>(settings.Cosmos);
        Assert.Equal("RuralLoansHub", settings.TaskHubName);
        Assert.Equal(OcrEngineKind.Tesseract, settings.OcrEngine);
        Assert.True(settings.UsesLocalRailSimulator);
    }

    [Fact]
    public void Local_settings_override_the_sample_and_environment_overrides_both()
    {
        CopyRepositorySample();
        WriteLocal("""
            "TaskHubName": "LocalHub",
            "CosmosDbDatabase": "fromlocal"
            """);
        var environment = new Dictionary<string, string?> { ["TaskHubName"] = "EnvHub" };

        var settings = SettingsLoader.Load(_directory.FullName, environment);

        Assert.Equal("EnvHub", settings.TaskHubName);
        Assert.Equal("fromlocal", settings.CosmosDatabase);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_naming_the_setting_and_the_fix()
    {
        CopyRepositorySample();
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "not a connection string",
            ["TaskHubName"] = "9-bad_hub",
            ["OcrEngine"] = "abbyy",
            ["PaymentRailUrl"] = "ftp://rail",
        };

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, environment));

        Assert.Equal(4, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("AzureWebJobsStorage:", StringComparison.Ordinal) && p.Contains("UseDevelopmentStorage=true", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("TaskHubName:", StringComparison.Ordinal) && p.Contains("'9-bad_hub'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("OcrEngine:", StringComparison.Ordinal) && p.Contains("documentintelligence", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("PaymentRailUrl:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_setting_without_any_file_is_named()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, NoEnvironment));

        Assert.Contains(error.Problems, p => p.StartsWith("AzureWebJobsStorage: is missing", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("CosmosDbConnection: is missing", StringComparison.Ordinal));
        Assert.Contains("RuralLoans cannot start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Document_intelligence_needs_an_https_endpoint_and_a_real_key()
    {
        CopyRepositorySample();
        var environment = new Dictionary<string, string?> { ["OcrEngine"] = "documentintelligence" };

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, environment));

        // The sample's placeholders must never pass for real values.
        Assert.Contains(error.Problems, p => p.StartsWith("DocumentIntelligenceEndpoint:", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("DocumentIntelligenceKey:", StringComparison.Ordinal));

        environment["DocumentIntelligenceEndpoint"] = "https://ocr.example.cognitiveservices.azure.com/";
        environment["DocumentIntelligenceKey"] = "k";
        var settings = SettingsLoader.Load(_directory.FullName, environment);
        Assert.Equal(OcrEngineKind.DocumentIntelligence, settings.OcrEngine);
        Assert.Equal("ocr.example.cognitiveservices.azure.com", settings.DocumentIntelligenceEndpoint!.Host);
    }

    [Fact]
    public void Identity_based_connections_use_the_functions_double_underscore_settings()
    {
        WriteLocal("""
            "AzureWebJobsStorage__blobServiceUri": "https://ruralloans.blob.core.windows.net",
            "AzureWebJobsStorage__queueServiceUri": "https://ruralloans.queue.core.windows.net",
            "AzureWebJobsStorage__tableServiceUri": "https://ruralloans.table.core.windows.net",
            "CosmosDbConnection__accountEndpoint": "https://ruralloans.documents.azure.com:443/",
            "CosmosDbDatabase": "ruralloans",
            "TaskHubName": "ProdHub"
            """);

        var settings = SettingsLoader.Load(_directory.FullName, NoEnvironment);

        Assert.Equal("ruralloans.blob.core.windows.net", Assert.IsType<ServiceConnection.StorageIdentity>(settings.Storage).BlobServiceUri.Host);
        Assert.Equal("ruralloans.documents.azure.com", Assert.IsType<ServiceConnection.ManagedIdentity>(settings.Cosmos).ServiceUri.Host);
    }

    [Fact]
    public void A_broken_local_settings_file_is_named_with_the_fix()
    {
        CopyRepositorySample();
        File.WriteAllText(Path.Combine(_directory.FullName, SettingsLoader.LocalFileName), "{ \"Values\": { \"TaskHubName\": ");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, NoEnvironment));

        Assert.Contains(error.Problems, p => p.StartsWith("local.settings.json: is not valid JSON", StringComparison.Ordinal));
    }
}
