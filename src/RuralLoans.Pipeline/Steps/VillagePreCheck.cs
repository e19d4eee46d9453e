using Microsoft.Extensions.Logging;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 2: a village partner who knows the household confirms identity, household register, homestead and farm photos.
/// Three activities: assign the partner registered for the village, remind them before the deadline, and record
/// their answer.
/// </summary>
public sealed partial class VillagePreCheck(PartnerDirectory partners, ApplicationStore applications, DecisionLog decisions, CaseFile caseFile, TimeProvider clock, ILogger<VillagePreCheck> logger)
{
    public const string AssignName = "VillagePreCheckAssign";
    public const string RemindName = "VillagePreCheckRemind";
    public const string RecordName = "VillagePreCheckRecord";

    /// <summary>The checklist items a partner confirms: identity, household register, homestead certificate, photos.</summary>
    public const int ChecklistItems = 4;

    public sealed record AssignInput(string ApplicationId, int ValidatedRound);

    /// <summary>Where the household lives, as the decision log keeps it for the audit.</summary>
    public sealed record Place(string ApplicationId, string County, string Township, string Village);

    /// <summary>
    /// Who must answer. <see cref="VillagePartnerId"/> is null when no partner covers the village; then
    /// <see cref="WithoutPartner"/> is what scoring is told instead of a pre-check result.
    /// </summary>
    public sealed record Assignment(string? VillagePartnerId, string? VillagePartnerName, string Village, DateTimeOffset AssignedAt, VillagePreCheckResult? WithoutPartner = null);

    public sealed record RemindInput(string ApplicationId, Assignment Assignment, DateTime DeadlineUtc);

    public sealed record RecordInput(string ApplicationId, Assignment Assignment, PreCheckDecision Decision);

    public sealed record Recorded(PreCheckDecision Decision, VillagePreCheckResult Result);

    public async Task<Assignment> AssignAsync(AssignInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var form = await caseFile.FormOfRoundAsync(input.ApplicationId, input.ValidatedRound, ct);
        var place = new Place(input.ApplicationId, form.County ?? "", form.Township ?? "", form.Village ?? "");
        var assignment = await decisions.RecordOnceAsync(input.ApplicationId, AssignName, place, () =>
        {
            var partner = partners.ForVillage(place.County, place.Township, place.Village);
            return new Assignment(partner?.Id, partner?.Name, place.Village, clock.GetUtcNow(), partner is null ? VillagePreCheckResult.NoLocalPartner : null);
        }, ct);
        // Mirrored on the application so a village partner's phone lists what waits for them.
        await applications.UpdateAsync(input.ApplicationId, a => a with
        {
            Village = assignment.Village,
            VillagePartnerId = assignment.VillagePartnerId,
            Stage = nameof(ApplicationStage.AwaitingPreCheck),
            UpdatedAt = clock.GetUtcNow(),
        }, ct);
        return assignment;
    }

    public async Task<bool> RemindAsync(RemindInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        await decisions.RecordOnceAsync(input.ApplicationId, RemindName, input, () =>
        {
            LogReminder(logger, input.Assignment.VillagePartnerId, input.ApplicationId, input.DeadlineUtc);
            return true;
        }, ct);
        return true;
    }

    public async Task<Recorded> RecordAsync(RecordInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        return await decisions.RecordOnceAsync(input.ApplicationId, RecordName, input, () => new Recorded(input.Decision, Evaluate(input.Decision)), ct);
    }

    /// <summary>
    /// What scoring is told when nobody covers the village. Assignments recorded before the no-partner outcome existed
    /// carry none, and their histories passed scoring a pre-check with every item unconfirmed; replaying them must
    /// ask for exactly that again.
    /// </summary>
    public static VillagePreCheckResult ResultWithoutPartner(Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return assignment.WithoutPartner ?? new VillagePreCheckResult(PreCheckOutcome.Concerns, ChecklistItems, ChecklistItems);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminder to village partner {Partner}: pre-check of {Application} is due by {Deadline:u}")]
    private static partial void LogReminder(ILogger logger, string? partner, string application, DateTime deadline);

    /// <summary>Pure: a rejection fails the pre-check; an approval with unconfirmed checklist items raises concerns.</summary>
    public static VillagePreCheckResult Evaluate(PreCheckDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var confirmed = new[] { decision.IdentitySeen, decision.HouseholdRegisterSeen, decision.HomesteadCertificateSeen, decision.PhotoBlobNames.Count > 0 };
        var failed = confirmed.Count(ok => !ok);
        var outcome = !decision.Approved ? PreCheckOutcome.Fail : failed > 0 ? PreCheckOutcome.Concerns : PreCheckOutcome.Pass;
        return new VillagePreCheckResult(outcome, ChecklistItems, failed);
    }
}
