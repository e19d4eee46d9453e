using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RuralLoans.Domain.Scoring.Training;
using RuralLoans.Scoring.Challenger;
using Spectre.Console;

namespace RuralLoans.Cli.Commands;

/// <summary>Coarse-classing report, champion–challenger comparison and the generated card-holder data.</summary>
internal static partial class ModelCommand
{
    private static Command Bins()
    {
        var data = new DataOptions();
        var pngDir = new Option<DirectoryInfo?>("--png-dir") { Description = "Write one PNG per variable (WOE per bin, rows, bad rate) here" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("bins", "Coarse-classing report: bins per variable fitted on all rows (rows, bad rate, WOE, IV), as tables and PNGs")
        { data.Data, data.Format, data.Target, data.Exclude, data.ProtectedConfig, data.AgeJustification, pngDir, json };
        command.SetAction(parse =>
        {
            var dataset = LoadOrExplain(parse.GetValue(data.Data)!, parse.GetValue(data.Format)!, parse.GetValue(data.Target));
            var excluded = dataset is null ? null : data.Excluded(parse, dataset);
            if (dataset is null || excluded is null)
            {
                return 2;
            }
            var binning = new BinningOptions();
            var features = Enumerable.Range(0, dataset.Columns.Count)
                .Where(c => !excluded.Contains(dataset.Columns[c].Name))
                .Select(c => WoeBinner.Fit(dataset, c, binning))
                .OrderByDescending(f => f.InformationValue)
                .ToArray();
            var goods = dataset.Count - dataset.Bads;
            var directory = parse.GetValue(pngDir);
            var pictures = new List<string>();
            if (directory is not null)
            {
                directory.Create();
                pictures.AddRange(features.Select(f => ModelPlots.CoarseClasses(f, directory.FullName)));
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    dataset = dataset.Name,
                    rows = dataset.Count,
                    bads = dataset.Bads,
                    excluded,
                    features = features.Select(f => new
                    {
                        feature = f.Name,
                        kind = f.Kind.ToString(),
                        shape = f.Shape,
                        iv = f.InformationValue,
                        bins = f.Bins.Select(b => new
                        {
                            label = b.Label,
                            rows = b.Goods + b.Bads,
                            goods = b.Goods,
                            bads = b.Bads,
                            badRate = (double)b.Bads / Math.Max(1, b.Goods + b.Bads),
                            woe = b.Woe,
                            iv = WoeBinner.BinInformationValue(b, goods, dataset.Bads, f.Bins.Count, binning.Smoothing),
                            special = b.IsSpecial,
                            missing = b.IsMissing,
                        }),
                    }),
                    pictures,
                }, JsonOutput));
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dataset.Name)}[/]: {dataset.Count} rows, {dataset.Bads} bad. Bins fitted on all rows (training fits them inside each fold).");
            foreach (var f in features)
            {
                var table = new Table().RoundedBorder()
                    .Title($"{Markup.Escape(f.Name)} — IV {F(f.InformationValue)} ({Strength(f.InformationValue)}), {Markup.Escape(f.Shape ?? "")}")
                    .AddColumn("bin").AddColumn(new TableColumn("rows").RightAligned()).AddColumn(new TableColumn("share").RightAligned())
                    .AddColumn(new TableColumn("bads").RightAligned()).AddColumn(new TableColumn("bad rate").RightAligned())
                    .AddColumn(new TableColumn("WOE").RightAligned()).AddColumn(new TableColumn("IV").RightAligned());
                foreach (var b in f.Bins)
                {
                    var n = b.Goods + b.Bads;
                    table.AddRow(Markup.Escape(b.Label), n.ToString(CultureInfo.InvariantCulture), ((double)n / dataset.Count).ToString("P1", CultureInfo.InvariantCulture),
                        b.Bads.ToString(CultureInfo.InvariantCulture), ((double)b.Bads / Math.Max(1, n)).ToString("P1", CultureInfo.InvariantCulture),
                        b.Woe.ToString("+0.000;-0.000", CultureInfo.InvariantCulture), F(WoeBinner.BinInformationValue(b, goods, dataset.Bads, f.Bins.Count, binning.Smoothing)));
                }
                AnsiConsole.Write(table);
            }
            foreach (var picture in pictures)
            {
                Console.WriteLine($"Picture: {picture}");
            }
            return 0;
        });
        return command;
    }

    private static Command Compare()
    {
        var data = new DataOptions();
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds", DefaultValueFactory = _ => 5 };
        var repeats = new Option<int>("--repeats") { Description = "Cross-validation repeats with reshuffled folds", DefaultValueFactory = _ => 2 };
        var badRate = new Option<double?>("--bad-rate") { Description = "Bad rate among approved at which approval rates are compared (default: half the data's bad rate)" };
        var outDir = new Option<DirectoryInfo>("--out-dir") { Description = "Where roc.png and reliability.png go", DefaultValueFactory = _ => new DirectoryInfo("model-compare") };
        var noPlain = new Option<bool>("--no-plain") { Description = "Leave out the plain gradient-boosting baseline" };
        var noMonotone = new Option<bool>("--no-monotone") { Description = "Train the challenger without the fold scorecard's monotone trends as constraints" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("compare", "Champion scorecard against the gradient-boosting challenger on the same folds: AUC, KS, Brier, approval at equal bad rate, ROC and reliability PNGs")
        { data.Data, data.Format, data.Target, data.Exclude, data.ProtectedConfig, data.AgeJustification, folds, repeats, badRate, outDir, noPlain, noMonotone, json };
        command.SetAction(parse =>
        {
            var dataset = LoadOrExplain(parse.GetValue(data.Data)!, parse.GetValue(data.Format)!, parse.GetValue(data.Target));
            var excluded = dataset is null ? null : data.Excluded(parse, dataset);
            if (dataset is null || excluded is null)
            {
                return 2;
            }
            var k = parse.GetValue(folds);
            if (k < 2 || k > dataset.Bads)
            {
                Console.Error.WriteLine($"--folds must be between 2 and the number of bad rows ({dataset.Bads}).");
                return 2;
            }
            var options = new TrainingOptions { Folds = k, Repeats = parse.GetValue(repeats), ExcludedColumns = excluded }.WithProtectedScreen(data.Screen!);
            var result = ModelComparison.Run(dataset, options, new ChallengerOptions { ExcludedColumns = excluded, Seed = options.Seed }, k, Math.Max(1, options.Repeats),
                parse.GetValue(badRate), includePlain: !parse.GetValue(noPlain), monotone: !parse.GetValue(noMonotone));
            var directory = parse.GetValue(outDir)!;
            directory.Create();
            var roc = ModelPlots.Roc(result, directory.FullName);
            var reliability = ModelPlots.Reliability(result, directory.FullName);
            var used = dataset.Columns.Select(c => c.Name).Where(n => !excluded.Contains(n)).ToArray();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    dataset = result.Dataset,
                    rows = result.Rows,
                    bads = result.Bads,
                    folds = result.Folds,
                    repeats = result.Repeats,
                    columnsUsed = used,
                    excluded,
                    targetBadRate = result.TargetBadRate,
                    models = result.Models.Select(m => new { name = m.Name, auc = m.Auc, aucStdDev = m.AucStdDev, pooledAuc = m.PooledAuc, ks = m.Ks, brier = m.Brier, approvalAtBadRate = m.ApprovalAtBadRate, seconds = m.Seconds }),
                    roc,
                    reliability,
                }, JsonOutput));
                return 0;
            }
            Console.WriteLine($"Columns used: {string.Join(", ", used)}");
            Console.WriteLine($"Excluded: {(excluded.Length == 0 ? "none" : string.Join(", ", excluded))}");
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.Dataset)}[/]: {result.Rows} rows, {result.Bads} bad; {result.Folds}-fold stratified CV × {result.Repeats} repeats, same folds for every model");
            var table = new Table().RoundedBorder().AddColumn("model")
                .AddColumn(new TableColumn("AUC (± sd over folds)").RightAligned()).AddColumn(new TableColumn("KS").RightAligned())
                .AddColumn(new TableColumn("Brier").RightAligned())
                .AddColumn(new TableColumn(string.Create(CultureInfo.InvariantCulture, $"approved at bad rate ≤ {result.TargetBadRate:P1}")).RightAligned())
                .AddColumn(new TableColumn("seconds").RightAligned());
            foreach (var m in result.Models)
            {
                table.AddRow(Markup.Escape(m.Name), $"{F(m.Auc)} ± {F(m.AucStdDev)}", F(m.Ks), F(m.Brier), m.ApprovalAtBadRate.ToString("P1", CultureInfo.InvariantCulture), m.Seconds.ToString("0.0", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"ROC: {roc}");
            Console.WriteLine($"Reliability: {reliability}");
            return 0;
        });
        return command;
    }

    private static Command GenerateCardholders()
    {
        var rows = new Option<int>("--rows") { Description = "Card holders to generate", DefaultValueFactory = _ => 30_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same file)", DefaultValueFactory = _ => 7 };
        var output = new Option<FileInfo>("--out") { Description = "CSV file to write", Required = true };
        var command = new Command("generate-cardholders", $"Write a GENERATED card-holder credit dataset (repayment-status codes -2/-1/0/1..8, bills, payments; target {CardholderDataGenerator.TargetColumn})")
        { rows, seed, output };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(output)!;
            using (var writer = new StreamWriter(file.FullName))
            {
                CardholderDataGenerator.WriteCsv(writer, parse.GetValue(rows), parse.GetValue(seed));
            }
            Console.WriteLine($"Generated {parse.GetValue(rows)} card holders (synthetic, not real people) to {file.FullName}; target column {CardholderDataGenerator.TargetColumn}, id column 'id'.");
            return 0;
        });
        return command;
    }

    private static Command TrainRuralShadow()
    {
        var rows = new Option<int>("--rows") { Description = "Simulated applications to train on", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same data)", DefaultValueFactory = _ => 11 };
        var version = new Option<string>("--version") { Description = "Version of the new challenger artifact; must not be a shipped version", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Challenger artifact (JSON) to write", Required = true };
        var command = new Command("train-rural-shadow",
            "Train the rural household shadow challenger on GENERATED applications whose outcomes are drawn from the expert scorecard's PD")
        { rows, seed, version, output };
        command.SetAction(parse =>
        {
            var newVersion = parse.GetValue(version)!;
            if (ShippedVersionRefusal(ChallengerCatalog.RuralHouseholdId, newVersion) is { } refusal)
            {
                Console.Error.WriteLine(refusal);
                return 2;
            }
            var champion = Domain.Scoring.ScorecardModelCatalog.RuralHousehold;
            var data = RuralHouseholdSimulation.Generate(champion, parse.GetValue(rows), parse.GetValue(seed));
            var challenger = ChallengerModel.Train(data, new ChallengerOptions(), ChallengerCatalog.RuralHouseholdId, newVersion, champion);
            var file = parse.GetValue(output)!;
            File.WriteAllText(file.FullName, challenger.ToJson());
            Console.WriteLine($"Trained {challenger.ModelId} {challenger.ModelVersion} on {data.Name}: {data.Count} rows, {data.Bads} bad. "
                + $"GENERATED outcomes: it learns the expert scorecard back and says nothing about real repayment risk. Written to {file.FullName} (SHA-256 {challenger.ModelSha256}).");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Recorded decisions name a challenger by id and version and the audit re-scores them with that very artifact, so
    /// a retrained model under a shipped version would make old decisions fail their audit.
    /// </summary>
    internal static string? ShippedVersionRefusal(string modelId, string version)
    {
        var shipped = ChallengerCatalog.ShippedVersions().Where(v => v.ModelId == modelId).Select(v => v.Version).ToList();
        return shipped.Contains(version, StringComparer.Ordinal)
            ? $"{modelId} {version} is shipped, and shipped versions are never changed: recorded decisions are audited against it. "
                + $"Give the retrained challenger a new --version (shipped: {string.Join(", ", shipped)})."
            : null;
    }

    private static Command Cards()
    {
        var outDir = new Option<DirectoryInfo>("--out-dir")
        {
            Description = "Web root to write models/{id}/{version}/card.txt under",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(RepositoryPaths.Root, "src", "RuralLoans.Host", "wwwroot")),
        };
        var command = new Command("cards", "Write the model card of every shipped scorecard and challenger for the portal") { outDir };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(outDir)!.FullName;
            foreach (var (id, version) in ShippedModelCards.All())
            {
                var path = Path.Combine(root, ShippedModelCards.RelativePath(id, version));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, ShippedModelCards.Find(id, version));
                Console.WriteLine($"{id} {version}: {path}");
            }
            return 0;
        });
        return command;
    }
}
