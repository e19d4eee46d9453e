using RuralLoans.Testing;

[assembly: AssemblyFixture(typeof(RuralLoans.Durable.Tests.StorageFixture))]

namespace RuralLoans.Durable.Tests;

/// <summary>
/// Azurite for the engine tests: the shared dev services, or an Azurite that is already running when
/// RURALLOANS_TEST_STORAGE names its connection string (saves the start-up while iterating).
/// </summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private readonly string? givenConnectionString = Environment.GetEnvironmentVariable("RURALLOANS_TEST_STORAGE") is { Length: > 0 } given ? given : null;
    private DevServicesFixture? devServices;

    public string ConnectionString => givenConnectionString ?? devServices?.StorageConnectionString
        ?? throw new InvalidOperationException("The dev services have not been started.");

    public async ValueTask InitializeAsync()
    {
        if (givenConnectionString is null)
        {
            devServices = new DevServicesFixture();
            await devServices.InitializeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (devServices is not null)
        {
            await devServices.DisposeAsync();
        }
    }
}
