using RuralLoans.Host.Configuration;
using RuralLoans.Ocr;

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
        Assert.Equal(OcrEngineKind.Paddle, settings.OcrEngine);
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
            "TaskHubName": "ProdHub",
            "Auth__Authority": "https://login.microsoftonline.com/00000000-0000-4000-8000-000000000000/v2.0",
            "Auth__Audience": "api://ruralloans",
            "ResidentIdHashKey": "dGVzdC1vbmx5LXJlc2lkZW50LWlkLWhhc2gta2V5LTMyYg=="
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

    [Fact]
    public void Real_accounts_without_an_identity_authority_are_refused_naming_the_setting()
    {
        CopyRepositorySample();
        var production = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountName=ruralloansprod;AccountKey=Zm9vYmFy;EndpointSuffix=core.windows.net",
            ["CosmosDbConnection"] = "AccountEndpoint=https://ruralloans-prod.documents.azure.com:443/;AccountKey=Zm9vYmFy;",
        };

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, production));

        Assert.Contains(error.Problems, p => p.StartsWith("Auth__Authority:", StringComparison.Ordinal));
        production["Auth__Authority"] = "https://login.microsoftonline.com/00000000-0000-4000-8000-000000000000/v2.0";
        production["ResidentIdHashKey"] = "dGVzdC1vbmx5LXJlc2lkZW50LWlkLWhhc2gta2V5LTMyYg==";
        var settings = SettingsLoader.Load(_directory.FullName, production);
        Assert.False(settings.IsLocalDevelopment);
    }

    [Fact]
    public void The_emulators_on_loopback_count_as_local_development_and_one_real_account_does_not()
    {
        CopyRepositorySample();
        var loopback = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Zm9v;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;",
            ["CosmosDbConnection"] = "AccountEndpoint=https://127.0.0.1:8081/;AccountKey=Zm9v;",
        };
        Assert.True(SettingsLoader.Load(_directory.FullName, loopback).IsLocalDevelopment);

        loopback["CosmosDbConnection"] = "AccountEndpoint=https://ruralloans-prod.documents.azure.com:443/;AccountKey=Zm9v;";
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, loopback));
        Assert.Contains(error.Problems, p => p.StartsWith("Auth__Authority:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://rail.example.com/", false)]
    [InlineData("ftp://rail.example.com/", false)]
    [InlineData("https://rail.example.com/", true)]
    [InlineData("http://127.0.0.1:5055/", true)]
    public void The_payout_rail_is_reached_over_https_except_a_simulator_on_loopback(string url, bool accepted)
    {
        CopyRepositorySample();
        var environment = new Dictionary<string, string?> { ["PaymentRailUrl"] = url };

        if (accepted)
        {
            Assert.Equal(new Uri(url), SettingsLoader.Load(_directory.FullName, environment).PaymentRailUrl);
        }
        else
        {
            var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_directory.FullName, environment));
            Assert.Contains(error.Problems, p => p.StartsWith("PaymentRailUrl:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Printed_settings_never_show_a_key_or_a_connection_string()
    {
        CopyRepositorySample();
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=U2VjcmV0S2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
            ["OcrEngine"] = "documentintelligence",
            ["DocumentIntelligenceEndpoint"] = "https://ocr.example.cognitiveservices.azure.com/",
            ["DocumentIntelligenceKey"] = "di-secret-key-123",
        };

        var printed = SettingsLoader.Load(_directory.FullName, environment).ToString();

        Assert.DoesNotContain("U2VjcmV0S2V5", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("di-secret-key-123", printed, StringComparison.Ordinal);
        Assert.Contains("ocr.example.cognitiveservices.azure.com", printed, StringComparison.Ordinal);
    }
}
