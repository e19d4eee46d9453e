using System.Text.Json;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Storage.Decisions;

namespace RuralLoans.Pipeline.Operations;

/// <summary>
/// An automated decline stays open while the borrower may still ask for a human review, so the orchestration has no
/// output yet; the borrower is owed the reasons now, and they are the scoring decision's.
/// </summary>
public static class OpenDecline
{
    /// <returns>The outcome as it stands, or null when the application is not a decline still open for review.</returns>
    public static async Task<ApplicationOutcome?> OutcomeAsync(DecisionLog decisions, string applicationId, ApplicationProgress? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        if (progress?.Stage != ApplicationStage.Declined)
        {
            return null;
        }
        var scored = await decisions.FindAsync(applicationId, DataScoring.Name, ct);
        var decision = scored?.Output.Deserialize<CreditDecision>(CosmosClients.JsonOptions);
        return new ApplicationOutcome(applicationId, ApplicationStage.Declined, progress.Detail, decision?.Score, decision?.Reasons);
    }
}
