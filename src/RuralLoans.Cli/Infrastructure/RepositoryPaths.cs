using RuralLoans.DevServices;

namespace RuralLoans.Cli;

internal static class RepositoryPaths
{
    /// <summary>The checkout the CLI works in, found once per run.</summary>
    public static string Root { get; } = RepositoryRoot.Find();
}
