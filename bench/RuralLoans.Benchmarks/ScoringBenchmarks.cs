using BenchmarkDotNet.Attributes;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Scoring;

namespace RuralLoans.Benchmarks;

/// <summary>Per-application cost of validating a form, scoring it and making the full credit decision.</summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private static readonly DateOnly Today = new(2024, 3, 20);

    private readonly LoanApplicationForm _form = new()
    {
        ApplicantName = "张建国",
        IdNumber = "51142319800612031" + ResidentIdNumber.CheckCharacterFor("51142319800612031"),
        Phone = "13812345678",
        Village = "石桥村",
        Township = "青龙镇",
        County = "洪雅县",
        HouseholdSize = "5人",
        LandAreaMu = "8.5亩",
        FarmingProject = "生猪养殖",
        RequestedAmountYuan = "3.5万",
        TermMonths = "12个月",
        Purpose = "购买仔猪和饲料",
        RepaymentMethod = "等额本息",
        PartnerCode = "HY-COOP-01",
        ApplicationDate = "2024年3月15日",
    };

    private Scorecard _scorecard = null!;
    private CreditDecisionEngine _engine = null!;
    private LoanApplication _application = null!;
    private Dictionary<string, FeatureValue> _features = null!;
    private readonly VillagePreCheckResult _preCheck = VillagePreCheckResult.Clean(8);
    private readonly ApplicantFacts _applicant = new(0, false, 100_000m);

    [GlobalSetup]
    public void Setup()
    {
        _scorecard = new Scorecard(ScorecardModelCatalog.RuralHousehold);
        _engine = new CreditDecisionEngine(_scorecard, CreditPolicy.RuralDefault, TimeProvider.System);
        _application = ApplicationValidator.Validate(_form, Today).Application
            ?? throw new InvalidOperationException("The benchmark form must be valid.");
        _features = RuralHouseholdFeatures.From(_application, _preCheck);
    }

    [Benchmark]
    public ApplicationValidationResult ValidateForm() => ApplicationValidator.Validate(_form, Today);

    [Benchmark]
    public ScoreResult ScoreFeatures() => _scorecard.Score(_features);

    [Benchmark]
    public CreditDecision DecideApplication() => _engine.Decide("app-1", _application, _preCheck, _applicant);
}
