using BenchmarkDotNet.Attributes;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Benchmarks;

/// <summary>Per-loan cost of the co-lending split and of the loan and per-lender repayment schedules.</summary>
[MemoryDiagnoser]
public class CoLendingBenchmarks
{
    private static readonly DateOnly DisbursedOn = new(2024, 3, 20);

    private readonly Dictionary<string, Lender> _lenders = new[]
    {
        new Lender { Id = "coop", Name = "合作平台", Role = LenderRole.Partner, AnnualRate = 0.060m, AvailableQuotaYuan = 5_000_000m },
        new Lender
        {
            Id = "rcb", Name = "农商银行", Role = LenderRole.Bank, AnnualRate = 0.042m, AvailableQuotaYuan = 10_000_000m,
            TierOneCapitalYuan = 800_000_000m, TotalLoansYuan = 6_000_000_000m, CoLentOutstandingYuan = 1_000_000_000m,
            PartnerExposureYuan = new Dictionary<string, decimal> { ["coop"] = 150_000_000m }, PermittedRegionPrefixes = ["5114"],
        },
        new Lender
        {
            Id = "city", Name = "城商银行", Role = LenderRole.Bank, AnnualRate = 0.045m, AvailableQuotaYuan = 10_000_000m,
            TierOneCapitalYuan = 2_000_000_000m, TotalLoansYuan = 20_000_000_000m, CoLentOutstandingYuan = 2_000_000_000m,
        },
    }.ToDictionary(l => l.Id);

    private readonly CoLendingProduct _product = new()
    {
        ProductId = "rural-operating",
        Version = "2024.1",
        PartnerId = "coop",
        Shares = [new("coop", 0.30m), new("rcb", 0.50m), new("city", 0.20m)],
        Rules = CoLendingRuleSet.China2021WithIndia2025MinimumShare,
    };

    private readonly FundSplitRequest _request = new()
    {
        ApplicationId = "app-1",
        PrincipalYuan = 33_333.33m,
        TermMonths = 12,
        RepaymentMethod = RepaymentMethod.EqualInstalment,
        BorrowerRegionCode = "511423",
    };

    private FundSplit _split = null!;

    [GlobalSetup]
    public void Setup() => _split = FundSplitter.Split(_product, _lenders, _request).Split!;

    [Benchmark]
    public FundSplitResult SplitFunds() => FundSplitter.Split(_product, _lenders, _request);

    [Benchmark]
    public IReadOnlyList<LenderSchedule> ScheduleAndSplitByLender()
    {
        var schedule = RepaymentSchedule.Build(_split.PrincipalYuan, _split.BlendedAnnualRate, _request.TermMonths, _request.RepaymentMethod, DisbursedOn);
        return LenderSchedules.Split(_split, schedule);
    }
}
