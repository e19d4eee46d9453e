namespace RuralLoans.Cli.Testing;

internal static class TestProjectDiscovery
{
    /// <summary>Every <c>tests/*/*.Tests.csproj</c>, in a stable order, so a new test project is picked up without editing the runner.</summary>
    public static IReadOnlyList<string> Find(string repositoryRoot) =>
        Directory.EnumerateDirectories(Path.Combine(repositoryRoot, "tests"))
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.Tests.csproj"))
            .Order(StringComparer.Ordinal)
            .ToList();
}
