namespace RuralLoans.Pipeline.Products;

/// <summary>
/// How a loan product moves through the pipeline. "Acquaintance" products serve thin-file households and need a village
/// partner who knows the family to vouch for it; "310" products decide on data alone with no human step.
/// <see cref="DeclineReviewWindow"/> is how long a borrower may ask a person to look again at a decline the model made
/// alone (PIPL Art. 24); null or zero means the decline is final at once, which is how snapshots taken before the window
/// existed read back, so their histories replay unchanged.
/// </summary>
public sealed record PipelineProduct(
    string Code,
    string NameZh,
    string NameEn,
    bool RequiresPreCheck,
    decimal MaxAmountYuan,
    TimeSpan PreCheckDeadline,
    TimeSpan PreCheckReminderBefore,
    TimeSpan CorrectionDeadline,
    TimeSpan HumanReviewDeadline,
    TimeSpan? DeclineReviewWindow = null,
    TimeSpan? ContractAcceptanceDeadline = null,
    TimeSpan? ContractReminderBefore = null)
{
    public const int ContractAcceptanceDays = 7;
    public const int ContractReminderDaysBefore = 2;

    /// <summary>
    /// Whether the borrower must accept a printed contract before the payout. Snapshots taken before contracts existed
    /// read back without a deadline, so their histories replay unchanged.
    /// </summary>
    public bool RequiresContract => ContractAcceptanceDeadline is { } deadline && deadline > TimeSpan.Zero;

    public const int DeclineReviewWindowDays = 15;

    /// <summary>Whether an automated decline stays open for a review request under this snapshot.</summary>
    public bool OffersDeclineReview => DeclineReviewWindow is { } window && window > TimeSpan.Zero;
}

public sealed class ProductCatalog
{
    private readonly Dictionary<string, PipelineProduct> _products;

    public ProductCatalog(IEnumerable<PipelineProduct> products) =>
        _products = products.ToDictionary(p => p.Code, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<PipelineProduct> All => _products.Values;

    public PipelineProduct? Find(string code) => _products.GetValueOrDefault(code);

    /// <summary>The products RuralLoans ships with.</summary>
    public static ProductCatalog Default { get; } = new(
    [
        new PipelineProduct("farm-acquaintance", "农户熟人贷", "Farm household acquaintance loan",
            RequiresPreCheck: true, MaxAmountYuan: 50_000m, PreCheckDeadline: TimeSpan.FromDays(7), PreCheckReminderBefore: TimeSpan.FromDays(2),
            CorrectionDeadline: TimeSpan.FromDays(14), HumanReviewDeadline: TimeSpan.FromDays(5), DeclineReviewWindow: TimeSpan.FromDays(PipelineProduct.DeclineReviewWindowDays),
            ContractAcceptanceDeadline: TimeSpan.FromDays(PipelineProduct.ContractAcceptanceDays), ContractReminderBefore: TimeSpan.FromDays(PipelineProduct.ContractReminderDaysBefore)),
        new PipelineProduct("farm-310", "农户310信用贷", "Farm household 310 data loan",
            RequiresPreCheck: false, MaxAmountYuan: 200_000m, PreCheckDeadline: TimeSpan.Zero, PreCheckReminderBefore: TimeSpan.Zero,
            CorrectionDeadline: TimeSpan.FromDays(14), HumanReviewDeadline: TimeSpan.FromDays(5), DeclineReviewWindow: TimeSpan.FromDays(PipelineProduct.DeclineReviewWindowDays),
            ContractAcceptanceDeadline: TimeSpan.FromDays(PipelineProduct.ContractAcceptanceDays), ContractReminderBefore: TimeSpan.FromDays(PipelineProduct.ContractReminderDaysBefore)),
    ]);
}
