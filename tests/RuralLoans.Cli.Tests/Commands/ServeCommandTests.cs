using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using RuralLoans.Testing;

namespace RuralLoans.Cli.Tests.Commands;

/// <summary><c>./ruralloans serve</c> and <c>./ruralloans token</c> as a user runs them: separate processes, real ports.</summary>
public sealed class ServeCommandTests(DevServicesFixture services) : IClassFixture<DevServicesFixture>
{
    private static readonly string Root = DevServices.RepositoryRoot.Find();
    private static readonly string DevKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Serve_prints_its_url_once_it_answers_accepts_a_token_from_the_token_command_and_stops_on_ctrl_c()
    {
        var ct = TestContext.Current.CancellationToken;
        using var serve = Start("serve", "--port", "0");
        try
        {
            var url = await ReadLineStartingWithAsync(serve, "http://127.0.0.1:", TimeSpan.FromSeconds(120));
            using var client = new HttpClient { BaseAddress = new Uri(url) };

            using var health = await client.GetAsync("/healthz", ct);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var anonymous = await client.GetAsync("/api/lenders", ct);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

            using var tokenCommand = Start("token", "--role", "operator", "--subject", "oscar");
            var output = await tokenCommand.StandardOutput.ReadToEndAsync(ct);
            await tokenCommand.WaitForExitAsync(ct);
            Assert.Equal(0, tokenCommand.ExitCode);
            var token = output.TrimEnd().Split('\n')[^1].Trim();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var lenders = await client.GetAsync("/api/lenders", ct);
            Assert.Equal(HttpStatusCode.OK, lenders.StatusCode);

            // Ctrl+C
            using (var interrupt = Process.Start("kill", ["-INT", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync(ct);
            }
            await serve.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            Assert.Equal(0, serve.ExitCode);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Token_refuses_a_partner_that_does_not_exist()
    {
        using var token = Start("token", "--role", "partner", "--subject", "MFI999");
        var error = await token.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await token.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, token.ExitCode);
        Assert.Contains("MFI999", error, StringComparison.Ordinal);
    }

    private Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ruralloans.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["AzureWebJobsStorage"] = services.StorageConnectionString;
        start.Environment["CosmosDbConnection"] = services.Endpoints.CosmosConnectionString;
        start.Environment["CosmosDbDatabase"] = UniqueNames.CosmosDatabase("serve");
        start.Environment["TaskHubName"] = "Serve" + Guid.NewGuid().ToString("N")[..10];
        start.Environment["Auth__DevTokenKey"] = DevKey;
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the CLI");
    }

    private static async Task<string> ReadLineStartingWithAsync(Process process, string prefix, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var seen = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            seen.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line.Trim();
            }
        }
        var error = await process.StandardError.ReadToEndAsync(CancellationToken.None);
        throw new InvalidOperationException($"serve ended without printing its URL. Output: {string.Join('\n', seen)} Errors: {error}");
    }
}
