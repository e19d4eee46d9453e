using Azure.Identity;
using RuralLoans.TaskHub;
using RuralLoans.Host.Configuration;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Functions;

/// <summary>Identity-based connections as Functions spells them, parsed and turned into clients (no Azure call is made).</summary>
public sealed class IdentityConnectionTests : IDisposable
{
    private readonly DirectoryInfo _empty = Directory.CreateTempSubdirectory("ruralloans-identity-");

    public void Dispose() => TemporaryDirectories.TryDelete(_empty.FullName);

    private RuralLoansSettings Load(params (string Key, string Value)[] values)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CosmosDbDatabase"] = "ruralloans",
            ["TaskHubName"] = "RuralLoansHub",
            ["CosmosDbConnection__accountEndpoint"] = "https://ruralloans-prod.documents.azure.com:443/",
            ["CosmosDbConnection__credential"] = "managedidentity",
            ["Auth__Authority"] = "https://login.microsoftonline.com/00000000-0000-4000-8000-000000000000/v2.0",
            ["Auth__Audience"] = "api://ruralloans",
            ["ResidentIdHashKey"] = "dGVzdC1vbmx5LXJlc2lkZW50LWlkLWhhc2gta2V5LTMyYg==",
        };
        foreach (var (key, value) in values)
        {
            environment[key] = value;
        }
        return SettingsLoader.Load(_empty.FullName, environment);
    }

    [Fact]
    public void Three_service_uris_and_a_managed_identity_make_an_identity_storage_connection()
    {
        var settings = Load(
            ("AzureWebJobsStorage__blobServiceUri", "https://ruralloansprod.blob.core.windows.net/"),
            ("AzureWebJobsStorage__queueServiceUri", "https://ruralloansprod.queue.core.windows.net/"),
            ("AzureWebJobsStorage__tableServiceUri", "https://ruralloansprod.table.core.windows.net/"),
            ("AzureWebJobsStorage__credential", "managedidentity"));

        var storage = Assert.IsType<ServiceConnection.StorageIdentity>(settings.Storage);
        Assert.Equal("ruralloansprod.queue.core.windows.net", storage.QueueServiceUri.Host);
        Assert.Equal(new IdentityChoice(true, null), storage.Identity);
        var cosmos = Assert.IsType<ServiceConnection.ManagedIdentity>(settings.Cosmos);
        Assert.Equal("ruralloans-prod.documents.azure.com", cosmos.ServiceUri.Host);
    }

    [Fact]
    public void An_account_name_stands_for_the_three_public_cloud_endpoints_and_a_client_id_picks_a_user_assigned_identity()
    {
        var settings = Load(("AzureWebJobsStorage__accountName", "ruralloansprod"), ("AzureWebJobsStorage__credential", "managedidentity"), ("AzureWebJobsStorage__clientId", "4b1c8c2e-0000-4000-8000-000000000001"));

        var storage = Assert.IsType<ServiceConnection.StorageIdentity>(settings.Storage);
        Assert.Equal(new Uri("https://ruralloansprod.blob.core.windows.net"), storage.BlobServiceUri);
        Assert.Equal(new Uri("https://ruralloansprod.table.core.windows.net"), storage.TableServiceUri);
        Assert.Equal("4b1c8c2e-0000-4000-8000-000000000001", storage.Identity.ClientId);
    }

    [Fact]
    public void Missing_or_wrong_identity_settings_are_each_named()
    {
        var error = Assert.Throws<SettingsException>(() => Load(
            ("AzureWebJobsStorage__blobServiceUri", "https://ruralloansprod.blob.core.windows.net/"),
            ("AzureWebJobsStorage__tableServiceUri", "http://ruralloansprod.table.core.windows.net/"),
            ("AzureWebJobsStorage__credential", "clientsecret")));

        Assert.Contains(error.Problems, p => p.StartsWith("AzureWebJobsStorage__queueServiceUri: is missing", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("AzureWebJobsStorage__tableServiceUri: 'http://", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("AzureWebJobsStorage__credential: 'clientsecret' is not supported", StringComparison.Ordinal));

        var orphanClientId = Assert.Throws<SettingsException>(() => Load(("AzureWebJobsStorage__accountName", "ruralloansprod"), ("AzureWebJobsStorage__clientId", "x")));
        Assert.Contains(orphanClientId.Problems, p => p.StartsWith("AzureWebJobsStorage__clientId: needs AzureWebJobsStorage__credential=managedidentity", StringComparison.Ordinal));
    }

    [Fact]
    public void The_task_hub_and_pipeline_clients_address_the_identity_endpoints_with_the_credential()
    {
        var connection = new ServiceConnection.StorageIdentity(
            new Uri("https://ruralloansprod.blob.core.windows.net/"), new Uri("https://ruralloansprod.queue.core.windows.net/"), new Uri("https://ruralloansprod.table.core.windows.net/"), new IdentityChoice(true, null));
        var credentials = new List<IdentityChoice>();

        var account = ServiceClients.StorageAccountFor(connection, devServices: null, credentialFor: identity =>
        {
            credentials.Add(identity);
            return new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        });
        var taskHub = account.ToTaskHubClientProvider();

        Assert.True(account.UsesIdentity);
        Assert.Equal([connection.Identity], credentials);
        Assert.Equal(new Uri("https://ruralloansprod.queue.core.windows.net/"), taskHub.Queue.CreateClient(new Azure.Storage.Queues.QueueClientOptions()).Uri);
        Assert.Equal(new Uri("https://ruralloansprod.blob.core.windows.net/"), taskHub.Blob.CreateClient(new Azure.Storage.Blobs.BlobClientOptions()).Uri);
        Assert.Equal("ruralloansprod.table.core.windows.net", taskHub.Table.CreateClient(new Azure.Data.Tables.TableClientOptions()).Uri.Host);
        Assert.Equal(new Uri("https://ruralloansprod.blob.core.windows.net/application-documents"), account.CreateBlobContainerClient("application-documents", new()).Uri);
        Assert.DoesNotContain("AccountKey", account.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_s_managed_identity_signs_in_azure_and_the_developer_s_sign_in_elsewhere()
    {
        Assert.IsType<ManagedIdentityCredential>(ServiceClients.CredentialFor(new IdentityChoice(true, null)));
        Assert.IsType<ManagedIdentityCredential>(ServiceClients.CredentialFor(new IdentityChoice(true, "4b1c8c2e-0000-4000-8000-000000000001")));
        Assert.IsType<DefaultAzureCredential>(ServiceClients.CredentialFor(IdentityChoice.DeveloperChain));
    }

    [Fact]
    public void A_connection_string_still_works_and_an_empty_one_is_refused()
    {
        var account = ServiceClients.StorageAccountFor(new ServiceConnection.ConnectionString("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Zm9v;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"), null);

        Assert.False(account.UsesIdentity);
        Assert.Equal(10001, account.ToTaskHubClientProvider().Queue.CreateClient(new Azure.Storage.Queues.QueueClientOptions()).Uri.Port);
        Assert.ThrowsAny<ArgumentException>(() => StorageAccount.FromConnectionString(" "));
    }
}
