namespace RuralLoans.Cli;

internal static class RepositoryPaths
{
    /// <summary>
    /// The checkout the CLI works in: RURALLOANS_ROOT (set by the ./ruralloans launcher), else the nearest folder
    /// above the current directory that holds RuralLoans.sln.
    /// </summary>
    public static string Root { get; } = Locate();

    private static string Locate()
    {
        var fromLauncher = Environment.GetEnvironmentVariable("RURALLOANS_ROOT");
        if (!string.IsNullOrEmpty(fromLauncher) && File.Exists(Path.Combine(fromLauncher, "RuralLoans.sln")))
        {
            return fromLauncher;
        }
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RuralLoans.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Run this from inside a RuralLoans checkout (no RuralLoans.sln found above the current folder), or through ./ruralloans.");
    }
}
