using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;
using RuralLoans.Durable.Core;
using RuralLoans.Pipeline.Credit;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 3: scores the household with the current scorecard and policy. The decision records the model and policy
/// versions and the exact input, so an auditor can re-score it and get the same answer.
/// </summary>
public sealed class DataScoring(CreditDecisionEngine engine, ApplicantFactsSource facts, ApplicationStore applications, DecisionLog decisions, TimeProvider clock)
{
    public const string Name = "DataScoring";

    public sealed record Input(string ApplicationId, LoanApplicationForm Form, VillagePreCheckResult PreCheck, decimal ProductCapYuan, DateTimeOffset SubmittedAt);

    public async Task<CreditDecision> RunAsync(TaskActivityContext context, Input input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var ct = context.CancellationToken;
        var application = FieldValidation.ToApplication(input.ApplicationId, input.Form, input.SubmittedAt);

        var decision = await decisions.RecordOnceAsync(input.ApplicationId, Name, input, async () =>
        {
            var applicant = await facts.GetAsync(input.ApplicationId, application, input.ProductCapYuan, ct);
            return engine.Decide(input.ApplicationId, application, input.PreCheck, applicant);
        }, ct);

        await applications.UpdateAsync(input.ApplicationId, a => a with
        {
            ApplicantIdHash = ApplicantFactsSource.HashResidentId(application.IdNumber.Value),
            Stage = decision.Outcome.ToString(),
            UpdatedAt = clock.GetUtcNow(),
        }, ct);
        return decision;
    }
}
