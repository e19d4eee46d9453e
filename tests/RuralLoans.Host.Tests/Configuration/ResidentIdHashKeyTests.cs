using RuralLoans.Domain.CoLending;
using RuralLoans.Host.Configuration;
using RuralLoans.Testing;

namespace RuralLoans.Host.Tests.Configuration;

/// <summary>Outside local development, borrowers are recognised only under a secret key of the deployment's own.</summary>
public sealed class ResidentIdHashKeyTests : IDisposable
{
    private const string RealKey = "q2Vx0Jm7c7f9yXH0b8Yw1m4mQ0a1s8Zc3kq9v0f6t2E=";
    private readonly string _empty = Directory.CreateTempSubdirectory("ruralloans-settings-").FullName;

    public void Dispose() => TemporaryDirectories.TryDelete(_empty);

    private static Dictionary<string, string?> Production(string? key)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountName=ruralloansprod;AccountKey=Zm9vYmFy;EndpointSuffix=core.windows.net",
            ["CosmosDbConnection"] = "AccountEndpoint=https://ruralloans-prod.documents.azure.com:443/;AccountKey=Zm9vYmFy;",
            ["CosmosDbDatabase"] = "ruralloans",
            ["TaskHubName"] = "RuralLoansHub",
            ["Auth__Authority"] = "https://login.microsoftonline.com/00000000-0000-4000-8000-000000000000/v2.0",
            ["Auth__Audience"] = "api://ruralloans",
        };
        if (key is not null)
        {
            values["ResidentIdHashKey"] = key;
        }
        return values;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("c2hvcnQta2V5")]
    [InlineData("not base64 at all!")]
    public void Real_accounts_without_a_usable_key_are_refused_naming_the_setting(string? key)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_empty, Production(key)));

        Assert.Contains(error.Problems, p => p.StartsWith("ResidentIdHashKey:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_published_development_key_is_refused_on_real_accounts()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(_empty, Production(ResidentIdHasher.DevelopmentKeyBase64)));

        Assert.Contains(error.Problems, p => p.StartsWith("ResidentIdHashKey: is the published development key", StringComparison.Ordinal));
    }

    [Fact]
    public void A_real_key_is_used_and_never_printed()
    {
        var settings = SettingsLoader.Load(_empty, Production(RealKey));

        Assert.False(settings.ResidentIds.IsDevelopmentKey);
        Assert.NotEqual(ResidentIdHasher.Development.Hash("430626198507125519"), settings.ResidentIds.Hash("430626198507125519"));
        Assert.DoesNotContain(RealKey, settings.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(RealKey, settings.ResidentIds.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_local_emulators_run_with_the_development_key()
    {
        var settings = SettingsLoader.Load(_empty, new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["CosmosDbConnection"] = "UseDevelopmentCosmos=true",
            ["CosmosDbDatabase"] = "ruralloans",
            ["TaskHubName"] = "RuralLoansHub",
        });

        Assert.True(settings.ResidentIds.IsDevelopmentKey);
    }
}
