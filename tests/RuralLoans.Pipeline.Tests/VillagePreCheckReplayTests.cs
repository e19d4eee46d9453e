using RuralLoans.Domain.Scoring;
using RuralLoans.TaskHub;
using RuralLoans.Pipeline.Steps;

namespace RuralLoans.Pipeline.Tests;

/// <summary>
/// Histories recorded before the no-partner outcome existed must replay unchanged: the orchestrator has to ask
/// scoring for exactly the pre-check it asked for then.
/// </summary>
public sealed class VillagePreCheckReplayTests
{
    [Fact]
    public void An_assignment_recorded_before_the_no_partner_outcome_replays_as_the_pre_check_with_concerns_it_was()
    {
        const string recordedBefore = """{"villagePartnerId":null,"villagePartnerName":null,"village":"白沙村","assignedAt":"2025-05-01T02:00:00+00:00"}""";
        var old = TaskHubJson.Converter.Deserialize<VillagePreCheck.Assignment>(recordedBefore)!;
        var now = old with { WithoutPartner = VillagePreCheckResult.NoLocalPartner };

        Assert.Equal(new VillagePreCheckResult(PreCheckOutcome.Concerns, 4, 4), VillagePreCheck.ResultWithoutPartner(old));
        Assert.Equal(VillagePreCheckResult.NoLocalPartner, VillagePreCheck.ResultWithoutPartner(now));
    }
}
