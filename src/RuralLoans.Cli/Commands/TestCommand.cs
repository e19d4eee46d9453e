using System.CommandLine;
using System.Diagnostics;
using RuralLoans.Cli.Testing;

namespace RuralLoans.Cli.Commands;

/// <summary>
/// Builds the solution and runs every test project, then prints one summary line summed over all of them.
/// The summary is the last line on purpose: CI and people read it without scrolling.
/// </summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var filter = new Option<string?>("--filter") { Description = "Only run tests matching this dotnet test filter expression" };
        var project = new Option<string?>("--project") { Description = "Only run the test project whose name contains this text" };
        var command = new Command("test", "Build everything and run all test projects (what CI runs)") { filter, project };
        command.SetAction(async (parse, ct) =>
        {
            var root = RepositoryPaths.Root;
            return await RunAsync(root, parse.GetValue(filter), parse.GetValue(project), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string root, string? filter, string? projectFilter, CancellationToken ct)
    {
        var build = await ProcessRunner.RunAsync("dotnet", ["build", Path.Combine(root, "RuralLoans.sln"), "--nologo", "-v", "q", "-clp:NoSummary"], root, ct);
        if (build != 0)
        {
            Console.WriteLine("The build failed; no test was run. Fix the errors above and run ./ruralloans test again.");
            Console.WriteLine(new TestTotals(0, 1, 0).ToSummaryLine());
            return 1;
        }

        var resultsDirectory = Path.Combine(root, "artifacts", "test-results");
        if (Directory.Exists(resultsDirectory))
        {
            Directory.Delete(resultsDirectory, recursive: true);
        }
        Directory.CreateDirectory(resultsDirectory);

        var projects = TestProjectDiscovery.Find(root)
            .Where(p => projectFilter is null || Path.GetFileNameWithoutExtension(p).Contains(projectFilter, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (projects.Count == 0)
        {
            Console.WriteLine("No test project matched.");
            Console.WriteLine(new TestTotals(0, 1, 0).ToSummaryLine());
            return 1;
        }

        var totals = new TestTotals(0, 0, 0);
        var perProject = new List<(string Name, TestTotals Totals, string? Problem)>();
        foreach (var testProject in projects)
        {
            var name = Path.GetFileNameWithoutExtension(testProject);
            var trx = Path.Combine(resultsDirectory, name + ".trx");
            var arguments = new List<string>
            {
                "test", testProject, "--no-build", "--nologo",
                "--logger", $"trx;LogFileName={trx}",
                "--logger", "console;verbosity=minimal",
                "--results-directory", resultsDirectory,
            };
            if (!string.IsNullOrWhiteSpace(filter))
            {
                arguments.AddRange(["--filter", filter]);
            }

            Console.WriteLine($"── {name}");
            var stopwatch = Stopwatch.StartNew();
            var exitCode = await ProcessRunner.RunAsync("dotnet", arguments, root, ct);
            stopwatch.Stop();

            var parsed = File.Exists(trx) ? TrxReport.Read(trx) : null;
            if (parsed is null)
            {
                // A test host that crashed or hung leaves no report: count it as a failure, never as silence.
                var crashed = new TestTotals(0, 1, 0);
                perProject.Add((name, crashed, $"no test report (dotnet test exited with {exitCode})"));
                totals += crashed;
                continue;
            }

            var projectTotals = parsed.Value;
            if (exitCode != 0 && projectTotals.Failed == 0)
            {
                projectTotals = projectTotals with { Failed = 1 };
                perProject.Add((name, projectTotals, $"dotnet test exited with {exitCode} although no test failed"));
            }
            else
            {
                perProject.Add((name, projectTotals, null));
            }
            totals += projectTotals;
            Console.WriteLine($"   {name}: {projectTotals.ToSummaryLine()} in {stopwatch.Elapsed.TotalSeconds:F1} s");
        }

        Console.WriteLine();
        foreach (var (name, projectTotals, problem) in perProject)
        {
            Console.WriteLine($"{name,-36} {projectTotals.ToSummaryLine()}{(problem is null ? "" : "  — " + problem)}");
        }
        var ranNothing = totals.Passed + totals.Failed == 0;
        if (ranNothing)
        {
            Console.WriteLine("No test ran: that is a failure, not a pass.");
        }
        Console.WriteLine(totals.ToSummaryLine());
        return totals.Failed == 0 && !ranNothing ? 0 : 1;
    }
}
