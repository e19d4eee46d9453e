using System.Globalization;
using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Domain.Tests.Scoring;

public class ScorecardTrainerTests
{
    [Fact]
    public void German_credit_five_fold_cross_validated_auc_reaches_0_79()
    {
        var data = DatasetLoader.LoadGerman(SharedDatasets.GermanCredit);

        var result = ScorecardTrainer.CrossValidate(data, new TrainingOptions { Folds = 5 });

        Assert.Equal((1000, 300), (data.Count, data.Bads));
        Assert.Equal(25, result.Folds.Count);
        Assert.True(result.Auc >= 0.79, $"5-fold CV AUC {result.Auc:F4} is below 0.79");
        Assert.Equal(2 * result.Auc - 1, result.Gini, 12);
        Assert.InRange(result.Ks, 0.35, 0.7);
    }

    [Fact]
    public void German_credit_checking_account_status_carries_the_most_information()
    {
        var data = DatasetLoader.LoadGerman(SharedDatasets.GermanCredit);

        var information = ScorecardTrainer.InformationValues(data, new TrainingOptions());

        var strongest = information.MaxBy(i => i.InformationValue)!;
        Assert.Equal("checkingStatus", strongest.Feature);
        Assert.InRange(strongest.InformationValue, 0.5, 0.8);
        Assert.False(information.Single(i => i.Feature == "peopleLiable").Selected);
    }

    [Fact]
    public void A_trained_model_is_a_complete_artifact_that_scores_after_a_json_round_trip()
    {
        var data = DatasetLoader.LoadGerman(SharedDatasets.GermanCredit);
        var trainedAt = new DateTimeOffset(2024, 3, 15, 0, 0, 0, TimeSpan.Zero);

        var model = ScorecardTrainer.Fit(data, new TrainingOptions(), "german-demo", "1.0.0", trainedAt);
        var reloaded = ScorecardModel.FromJson(model.ToJson());

        Assert.Equal("trained", reloaded.Calibration);
        Assert.Equal(1000, reloaded.Training!.Rows);
        var scorecard = new Scorecard(reloaded);
        var risk = ScorecardTrainer.RiskScores(scorecard, data, Enumerable.Range(0, data.Count).ToArray());
        Assert.InRange(ClassifierMetrics.Auc(risk, data.Targets), 0.8, 0.9);
        Assert.Equal(new Scorecard(model).Score(data.RowAsInput(0)).Score, scorecard.Score(data.RowAsInput(0)).Score);
    }

    [Fact]
    public void Woe_bins_and_information_value_match_hand_computed_counts()
    {
        // Category A: 3 goods 1 bad; B: 1 good 3 bads. 4 goods, 4 bads in all.
        var data = new TrainingDataset("hand", [new DatasetColumn("c", FeatureKind.Categorical)],
            "AAAABBBB".Select(c => new[] { FeatureValue.Of(c.ToString()) }).ToArray(),
            [0, 0, 0, 1, 0, 1, 1, 1]);

        var feature = WoeBinner.Fit(data, 0, new BinningOptions { Smoothing = 0 });

        Assert.Equal(Math.Log(3), feature.Bins.Single(b => b.Label == "A").Woe, 12);
        Assert.Equal(-Math.Log(3), feature.Bins.Single(b => b.Label == "B").Woe, 12);
        // IV = (0.75 - 0.25) ln 3 + (0.25 - 0.75)(-ln 3) = ln 3.
        Assert.Equal(Math.Log(3), feature.InformationValue, 12);
    }

    [Fact]
    public void Monotone_binning_leaves_bad_rates_moving_one_way()
    {
        var data = DatasetLoader.LoadGerman(SharedDatasets.GermanCredit);
        var duration = data.Columns.ToList().FindIndex(c => c.Name == "durationMonths");

        var feature = WoeBinner.Fit(data, duration, new BinningOptions { MaxBins = 10, Monotone = true });

        var badRates = feature.Bins.Select(b => (double)b.Bads / (b.Goods + b.Bads)).ToArray();
        Assert.True(badRates.Zip(badRates.Skip(1)).All(p => p.Second >= p.First), string.Join(", ", badRates));
        Assert.True(feature.Bins.All(b => b.Goods + b.Bads >= 50));
    }

