using System.Globalization;
using System.Text;

namespace RuralLoans.Domain.Scoring.Training;

public sealed record DatasetColumn(string Name, FeatureKind Kind);

/// <summary>Labelled rows to train or evaluate a scorecard on: one value per column per row, target 1 = bad.</summary>
public sealed class TrainingDataset
{
    public TrainingDataset(string name, IReadOnlyList<DatasetColumn> columns, IReadOnlyList<FeatureValue[]> rows, IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(targets);
        if (rows.Count != targets.Count)
        {
            throw new ArgumentException("Every row needs exactly one target.", nameof(targets));
        }
        if (targets.Any(t => t is not (0 or 1)))
        {
            throw new ArgumentException("Targets must be 0 (good) or 1 (bad).", nameof(targets));
        }
        Name = name;
        Columns = columns;
        Rows = rows;
        Targets = targets;
    }

    public string Name { get; }
    public IReadOnlyList<DatasetColumn> Columns { get; }
    public IReadOnlyList<FeatureValue[]> Rows { get; }
    public IReadOnlyList<int> Targets { get; }
    public int Count => Rows.Count;
    public int Bads => Targets.Sum();

    /// <summary>The same rows without the named columns (ids, protected attributes); unknown names are an error.</summary>
    public TrainingDataset WithoutColumns(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var unknown = names.Where(n => Columns.All(c => c.Name != n)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"No column named {string.Join(", ", unknown.Select(u => $"'{u}'"))} (columns: {string.Join(", ", Columns.Select(c => c.Name))}).", nameof(names));
        }
        var keep = Enumerable.Range(0, Columns.Count).Where(c => !names.Contains(Columns[c].Name)).ToArray();
        return new TrainingDataset(Name, keep.Select(c => Columns[c]).ToArray(), Rows.Select(r => keep.Select(c => r[c]).ToArray()).ToArray(), Targets);
    }

    /// <summary>The index of the named column, or −1.</summary>
    public int ColumnIndex(string name)
    {
        for (var c = 0; c < Columns.Count; c++)
        {
            if (string.Equals(Columns[c].Name, name, StringComparison.Ordinal))
            {
                return c;
            }
        }
        return -1;
    }

    public TrainingDataset Subset(IReadOnlyList<int> indexes, string? name = null) =>
        new(name ?? Name, Columns, indexes.Select(i => Rows[i]).ToArray(), indexes.Select(i => Targets[i]).ToArray());

    /// <summary>The row as a feature-name → value map, the shape the scorer takes.</summary>
    public Dictionary<string, FeatureValue> RowAsInput(int row)
    {
        var input = new Dictionary<string, FeatureValue>(Columns.Count, StringComparer.Ordinal);
        for (var c = 0; c < Columns.Count; c++)
        {
            input[Columns[c].Name] = Rows[row][c];
        }
        return input;
    }
}

/// <summary>Reads labelled credit data from disk.</summary>
public static class DatasetLoader
{
    // UCI Statlog German credit, attributes A1..A20: which of them are numbers rather than codes.
    private static readonly HashSet<int> GermanNumericAttributes = [2, 5, 8, 11, 13, 16, 18];

    private static readonly string[] GermanAttributeNames =
    [
        "checkingStatus", "durationMonths", "creditHistory", "purpose", "creditAmount", "savings", "employmentSince",
        "instalmentRate", "personalStatus", "otherDebtors", "residenceSince", "property", "age", "otherInstalmentPlans",
        "housing", "existingCredits", "job", "peopleLiable", "telephone", "foreignWorker",
    ];

    public static TrainingDataset Load(string path, string format, string? targetColumn = null) => format.ToLowerInvariant() switch
    {
        "german" => LoadGerman(path),
        "csv" => LoadCsv(path, targetColumn ?? throw new ArgumentException("CSV data needs --target naming its 0/1 column.", nameof(targetColumn))),
        _ => throw new ArgumentException($"Unknown data format '{format}': use german or csv.", nameof(format)),
    };

