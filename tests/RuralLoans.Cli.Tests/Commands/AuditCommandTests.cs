using System.Text.Json;
using RuralLoans.Cli.Commands;
using RuralLoans.Pipeline.Audit;

namespace RuralLoans.Cli.Tests.Commands;

public sealed class AuditCommandTests
{
    private static readonly AuditVerdict Tampered = new("MFI001-0123456789abcdef0123", false,
    [
        AuditStep.Passed("history hash chain"),
        AuditStep.Broken("data scoring", "output $.score: recorded 712.5 vs recomputed 612.5"),
        AuditStep.Skipped("disbursement ledger"),
    ]);

    private static readonly AuditVerdict Clean = Tampered with
    {
        Verified = true,
        Steps = [AuditStep.Passed("history hash chain"), AuditStep.Passed("data scoring"), AuditStep.Skipped("disbursement ledger")],
    };

    [Fact]
    public void Json_output_has_verified_and_steps_with_name_status_and_difference_only()
    {
        using var output = new StringWriter();

        var exitCode = AuditCommand.Write(Tampered, asJson: true, output);

        Assert.Equal(AuditCommand.NotVerifiedExitCode, exitCode);
        using var document = JsonDocument.Parse(output.ToString());
        var root = document.RootElement;
        Assert.Equal(["verified", "steps"], root.EnumerateObject().Select(p => p.Name));
        Assert.False(root.GetProperty("verified").GetBoolean());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(3, steps.Count);
        Assert.All(steps, step => Assert.Equal(["name", "status", "difference"], step.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(["verified", "failed", "not-applicable"], steps.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal("output $.score: recorded 712.5 vs recomputed 612.5", steps[1].GetProperty("difference").GetString());
        Assert.Equal(JsonValueKind.Null, steps[0].GetProperty("difference").ValueKind);
    }

    [Fact]
    public void A_verified_application_exits_zero()
    {
        using var output = new StringWriter();

        Assert.Equal(0, AuditCommand.Write(Clean, asJson: true, output));
        Assert.True(JsonDocument.Parse(output.ToString()).RootElement.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public void The_table_marks_each_step_and_shows_the_difference()
    {
        using var output = new StringWriter();

        var exitCode = AuditCommand.Write(Tampered, asJson: false, output);

        var text = output.ToString();
        Assert.Equal(AuditCommand.NotVerifiedExitCode, exitCode);
        var scoringLine = text.Split('\n').Single(line => line.Contains("data scoring", StringComparison.Ordinal));
        Assert.Contains("✗", scoringLine, StringComparison.Ordinal);
        Assert.Contains("$.score", text, StringComparison.Ordinal);
        Assert.Contains("✓", text.Split('\n').Single(line => line.Contains("history hash chain", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("NOT verified: 1 step(s)", text, StringComparison.Ordinal);
    }
}