    [Fact]
    public void Rare_categories_are_pooled_into_a_fallback_bin()
    {
        var values = Enumerable.Repeat("common", 90).Concat(["x", "y", "z"]).Concat(Enumerable.Repeat("other-common", 7)).ToArray();
        var data = new TrainingDataset("rare", [new DatasetColumn("c", FeatureKind.Categorical)],
            values.Select(v => new[] { FeatureValue.Of(v) }).ToArray(),
            values.Select((_, i) => i % 4 == 0 ? 1 : 0).ToArray());

        var feature = WoeBinner.Fit(data, 0, new BinningOptions { MinBinFraction = 0.05 });

        var pooled = feature.Bins.Single(b => b.IsFallback);
        Assert.Equal(["x", "y", "z"], pooled.Categories);
        Assert.Equal(3, feature.Bins.Count);
    }

    [Fact]
    public void Ridge_logistic_regression_solves_its_score_equations()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 400).Select(_ => new[] { random.NextDouble() * 4 - 2, random.NextDouble() * 2 }).ToArray();
        var y = x.Select(r => random.NextDouble() < 1 / (1 + Math.Exp(-(0.5 + 1.5 * r[0] - r[1]))) ? 1 : 0).ToArray();
        const double Penalty = 2;

        var model = LogisticRegression.Fit(x, y, [Penalty, Penalty]);

        // At the optimum: Σ (y - p) = 0 and Σ (y - p) x_j = λ β_j.
        var residuals = x.Select((r, i) => y[i] - model.Probability(r)).ToArray();
        Assert.Equal(0, residuals.Sum(), 6);
        for (var j = 0; j < 2; j++)
        {
            Assert.Equal(Penalty * model.Coefficients[j], residuals.Select((e, i) => e * x[i][j]).Sum(), 6);
        }
        Assert.InRange(model.Coefficients[0], 1.0, 2.0);
        Assert.InRange(model.Coefficients[1], -1.6, -0.4);
    }

    [Fact]
    public void Csv_data_with_numeric_and_categorical_columns_and_a_named_target_loads_and_trains()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ruralloans-{Guid.NewGuid():N}.csv");
        var random = new Random(11);
        var lines = new List<string> { "landMu,project,\"note, free text\",defaulted" };
        for (var i = 0; i < 300; i++)
        {
            var land = random.Next(1, 40);
            var project = random.Next(3) switch { 0 => "grain", 1 => "pigs", _ => "fish" };
            var risk = 0.4 - land * 0.008 + (project == "fish" ? 0.15 : 0);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{land},{project},\"row {i}, ok\",{(random.NextDouble() < risk ? 1 : 0)}"));
        }
        File.WriteAllLines(path, lines);
        try
        {
            var data = DatasetLoader.Load(path, "csv", "defaulted");

            Assert.Equal([FeatureKind.Numeric, FeatureKind.Categorical, FeatureKind.Categorical], data.Columns.Select(c => c.Kind));
            Assert.Equal("note, free text", data.Columns[2].Name);
            var result = ScorecardTrainer.CrossValidate(data, new TrainingOptions { Folds = 3, Repeats = 1 });
            Assert.InRange(result.Auc, 0.55, 1.0);
            var missingTarget = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(path, "csv", "bad"));
            Assert.Contains("no column named 'bad'", missingTarget.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Psi_flags_a_shifted_population_and_not_a_resample_of_the_same_one()
    {
        var data = DatasetLoader.LoadGerman(SharedDatasets.GermanCredit);
        var firstHalf = data.Subset(Enumerable.Range(0, 500).ToArray());
        var secondHalf = data.Subset(Enumerable.Range(500, 500).ToArray());
        var older = data.Subset(Enumerable.Range(0, 1000).Where(i => data.Rows[i][12].Number >= 40).ToArray());

        var same = PopulationStability.Compare(firstHalf, secondHalf);
        var shifted = PopulationStability.Compare(data, older);

        Assert.True(same.Single(f => f.Feature == "age").Psi < 0.1);
        Assert.True(shifted.Single(f => f.Feature == "age").Psi > 0.25);
    }
}
