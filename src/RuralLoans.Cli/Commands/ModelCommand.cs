using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RuralLoans.Domain.Scoring;
using RuralLoans.Domain.Scoring.Training;
using RuralLoans.Scoring.Challenger;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>Trains, evaluates, compares and monitors credit scorecards and their challenger on labelled credit data.</summary>
internal static partial class ModelCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("model", "Train, evaluate and monitor credit scorecards");
        command.Subcommands.Add(TrainOrEvaluate(train: true));
        command.Subcommands.Add(TrainOrEvaluate(train: false));
        command.Subcommands.Add(Psi());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Bins());
        command.Subcommands.Add(Compare());
        command.Subcommands.Add(GenerateCardholders());
        command.Subcommands.Add(TrainRuralShadow());
        command.Subcommands.Add(Cards());
        return command;
    }

    private sealed class DataOptions
    {
        public Option<FileInfo> Data { get; } = new("--data") { Description = "Labelled data file", Required = true };
        public Option<string> Format { get; } = Formats("--format");
        public Option<string?> Target { get; } = new("--target") { Description = "CSV only: the 0/1 column, 1 = bad" };
        public Option<string[]> Exclude { get; } = new("--exclude")
        {
            Description = "Columns the model must not use (an id, protected attributes); repeat or separate with commas",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };

        public Option<FileInfo?> ProtectedConfig { get; } = new("--protected-config")
        {
            Description = "Protected attributes the model must not use (default: config/protected-attributes.json)",
        };

        public Option<string?> AgeJustification { get; } = new("--age-justification")
        {
            Description = "Why age may be used (recorded in the model card); without it age columns are excluded",
        };

        /// <summary>The protected-attribute screen of the last <see cref="Excluded"/> call.</summary>
        public ProtectedScreen? Screen { get; private set; }

        /// <summary>
        /// The excluded column names — those given with --exclude, checked against the data, and every column the
        /// protected-attribute configuration recognises — after saying which protected columns were excluded and why;
        /// null (after explaining) when a name is unknown or the configuration cannot be read.
        /// </summary>
        public string[]? Excluded(ParseResult parse, TrainingDataset dataset)
        {
            var names = parse.GetValue(Exclude)!.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToArray();
            var unknown = names.Where(n => dataset.ColumnIndex(n) < 0).ToArray();
            if (unknown.Length > 0)
            {
                Console.Error.WriteLine($"--exclude names no column of the data: {string.Join(", ", unknown)} (columns: {string.Join(", ", dataset.Columns.Select(c => c.Name))}).");
                return null;
            }
            var configFile = parse.GetValue(ProtectedConfig)?.FullName ?? Path.Combine(RepositoryPaths.Root, "config", "protected-attributes.json");
            ProtectedAttributePolicy policy;
            try
            {
                policy = ProtectedAttributePolicy.FromJson(File.ReadAllText(configFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
            {
                Console.Error.WriteLine($"The protected-attribute configuration {configFile} cannot be read: {e.Message}");
                return null;
            }
            Screen = policy.Screen([.. dataset.Columns.Select(c => c.Name)], parse.GetValue(Format) == "german", parse.GetValue(AgeJustification));
            foreach (var exclusion in Screen.Excluded)
            {
                Console.Error.WriteLine($"Protected attribute excluded: {exclusion.Column} — {exclusion.Attribute} ({exclusion.Because})");
            }
            if (Screen.AgeColumns.Count > 0)
            {
                Console.Error.WriteLine($"Age may be used ({string.Join(", ", Screen.AgeColumns)}): {Screen.AgeJustification}");
            }
            return [.. names.Union(Screen.Excluded.Select(e => e.Column), StringComparer.Ordinal)];
        }

        public static Option<string> Formats(string name)
        {
            var option = new Option<string>(name) { Description = "german (UCI german.data) or csv (header row, 0/1 target column)", DefaultValueFactory = _ => "csv" };
            option.AcceptOnlyFromAmong("german", "csv");
            return option;
        }
    }

    private static Command TrainOrEvaluate(bool train)
    {
        var data = new DataOptions();
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds", DefaultValueFactory = _ => 5 };
        var repeats = new Option<int>("--repeats") { Description = "Cross-validation repeats with reshuffled folds (averaged)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the trained model artifact (JSON) here" };
        var modelFile = new Option<FileInfo?>("--model") { Description = "Evaluate this saved model on the data instead of cross-validating" };
        var modelId = new Option<string>("--model-id") { Description = "Id recorded in the model artifact", DefaultValueFactory = _ => "scorecard" };
        var version = new Option<string>("--model-version") { Description = "Version recorded in the model artifact", DefaultValueFactory = _ => "1.0.0" };
        var card = new Option<FileInfo?>("--card") { Description = "Write the model card (Markdown) here; default: next to --out as MODEL.card.md" };
        var groups = new Option<string[]>("--group")
        {
            Description = "Columns to report approval-rate differences for in the model card (may be excluded columns)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };
        var ageColumn = new Option<string>("--age-column") { Description = "Numeric column whose bands the model card reports approval for", DefaultValueFactory = _ => "age" };
        var approvalRate = new Option<double>("--approval-rate") { Description = "Model card: overall approval rate at which groups are compared", DefaultValueFactory = _ => 0.7 };
        var challengerOut = new Option<FileInfo?>("--challenger-out") { Description = "Also train the gradient-boosting challenger on all rows and write it here" };
        var noMonotone = new Option<bool>("--no-monotone") { Description = "Train the challenger without the scorecard's monotone trends as constraints" };
        var command = train
            ? new Command("train", "Cross-validate, then fit a scorecard on all rows and write it with its model card")
            { data.Data, data.Format, data.Target, data.Exclude, data.ProtectedConfig, data.AgeJustification, folds, repeats, output, modelId, version, card, groups, ageColumn, approvalRate, challengerOut, noMonotone, json }
            : new Command("evaluate", "Cross-validate the training recipe, or score the data with a saved --model")
            { data.Data, data.Format, data.Target, data.Exclude, data.ProtectedConfig, data.AgeJustification, folds, repeats, modelFile, json };
        command.SetAction(parse =>
        {
            var dataset = LoadOrExplain(parse.GetValue(data.Data)!, parse.GetValue(data.Format)!, parse.GetValue(data.Target));
            var excluded = dataset is null ? null : data.Excluded(parse, dataset);
            if (dataset is null || excluded is null)
            {
                return 2;
            }
            var options = new TrainingOptions { Folds = parse.GetValue(folds), Repeats = parse.GetValue(repeats), ExcludedColumns = excluded }.WithProtectedScreen(data.Screen!);
            var savedModel = train ? null : parse.GetValue(modelFile);
            if (savedModel is not null)
            {
                return EvaluateSaved(dataset, savedModel, parse.GetValue(json));
            }
            var outputFile = train ? parse.GetValue(output) : null;
            var cardFile = parse.GetValue(card) ?? (outputFile is null ? null : new FileInfo(Path.ChangeExtension(outputFile.FullName, ".card.md")));
            var report = new CardRequest(train ? cardFile : null, parse.GetValue(groups)!.SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                parse.GetValue(ageColumn), parse.GetValue(approvalRate), train ? parse.GetValue(challengerOut) : null, !parse.GetValue(noMonotone),
                parse.GetValue(data.Format) == "csv" ? $"column '{parse.GetValue(data.Target)}': 1 = bad (defaulted), 0 = good" : "UCI class attribute: 2 = bad, 1 = good");
            return CrossValidateAndMaybeTrain(dataset, options, outputFile, parse.GetValue(modelId)!, parse.GetValue(version)!, parse.GetValue(json), report);
        });
        return command;
    }

    private sealed record CardRequest(FileInfo? Card, IReadOnlyList<string> Groups, string? AgeColumn, double ApprovalRate, FileInfo? ChallengerOut, bool Monotone, string TargetDefinition);

    private static int CrossValidateAndMaybeTrain(TrainingDataset dataset, TrainingOptions options, FileInfo? output, string modelId, string version, bool json, CardRequest report)
    {
        var missingGroups = report.Groups.Where(g => dataset.ColumnIndex(g) < 0).ToArray();
        if (missingGroups.Length > 0)
        {
            Console.Error.WriteLine($"--group names no column of the data: {string.Join(", ", missingGroups)}.");
            return 2;
        }
        var used = dataset.Columns.Select(c => c.Name).Where(n => !options.ExcludedColumns.Contains(n)).ToArray();
        if (!json)
        {
            Console.WriteLine($"Columns used: {string.Join(", ", used)}");
            Console.WriteLine($"Excluded: {(options.ExcludedColumns.Count == 0 ? "none" : string.Join(", ", options.ExcludedColumns))}");
        }
        if (options.Folds < 2 || options.Folds > dataset.Bads)
        {
            Console.Error.WriteLine($"--folds must be between 2 and the number of bad rows ({dataset.Bads}).");
            return 2;
        }
        var validation = ScorecardTrainer.CrossValidate(dataset, options);
        var information = ScorecardTrainer.InformationValues(dataset, options);
        var penalties = validation.Folds.GroupBy(f => (f.PenaltyMultiplier, f.MergeSignificance)).OrderByDescending(g => g.Count())
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"penalty x{g.Key.PenaltyMultiplier} / chi-merge {g.Key.MergeSignificance} in {g.Count()} folds"));
        var metrics = new ModelMetrics
        {
            Auc = validation.Auc,
            Gini = validation.Gini,
            Ks = validation.Ks,
            FoldAucs = validation.Folds.Select(f => f.Auc).ToArray(),
            Basis = $"{options.Folds}-fold stratified cross-validation, {options.Repeats} repeats",
        };
        ScorecardModel? model = null;
        (string Feature, int Direction, bool Constrained, double Share)[] monotonicity = [];
        if (output is not null || report.Card is not null || report.ChallengerOut is not null)
        {
            model = ScorecardTrainer.Fit(dataset, options, modelId, version, TimeProvider.System.GetUtcNow(), metrics);
        }
        if (output is not null)
        {
            File.WriteAllText(output.FullName, model!.ToJson());
        }
        if (report.Card is not null)
        {
            var content = ModelCard.Build(model!, dataset, validation, validation.OutOfFold, options.ExcludedColumns, report.TargetDefinition, report.Groups,
                dataset.ColumnIndex(report.AgeColumn ?? "") >= 0 ? report.AgeColumn : null, report.ApprovalRate, options.Seed);
            File.WriteAllText(report.Card.FullName, ModelCard.ToMarkdown(content));
        }
        if (report.ChallengerOut is not null)
        {
            var constraints = report.Monotone ? ChallengerOptions.MonotoneFrom(model!) : [];
            var challenger = ChallengerModel.Train(dataset, new ChallengerOptions { ExcludedColumns = options.ExcludedColumns, Seed = options.Seed, MonotoneConstraints = constraints },
                modelId + "-challenger", version, model);
            File.WriteAllText(report.ChallengerOut.FullName, challenger.ToJson());
            monotonicity = model!.Features
                .Where(f => f.Kind == FeatureKind.Numeric && f.Shape is { } shape && shape.StartsWith("monotone", StringComparison.Ordinal))
                .Select(f => (f.Name, Direction: f.Shape!.StartsWith("monotone increasing", StringComparison.Ordinal) ? 1 : -1,
                    Codes: f.Bins.SelectMany(b => b.Values ?? []).ToArray()))
                .Select(f => (f.Name, f.Direction, Constrained: constraints.Any(c => c.Feature == f.Name), Share: challenger.MonotonicityViolations(dataset, f.Name, f.Direction, f.Codes)))
                .ToArray();
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                dataset = dataset.Name,
                rows = dataset.Count,
                bads = dataset.Bads,
                folds = options.Folds,
                repeats = options.Repeats,
                auc = validation.Auc,
                gini = validation.Gini,
                ks = validation.Ks,
                pooledAuc = validation.PooledAuc,
                foldAucs = metrics.FoldAucs,
                columnsUsed = used,
                excluded = options.ExcludedColumns,
                protectedExcluded = options.ProtectedExclusions,
                ageJustification = options.AgeJustification,
                columnsInModel = model?.Features.Select(f => f.Name),
                card = report.Card?.FullName,
                challenger = report.ChallengerOut?.FullName,
                challengerMonotonicityViolations = monotonicity.Select(m => new { feature = m.Feature, direction = m.Direction, constrained = m.Constrained, share = m.Share }),
                informationValues = information.Select(i => new { feature = i.Feature, kind = i.Kind.ToString(), iv = i.InformationValue, bins = i.Bins, selected = i.Selected }),
                model = output?.FullName,
            }, JsonOutput));
            return 0;
        }
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dataset.Name)}[/]: {dataset.Count} rows, {dataset.Bads} bad; {Markup.Escape(metrics.Basis)}");
        var summary = new Table().RoundedBorder().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        summary.AddRow("AUC", F(validation.Auc));
        summary.AddRow("Gini", F(validation.Gini));
        summary.AddRow("KS", F(validation.Ks));
        summary.AddRow("AUC (pooled out-of-fold)", F(validation.PooledAuc));
        summary.AddRow("AUC range over folds", $"{F(validation.Folds.Min(f => f.Auc))} – {F(validation.Folds.Max(f => f.Auc))}");
        summary.AddRow("chosen by inner CV", Markup.Escape(string.Join("; ", penalties)));
        AnsiConsole.Write(summary);
        AnsiConsole.Write(InformationTable(information));
        if (output is not null)
        {
            Console.WriteLine($"Model written to {output.FullName}");
        }
        if (report.Card is not null)
        {
            Console.WriteLine($"Model card written to {report.Card.FullName}");
        }
        if (report.ChallengerOut is not null)
        {
            Console.WriteLine($"Challenger written to {report.ChallengerOut.FullName}");
            // Constrained features should show 0 %; special codes are left off the grid (they stand outside the order).
            foreach (var (feature, direction, constrained, share) in monotonicity)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Challenger monotonicity, {feature} (risk should {(direction > 0 ? "rise" : "fall")} with the value; {(constrained ? "constrained" : "not constrained")}): {share:P1} of steps go the other way"));
            }
        }
        return 0;
    }

    private static int EvaluateSaved(TrainingDataset dataset, FileInfo modelFile, bool json)
    {
        if (!modelFile.Exists)
        {
            Console.Error.WriteLine($"Model file not found: {modelFile.FullName}");
            return 2;
        }
        var model = ScorecardModel.FromJson(File.ReadAllText(modelFile.FullName));
        double[] risk;
        try
        {
            risk = ScorecardTrainer.RiskScores(new Scorecard(model), dataset, Enumerable.Range(0, dataset.Count).ToArray());
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"The data does not fit model {model.ModelId} {model.Version}: {e.Message}");
            return 2;
        }
        var auc = ClassifierMetrics.Auc(risk, dataset.Targets);
        var ks = ClassifierMetrics.Ks(risk, dataset.Targets);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { dataset = dataset.Name, rows = dataset.Count, bads = dataset.Bads, modelId = model.ModelId, modelVersion = model.Version, auc, gini = ClassifierMetrics.Gini(auc), ks }, JsonOutput));
            return 0;
        }
        AnsiConsole.MarkupLine($"Model [bold]{Markup.Escape(model.ModelId)} {Markup.Escape(model.Version)}[/] on {Markup.Escape(dataset.Name)} ({dataset.Count} rows, {dataset.Bads} bad)");
        Console.WriteLine($"AUC {F(auc)}  Gini {F(ClassifierMetrics.Gini(auc))}  KS {F(ks)}");
        return 0;
    }

    private static Command Psi()
    {
        var expected = new Option<FileInfo>("--expected") { Description = "Development (reference) data", Required = true };
        var actual = new Option<FileInfo>("--actual") { Description = "Recent data to compare", Required = true };
        var format = DataOptions.Formats("--format");
        var target = new Option<string?>("--target") { Description = "CSV only: the 0/1 column (left out of the comparison)" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("psi", "Population stability index per feature between two datasets (> 0.25: act)") { expected, actual, format, target, json };
        command.SetAction(parse =>
        {
            var reference = LoadOrExplain(parse.GetValue(expected)!, parse.GetValue(format)!, parse.GetValue(target));
            var recent = LoadOrExplain(parse.GetValue(actual)!, parse.GetValue(format)!, parse.GetValue(target));
            if (reference is null || recent is null)
            {
                return 2;
            }
            IReadOnlyList<FeatureStability> stability;
            try
            {
                stability = PopulationStability.Compare(reference, recent);
            }
            catch (InvalidDataException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    expected = reference.Name,
                    actual = recent.Name,
                    maxPsi = stability.Max(s => s.Psi),
                    features = stability.Select(s => new { feature = s.Feature, psi = s.Psi, band = Band(s.Psi) }),
                }, JsonOutput));
                return 0;
            }
            var table = new Table().RoundedBorder().AddColumn("feature").AddColumn(new TableColumn("PSI").RightAligned()).AddColumn("reading");
            foreach (var s in stability.OrderByDescending(s => s.Psi))
            {
                table.AddRow(Markup.Escape(s.Feature), F(s.Psi), Band(s.Psi));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var modelFile = new Option<FileInfo?>("--model") { Description = "A saved model artifact; default: the shipped rural household model" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("show", "Print a scorecard's points table: base points and the points of every bin") { modelFile, json };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(modelFile);
            if (file is { Exists: false })
            {
                Console.Error.WriteLine($"Model file not found: {file.FullName}");
                return 2;
            }
            var model = file is null ? ScorecardModelCatalog.RuralHousehold : ScorecardModel.FromJson(File.ReadAllText(file.FullName));
            var scorecard = new Scorecard(model);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    modelId = model.ModelId,
                    version = model.Version,
                    calibration = model.Calibration,
                    basePoints = scorecard.BasePoints,
                    bins = scorecard.PointsTable().Select(p => new { feature = p.Feature, bin = p.Bin, points = p.Points }),
                }, JsonOutput));
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(model.ModelId)} {Markup.Escape(model.Version)}[/] ({Markup.Escape(model.Calibration)}): base points {scorecard.BasePoints:0.0}");
            var table = new Table().RoundedBorder().AddColumn("feature").AddColumn("bin").AddColumn(new TableColumn("points").RightAligned());
            foreach (var (feature, bin, points) in scorecard.PointsTable())
            {
                table.AddRow(Markup.Escape(feature), Markup.Escape(bin), points.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static string Band(double psi) => psi switch
    {
        < 0.1 => "stable",
        < 0.25 => "watch",
        _ => "shifted: act",
    };

    private static Table InformationTable(IReadOnlyList<FeatureInformation> information)
    {
        var table = new Table().RoundedBorder().AddColumn("feature").AddColumn("kind").AddColumn(new TableColumn("IV").RightAligned()).AddColumn(new TableColumn("bins").RightAligned()).AddColumn("strength").AddColumn("in model");
        foreach (var i in information.OrderByDescending(i => i.InformationValue))
        {
            table.AddRow(Markup.Escape(i.Feature), i.Kind.ToString(), F(i.InformationValue), i.Bins.ToString(CultureInfo.InvariantCulture), Strength(i.InformationValue), i.Selected ? "yes" : "no");
        }
        return table;
    }

    private static string Strength(double iv) => iv switch
    {
        < 0.02 => "useless",
        < 0.1 => "weak",
        < 0.3 => "medium",
        <= 0.5 => "strong",
        _ => "suspicious",
    };

    private static TrainingDataset? LoadOrExplain(FileInfo file, string format, string? target)
    {
        try
        {
            return DatasetLoader.Load(file.FullName, format, target);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return null;
        }
    }

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