    /// <summary>UCI german.data: whitespace separated, 20 attributes, last column 1 = good, 2 = bad.</summary>
    public static TrainingDataset LoadGerman(string path)
    {
        var columns = GermanAttributeNames
            .Select((name, i) => new DatasetColumn(name, GermanNumericAttributes.Contains(i + 1) ? FeatureKind.Numeric : FeatureKind.Categorical))
            .ToArray();
        var rows = new List<FeatureValue[]>();
        var targets = new List<int>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(RequireFile(path)))
        {
            lineNumber++;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }
            if (fields.Length != columns.Length + 1)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected {columns.Length + 1} fields in german format, found {fields.Length}.");
            }
            rows.Add(columns.Select((column, c) => ParseValue(column, fields[c], path, lineNumber)).ToArray());
            targets.Add(fields[^1] switch
            {
                "1" => 0,
                "2" => 1,
                _ => throw new InvalidDataException($"{path}:{lineNumber}: the class must be 1 (good) or 2 (bad), found '{fields[^1]}'."),
            });
        }
        return new TrainingDataset(Path.GetFileName(path), columns, rows, targets);
    }

    /// <summary>
    /// A CSV with a header row. A column is numeric when every non-empty value parses as a number, categorical
    /// otherwise; <paramref name="targetColumn"/> holds 0 (good) or 1 (bad).
    /// </summary>
    public static TrainingDataset LoadCsv(string path, string targetColumn) =>
        LoadCsv(File.ReadLines(RequireFile(path)), path, targetColumn);

    /// <summary>CSV lines (header first) already in memory; <paramref name="path"/> names the source in messages.</summary>
    public static TrainingDataset LoadCsv(IEnumerable<string> lines, string path, string targetColumn)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var records = lines.Where(l => l.Length > 0).Select(ParseCsvLine).ToList();
        if (records.Count < 2)
        {
            throw new InvalidDataException($"{path}: a header row and at least one data row are needed.");
        }
        var header = records[0];
        var targetIndex = Array.FindIndex(header, h => string.Equals(h, targetColumn, StringComparison.OrdinalIgnoreCase));
        if (targetIndex < 0)
        {
            throw new InvalidDataException($"{path}: no column named '{targetColumn}' (columns: {string.Join(", ", header)}).");
        }
        var data = records.Skip(1).ToList();
        for (var r = 0; r < data.Count; r++)
        {
            if (data[r].Length != header.Length)
            {
                throw new InvalidDataException($"{path}:{r + 2}: expected {header.Length} fields, found {data[r].Length}.");
            }
        }
        var featureIndexes = Enumerable.Range(0, header.Length).Where(i => i != targetIndex).ToArray();
        var columns = featureIndexes
            .Select(i => new DatasetColumn(header[i], data.All(row => IsMissingText(row[i]) || double.TryParse(row[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                ? FeatureKind.Numeric
                : FeatureKind.Categorical))
            .ToArray();
        var rows = data.Select((row, r) => featureIndexes.Select((i, c) => ParseValue(columns[c], row[i], path, r + 2)).ToArray()).ToList();
        var targets = data.Select((row, r) => row[targetIndex].Trim() switch
        {
            "0" => 0,
            "1" => 1,
            var other => throw new InvalidDataException($"{path}:{r + 2}: target '{targetColumn}' must be 0 or 1, found '{other}'."),
        }).ToList();
        return new TrainingDataset(Path.GetFileName(path), columns, rows, targets);
    }

    private static FeatureValue ParseValue(DatasetColumn column, string text, string path, int line)
    {
        if (column.Kind == FeatureKind.Categorical)
        {
            return FeatureValue.Of(text.Length == 0 ? "(missing)" : text);
        }
        if (IsMissingText(text))
        {
            return FeatureValue.Missing;
        }
        return FeatureValue.Of(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>Empty, NA and ? mark a missing number; the binner gives missing values a bin of their own.</summary>
    private static bool IsMissingText(string text) => text.Length == 0 || text is "NA" or "?";

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"Data file not found: {Path.GetFullPath(path)}", path);

    private static string[] ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString().Trim());
        return [.. fields];
    }
}
