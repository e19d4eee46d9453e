namespace RuralLoans.Domain.Applications;

/// <summary>What the household farms or runs with the loan; the scorecard bins on it.</summary>
public enum FarmingProject
{
    /// <summary>粮食种植 (grain: rice, wheat, maize).</summary>
    GrainCrops,

    /// <summary>经济作物 (vegetables, tea, cotton, oil crops).</summary>
    CashCrops,

    /// <summary>林果 (orchards and forestry).</summary>
    Orchard,

    /// <summary>畜牧养殖 (pigs, cattle, sheep, poultry).</summary>
    Livestock,

    /// <summary>水产养殖 (fish, shrimp, crab ponds).</summary>
    Aquaculture,

    /// <summary>农产品加工与乡村旅游 (processing, farm stays, e-commerce).</summary>
    ProcessingAndServices,

    /// <summary>其他.</summary>
    Other,
}
