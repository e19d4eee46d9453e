[assembly: AssemblyFixture(typeof(RuralLoans.Durable.Tests.StorageFixture))]

namespace RuralLoans.Durable.Tests;

/// <summary>Azurite for the engine tests, named by RURALLOANS_TEST_STORAGE (a storage connection string).</summary>
public sealed class StorageFixture
{
    public string ConnectionString { get; } = Environment.GetEnvironmentVariable("RURALLOANS_TEST_STORAGE")
        ?? throw new InvalidOperationException("Set RURALLOANS_TEST_STORAGE to the connection string of a running Azurite (started with --skipApiVersionCheck).");
}
