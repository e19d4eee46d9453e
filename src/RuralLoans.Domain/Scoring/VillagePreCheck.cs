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

    /// <summary>
    /// No village partner covers the household's village, so nobody visited and nothing was checked: not the
    /// household's doing, and not a pre-check result. A loan officer takes the partner's place.
    /// </summary>
    NoLocalPartner,
}

/// <summary>The village partner's pre-check: overall outcome and how many checklist items failed.</summary>
public sealed record VillagePreCheckResult(PreCheckOutcome Outcome, int ItemsChecked, int ItemsFailed)
{
    public static VillagePreCheckResult Clean(int itemsChecked) => new(PreCheckOutcome.Pass, itemsChecked, 0);

    /// <summary>Nothing was checked, so nothing failed: the household is scored on its form alone.</summary>
    public static VillagePreCheckResult NoLocalPartner { get; } = new(PreCheckOutcome.NoLocalPartner, 0, 0);
}
