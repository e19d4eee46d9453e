namespace RuralLoans.Domain.Scoring;

/// <summary>How much one feature moved a challenger's log-odds of default for one applicant (positive = riskier).</summary>
public sealed record FeatureContribution(string Feature, double Contribution);

/// <summary>
/// A shadow model's verdict on one input: recorded next to the champion's decision, never deciding. It names
/// the exact artifact (id, version, SHA-256 of its bytes) so the audit can re-run it.
/// </summary>
public sealed record ChallengerScore
{
    public required string ModelId { get; init; }
    public required string ModelVersion { get; init; }
    public required string ModelSha256 { get; init; }
    public required double ProbabilityOfDefault { get; init; }

    /// <summary>The probability on the champion's points scale (600 at 50:1, PDO 20), so the two compare directly.</summary>
    public required double Score { get; init; }

    /// <summary>Per-feature contributions to the raw log-odds, largest risk first.</summary>
    public required IReadOnlyList<FeatureContribution> Contributions { get; init; }

    /// <summary>At most four reasons, in the scorecard's reason codes, for the features that pushed the risk up most.</summary>
    public required IReadOnlyList<ReasonText> Reasons { get; init; }
}

/// <summary>A model scored in the shadow of the champion scorecard. Implementations must be deterministic.</summary>
public interface IShadowModel
{
    string ModelId { get; }
    string ModelVersion { get; }
    string ModelSha256 { get; }

    ChallengerScore Score(IReadOnlyDictionary<string, FeatureValue> features);
}

/// <summary>The champion's decision and, when a challenger ran, its shadow score; or why it could not score.</summary>
public sealed record ChampionChallengerDecision(CreditDecision Champion, ChallengerScore? Challenger, string? ChallengerError = null)
{
    /// <summary>What is recorded next to the champion's decision.</summary>
    public ShadowScoring Shadow => new(Challenger, ChallengerError);
}

/// <summary>
/// The challenger's side of one decision as recorded: its score, or — when no challenger could score — why
/// (<see cref="Absent"/>: not loaded, not configured, or it threw).
/// </summary>
public sealed record ShadowScoring(ChallengerScore? Challenger, string? Absent);

/// <summary>
/// Where the scoring step gets its challenger and the audit finds the one a decision names. The current challenger
/// may be missing (not configured, or its artifact failed to load); <see cref="Absent"/> then says why.
/// </summary>
public interface IShadowModelSource
{
    IShadowModel? Current { get; }

    /// <summary>Why there is no current challenger; null when there is one.</summary>
    string? Absent { get; }

    /// <summary>The challenger with this id and version, or null when this installation does not have it.</summary>
    IShadowModel? Find(string modelId, string version);
}

public sealed record ChampionChallengerAudit(bool ChampionMatches, bool? ChallengerMatches, IReadOnlyList<string> Differences)
{
    public bool Verified => ChampionMatches && ChallengerMatches != false;
}

/// <summary>
/// Champion–challenger scoring: the champion scorecard decides, the challenger is scored on the same input and
/// only recorded. A challenger failure never changes or blocks the decision.
/// </summary>
public static class ChampionChallenger
{
    /// <summary>Reasons from feature contributions, worded with the champion's reason for each feature.</summary>
    public static IReadOnlyList<ReasonText> Reasons(IEnumerable<FeatureContribution> contributions, Func<string, ReasonText> reasonFor, int max = CreditDecisionEngine.MaxReasons)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        ArgumentNullException.ThrowIfNull(reasonFor);
        var reasons = new List<(ReasonText Reason, bool IsAge)>();
        foreach (var c in contributions.Where(c => c.Contribution > 0).OrderByDescending(c => c.Contribution).ThenBy(c => c.Feature, StringComparer.Ordinal))
        {
            var reason = reasonFor(c.Feature);
            if (reasons.All(r => r.Reason.Code != reason.Code))
            {
                reasons.Add((reason, Training.ProtectedAttributePolicy.IsAgeName(c.Feature)));
            }
        }
        // The same rule as the champion's: age never first or alone.
        return FeatureReasons.AgeNeverAlone(reasons, r => r.IsAge).Select(r => r.Reason).Take(max).ToList();
    }

    public static ChampionChallengerDecision Decide(CreditDecisionEngine champion, IShadowModel? challenger, string applicationId, DecisionInput input)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(input);
        return Shadow(champion.Decide(applicationId, input), challenger);
    }

    /// <summary>
    /// Shadow-scores a decision the champion has already made (e.g. with
    /// <see cref="CreditDecisionEngine.Decide(string, Applications.LoanApplication, VillagePreCheckResult, ApplicantFacts)"/>)
    /// on the very features it recorded.
    /// </summary>
    public static ChampionChallengerDecision Shadow(CreditDecision decision, IShadowModel? challenger, string? absent = null)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (challenger is null)
        {
            return new ChampionChallengerDecision(decision, null, absent);
        }
        try
        {
            return new ChampionChallengerDecision(decision, challenger.Score(decision.Input.Features));
        }
