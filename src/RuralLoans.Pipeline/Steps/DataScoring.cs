using Microsoft.Extensions.Logging;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.Credit;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 3: scores the household with the current scorecard and policy. The decision records the model and policy
/// versions and the exact input, so an auditor can re-score it and get the same answer. The champion scorecard
/// decides; the challenger (<see cref="IShadowModelSource.Current"/>) is scored on the same features and recorded
/// beside the decision (<see cref="DecisionRecord.Shadow"/>), never acting on it. A challenger that is missing or
/// fails is recorded as absent with the reason and logged; the champion's decision goes ahead.
/// </summary>
public sealed class DataScoring(CreditDecisionEngine engine, ApplicantFactsSource facts, ApplicationStore applications, DecisionLog decisions, CaseFile caseFile, TimeProvider clock,
    IShadowModelSource challengers, ILogger<DataScoring> logger)
{
    public const string Name = "DataScoring";

    /// <summary>What the orchestration passes: the validation round whose form is scored, not the form itself.</summary>
    public sealed record Input(string ApplicationId, int ValidatedRound, VillagePreCheckResult PreCheck, decimal ProductCapYuan, DateTimeOffset SubmittedAt);

    /// <summary>What the decision log keeps, so the audit re-scores exactly what was scored.</summary>
    public sealed record Scored(string ApplicationId, LoanApplicationForm Form, VillagePreCheckResult PreCheck, decimal ProductCapYuan, DateTimeOffset SubmittedAt);

    public async Task<CreditDecision> RunAsync(Input input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var form = await caseFile.FormOfRoundAsync(input.ApplicationId, input.ValidatedRound, ct);
        var application = FieldValidation.ToApplication(input.ApplicationId, form, input.SubmittedAt);
        var scored = new Scored(input.ApplicationId, form, input.PreCheck, input.ProductCapYuan, input.SubmittedAt);

        var (decision, shadow) = await decisions.RecordOnceAsync<Scored, CreditDecision, ShadowScoring>(input.ApplicationId, Name, scored, async () =>
        {
            var applicant = await facts.GetAsync(input.ApplicationId, application, input.ProductCapYuan, ct);
            var both = ChampionChallenger.Shadow(engine.Decide(input.ApplicationId, application, input.PreCheck, applicant), challengers.Current, challengers.Absent);
            return (both.Champion, both.Shadow);
        }, ct);
        if (shadow?.Absent is { } absent)
        {
            logger.LogWarning("Application {ApplicationId}: the champion decided without a challenger score ({Reason})", input.ApplicationId, absent);
        }

        await applications.UpdateAsync(input.ApplicationId, a => a with
        {
            ApplicantIdHash = facts.HashResidentId(application.IdNumber.Value),
            Stage = decision.Outcome.ToString(),
            UpdatedAt = clock.GetUtcNow(),
        }, ct);
        return decision;
    }
}
