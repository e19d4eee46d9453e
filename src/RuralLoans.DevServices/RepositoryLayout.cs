namespace RuralLoans.DevServices;

/// <summary>Where the dev services' files live inside the repository.</summary>
internal sealed class RepositoryLayout
{
    private const string SolutionFile = "RuralLoans.sln";

    private RepositoryLayout(string root) => Root = root;

    public string Root { get; }

    public string DevServicesDirectory => Path.Combine(Root, "devservices");

    public string SupervisorScript => Path.Combine(DevServicesDirectory, "run.mjs");

    /// <summary>Git-ignored runtime folder: data, detached-instance state, logs, install lock.</summary>
    public string RuntimeDirectory => Path.Combine(Root, ".devservices");

    public string DefaultDataDirectory => Path.Combine(RuntimeDirectory, "data");

    public string StateFile => Path.Combine(RuntimeDirectory, "state.json");

    public string DetachedLogFile => Path.Combine(RuntimeDirectory, "devservices.log");

    public static RepositoryLayout Resolve(string? explicitRoot)
    {
        if (explicitRoot is not null)
        {
            var root = Path.GetFullPath(explicitRoot);
            if (!File.Exists(Path.Combine(root, SolutionFile)))
            {
                throw new DevServicesException($"{root} is not the RuralLoans repository root (no {SolutionFile} there).");
            }

            return new RepositoryLayout(root);
        }

        // The ./ruralloans launcher exports the root; otherwise search upwards from the app, then from the working directory.
        var fromLauncher = Environment.GetEnvironmentVariable("RURALLOANS_ROOT");
        if (!string.IsNullOrEmpty(fromLauncher) && File.Exists(Path.Combine(fromLauncher, SolutionFile)))
        {
            return new RepositoryLayout(Path.GetFullPath(fromLauncher));
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
                {
                    return new RepositoryLayout(directory.FullName);
                }
            }
        }

        throw new DevServicesException(
            $"Could not find the RuralLoans repository ({SolutionFile}) above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}. " +
            "Run from inside the repository or set RURALLOANS_ROOT.");
    }
}
