using Microsoft.Extensions.Time.Testing;
using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Domain.Tests.Scoring;

/// <summary>Protected attributes stay out of trained models, age needs a stated reason, and no borrower is told "your age" alone.</summary>
public class FairScoringTests
{
    private static readonly string RepoConfig = File.ReadAllText(Path.Combine(DevServicesRoot(), "config", "protected-attributes.json"));

    private static string DevServicesRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "config", "protected-attributes.json")))
            {
                return dir.FullName;
            }
        }
        throw new FileNotFoundException("config/protected-attributes.json not found above the test assembly");
    }

    private static readonly string[] GermanColumns =
    [
        "checkingStatus", "durationMonths", "creditHistory", "purpose", "creditAmount", "savings", "employmentSince",
        "instalmentRate", "personalStatus", "otherDebtors", "residenceSince", "property", "age", "otherInstalmentPlans",
        "housing", "existingCredits", "job", "peopleLiable", "telephone", "foreignWorker",
    ];

    [Fact]
    public void The_shipped_configuration_excludes_German_credits_personal_status_foreign_worker_and_unjustified_age()
    {
        var screen = ProtectedAttributePolicy.FromJson(RepoConfig).Screen(GermanColumns, germanFormat: true, ageJustification: null);

        Assert.Equal(["personalStatus", "age", "foreignWorker"], screen.Excluded.Select(e => e.Column));
        Assert.Contains("sex", screen.Excluded[0].Attribute, StringComparison.Ordinal);
        Assert.Contains("marital status", screen.Excluded[0].Attribute, StringComparison.Ordinal);
        Assert.Contains("A9", screen.Excluded[0].Because, StringComparison.Ordinal);
        Assert.Contains("no age justification", screen.Excluded[1].Because, StringComparison.Ordinal);
        Assert.Equal("nationality", screen.Excluded[2].Attribute);
        Assert.Empty(screen.AgeColumns);
    }

    [Fact]
    public void German_attribute_numbers_apply_only_to_German_data_and_column_names_match_whole_words()
    {
        var policy = ProtectedAttributePolicy.FromJson(RepoConfig);
        string[] columns = ["id", "SEX", "applicant_gender", "maritalStatus", "ethnicGroup", "国籍", "percentage", "mortgageBalance", "raceTrack2", "traceId", "pay0", "AGE"];

        var screen = policy.Screen(columns, germanFormat: false, ageJustification: null);

        Assert.Equal(["SEX", "applicant_gender", "maritalStatus", "ethnicGroup", "国籍", "raceTrack2", "AGE"], screen.Excluded.Select(e => e.Column));
        // Column 9 of a CSV is not German attribute A9 ("pay0" here).
        Assert.DoesNotContain(screen.Excluded, e => e.Column is "percentage" or "mortgageBalance" or "traceId" or "pay0");
    }

    [Fact]
    public void Age_is_offered_only_with_a_justification_which_the_model_and_its_card_record()
    {
        var policy = ProtectedAttributePolicy.FromJson(RepoConfig);
        const string why = "Age at maturity bounds the working years left to repay; reviewed by the credit committee 2026-11.";

        var screen = policy.Screen(GermanColumns, germanFormat: true, ageJustification: why);
        Assert.Equal(["age"], screen.AgeColumns);
        Assert.DoesNotContain(screen.Excluded, e => e.Column == "age");

        var data = CardholderDataGenerator.Dataset(3000, seed: 3);
        var options = new TrainingOptions { Folds = 3, Repeats = 1, PenaltyGrid = [1], MergeSignificanceGrid = [0.05] }
            .WithProtectedScreen(policy.Screen([.. data.Columns.Select(c => c.Name)], germanFormat: false, ageJustification: why));
        Assert.Contains("sex", options.ExcludedColumns);
        Assert.Contains("marriage", options.ExcludedColumns);
        Assert.DoesNotContain("age", options.ExcludedColumns);
        var model = ScorecardTrainer.Fit(data, options, "cards", "1.0.0", DateTimeOffset.UnixEpoch, null);
        Assert.DoesNotContain(model.Features, f => f.Name is "sex" or "marriage");
        Assert.Equal(why, model.Training!.AgeJustification);
        var validation = ScorecardTrainer.CrossValidate(data, options);
        var card = ModelCard.ToMarkdown(ModelCard.Build(model, data, validation, validation.OutOfFold, options.ExcludedColumns, "1 = bad", ["sex"]));
        Assert.Contains("## Protected attributes", card, StringComparison.Ordinal);
        Assert.Contains("`sex` excluded: sex", card, StringComparison.Ordinal);
        Assert.Contains("`marriage` excluded: marital status", card, StringComparison.Ordinal);
        Assert.Contains($"Justification: {why}", card, StringComparison.Ordinal);

        var withoutReason = options.WithProtectedScreen(policy.Screen([.. data.Columns.Select(c => c.Name)], germanFormat: false, ageJustification: "  "));
        Assert.Contains("age", withoutReason.ExcludedColumns);
        Assert.Null(withoutReason.AgeJustification);
    }

    private static ScorecardFeature Numeric(string name, string code, params (double? Upper, double Woe)[] bins) => new()
    {
        Name = name,
        Kind = FeatureKind.Numeric,
        Coefficient = -1,
        Reason = new ReasonText(code, $"{name} 偏低", $"Low {name}"),
        Bins = [.. bins.Select(b => new ScorecardBin { Label = b.Upper is { } u ? $"< {u}" : "rest", UpperBound = b.Upper, Woe = b.Woe })],
    };

    private static CreditDecision Decide(double age, double land, double intercept)
    {
        var model = new ScorecardModel
        {
            ModelId = "fair-test",
            Version = "1",
            Calibration = "test",
            Scaling = ScoreScaling.Standard,
            Intercept = intercept,
            Features =
            [
                Numeric("age", "R01", (25, -1.0), (null, 0.5)),
                Numeric("landAreaMu", "R03", (2, -0.2), (null, 0.1)),
            ],
        };
        var engine = new CreditDecisionEngine(new Scorecard(model), CreditPolicy.RuralDefault, new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        var facts = new PolicyFacts
        {
            ApplicantAge = 30, AgeAtMaturity = 31, RequestedAmountYuan = 10_000, ProductCapYuan = 50_000, ExistingDebtYuan = 0, OnBlacklist = false,
            PreCheck = PreCheckOutcome.Pass,
        };
        return engine.Decide("app", new DecisionInput(new Dictionary<string, FeatureValue> { ["age"] = FeatureValue.Of(age), ["landAreaMu"] = FeatureValue.Of(land) }, facts));
    }

    [Fact]
    public void A_decline_driven_mostly_by_age_gives_another_reason_first()
    {
        // Age costs 1.5 in WOE against its best bin, land 0.3: by points lost age would come first.
        var decision = Decide(age: 22, land: 1, intercept: -1);

        Assert.Equal(DecisionOutcome.Decline, decision.Outcome);
        Assert.Equal(["R03", "R01"], decision.Reasons.Select(r => r.Code));
    }

    [Fact]
    public void When_age_is_the_only_feature_that_lost_points_the_borrower_is_told_the_overall_score_not_their_age()
    {
        var decision = Decide(age: 22, land: 10, intercept: -1);

        Assert.Equal(DecisionOutcome.Decline, decision.Outcome);
        Assert.Equal([FeatureReasons.OverallScore], decision.Reasons);
        Assert.DoesNotContain(decision.Reasons, r => r.Code == "R01");
    }

    [Fact]
    public void A_challengers_reasons_follow_the_same_rule()
    {
        var contributions = new[] { new FeatureContribution("age", 0.9), new FeatureContribution("landAreaMu", 0.2), new FeatureContribution("termMonths", -0.1) };
        var reasons = ChampionChallenger.Reasons(contributions, FeatureReasons.From(ScorecardModelCatalog.RuralHousehold));
        var ageOnly = ChampionChallenger.Reasons([new FeatureContribution("age", 0.9)], FeatureReasons.From(ScorecardModelCatalog.RuralHousehold));

        Assert.Equal(["R03", "R01"], reasons.Select(r => r.Code));
        Assert.Empty(ageOnly);
    }
}