#pragma warning disable CA1031 // A shadow model must never stop a decision; its failure is recorded instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new ChampionChallengerDecision(decision, null, $"{challenger.ModelId} {challenger.ModelVersion}: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Re-executes both models on the recorded input: the champion with the recorded model and policy versions,
    /// the challenger with the artifact the record names (same SHA-256), and compares the results.
    /// </summary>
    public static ChampionChallengerAudit Verify(ChampionChallengerDecision recorded, ScorecardModel championModel, CreditPolicy policy, IShadowModel? challenger)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var differences = new List<string>();
        var replayed = CreditDecisionEngine.Replay(recorded.Champion, championModel, policy);
        var championMatches = replayed.Outcome == recorded.Champion.Outcome
            && replayed.Score.Equals(recorded.Champion.Score)
            && replayed.Reasons.Select(r => r.Code).SequenceEqual(recorded.Champion.Reasons.Select(r => r.Code));
        if (!championMatches)
        {
            differences.Add($"champion: recorded {recorded.Champion.Outcome} {recorded.Champion.Score:R}, replayed {replayed.Outcome} {replayed.Score:R}");
        }
        bool? challengerMatches = null;
        if (recorded.Challenger is { } shadow)
        {
            var challengerDifferences = VerifyChallenger(shadow, recorded.Champion.Input.Features, challenger);
            challengerMatches = challengerDifferences.Count == 0;
            differences.AddRange(challengerDifferences);
        }
        return new ChampionChallengerAudit(championMatches, challengerMatches, differences);
    }

    /// <summary>
    /// Re-scores a recorded shadow score with <paramref name="challenger"/> — which must be the very artifact the
    /// record names (id, version, SHA-256) — on <paramref name="features"/>, and lists every difference: PD,
    /// score, reason codes, contributions. Empty when the record stands.
    /// </summary>
    public static IReadOnlyList<string> VerifyChallenger(ChallengerScore recorded, IReadOnlyDictionary<string, FeatureValue> features, IShadowModel? challenger)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(features);
        if (challenger is null || challenger.ModelId != recorded.ModelId || challenger.ModelVersion != recorded.ModelVersion || challenger.ModelSha256 != recorded.ModelSha256)
        {
            return [$"challenger: the record names {recorded.ModelId} {recorded.ModelVersion} ({recorded.ModelSha256}), the audit has "
                + (challenger is null ? "no such model" : $"{challenger.ModelId} {challenger.ModelVersion} ({challenger.ModelSha256})")];
        }
        var again = challenger.Score(features);
        var differences = new List<string>();
        if (!again.ProbabilityOfDefault.Equals(recorded.ProbabilityOfDefault))
        {
            differences.Add($"challenger PD: recorded {recorded.ProbabilityOfDefault:R}, re-scored {again.ProbabilityOfDefault:R}");
        }
        if (!again.Score.Equals(recorded.Score))
        {
            differences.Add($"challenger score: recorded {recorded.Score:R}, re-scored {again.Score:R}");
        }
        if (!again.Reasons.Select(r => r.Code).SequenceEqual(recorded.Reasons.Select(r => r.Code)))
        {
            differences.Add($"challenger reasons: recorded {string.Join(",", recorded.Reasons.Select(r => r.Code))}, re-scored {string.Join(",", again.Reasons.Select(r => r.Code))}");
        }
        if (!again.Contributions.SequenceEqual(recorded.Contributions))
        {
            differences.Add("challenger contributions differ from the re-scored ones");
        }
        return differences;
    }
}

/// <summary>Reason wording per feature, shared by the scorecard and any challenger so both speak the same codes.</summary>
public static class FeatureReasons
{
    public static ReasonText For(ScorecardFeature feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return feature.Reason ?? Generic(feature.Name);
    }

    public static ReasonText Generic(string feature) => new($"F-{feature}", $"“{feature}”项得分偏低", $"Low points for {feature}");

    /// <summary>For a decline or referral where no reason other than age remains: the score as a whole fell short.</summary>
    public static ReasonText OverallScore { get; } = new("R00", "综合评分未达到贷款标准", "The overall score is below the lender's standard");

    /// <summary>
    /// Reasons in order, such that age is never the first or the only one a borrower reads: an age reason before the
    /// first other reason moves just behind it, and with no other reason it is left out. Age on its own says nothing
    /// the borrower can act on and must not read as the ground for a decision.
    /// </summary>
    public static List<T> AgeNeverAlone<T>(IEnumerable<T> reasons, Func<T, bool> isAge)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        ArgumentNullException.ThrowIfNull(isAge);
        var list = reasons.ToList();
        var firstOther = list.FindIndex(r => !isAge(r));
        if (firstOther < 0)
        {
            return [];
        }
        var leadingAge = list.Take(firstOther).ToList();
        return [list[firstOther], .. leadingAge, .. list.Skip(firstOther + 1)];
    }

    /// <summary>The champion's reason for a feature; a feature the champion does not use gets the generic wording.</summary>
    public static Func<string, ReasonText> From(ScorecardModel? champion)
    {
        var reasons = champion?.Features.ToDictionary(f => f.Name, For, StringComparer.Ordinal) ?? [];
        return name => reasons.TryGetValue(name, out var reason) ? reason : Generic(name);
    }
}
