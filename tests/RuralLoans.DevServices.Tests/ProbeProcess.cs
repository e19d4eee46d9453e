using System.Diagnostics;

namespace RuralLoans.DevServices.Tests;

/// <summary>Runs RuralLoans.DevServices.OrphanProbe: a separate .NET process that starts dev services bound to itself.</summary>
internal static class ProbeProcess
{
    public static Process Start(string dataDirectory, string? path = null) => Run([dataDirectory], path);

    public static Process StartDetached(string repositoryRoot, string dataDirectory) => Run(["--detached", repositoryRoot, dataDirectory], path: null);

    private static Process Run(IEnumerable<string> arguments, string? path)
    {
        var probeDll = Path.Combine(AppContext.BaseDirectory, "RuralLoans.DevServices.OrphanProbe.dll");
        Assert.True(File.Exists(probeDll), $"{probeDll} is missing; the test project builds it alongside itself");
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(probeDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }

        return Process.Start(start)!;
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, "dotnet"))
            .FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("dotnet is not on PATH");
    }
}
