namespace RuralLoans.Domain.Tests;

/// <summary>Finds the team's shared datasets: <c>../shared/datasets</c> next to the repository root.</summary>
internal static class SharedDatasets
{
    public static string GermanCredit => Require("german.data");

    private static string Require(string fileName)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RuralLoans.sln")))
        {
            directory = directory.Parent;
        }
        if (directory is null)
        {
            throw new InvalidOperationException($"Cannot find the repository root (RuralLoans.sln) above {AppContext.BaseDirectory}.");
        }
        var path = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "datasets", fileName));
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The dataset {fileName} is missing: expected it at {path} (the shared/ folder beside the repository).", path);
    }
}
