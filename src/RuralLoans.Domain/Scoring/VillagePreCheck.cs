namespace RuralLoans.Domain.Scoring;

/// <summary>What the village partner concluded after visiting the household.</summary>
public enum PreCheckOutcome
{
    /// <summary>Every checklist item was confirmed.</summary>
    Pass,

    /// <summary>Some items could not be confirmed; a loan officer should look.</summary>
    Concerns,

    /// <summary>The partner recommends against lending (e.g. no farming activity found).</summary>
    Fail,
}

/// <summary>The village partner's pre-check: overall outcome and how many checklist items failed.</summary>
public sealed record VillagePreCheckResult(PreCheckOutcome Outcome, int ItemsChecked, int ItemsFailed)
{
    public static VillagePreCheckResult Clean(int itemsChecked) => new(PreCheckOutcome.Pass, itemsChecked, 0);
}
