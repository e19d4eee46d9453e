using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RuralLoans.Host.Functions;

/// <summary>Writes the Functions app layout: host.json at the root and one folder with a function.json per function.</summary>
public static class FunctionAppEmitter
{
    public const string FunctionFileName = "function.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Emits into <paramref name="directory"/>; function folders of an earlier emit that no longer exist are removed.</summary>
    public static void Emit(string directory, FunctionHostConfiguration host, IReadOnlyList<FunctionDeclaration> functions)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(functions);
        var duplicate = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two functions are named '{duplicate.Key}'.");
        }

        Directory.CreateDirectory(directory);
        var wanted = functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.EnumerateDirectories(directory)
            .Where(folder => File.Exists(Path.Combine(folder, FunctionFileName)) && !wanted.Contains(Path.GetFileName(folder))))
        {
            Directory.Delete(stale, recursive: true);
        }

        File.WriteAllText(Path.Combine(directory, "host.json"), Serialize(host.ToHostJson()));
        foreach (var function in functions)
        {
            var folder = Path.Combine(directory, function.Name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, FunctionFileName), Serialize(function.ToFunctionJson()));
        }
    }

    /// <summary>Two-space indented JSON with a final newline, so emitted files diff cleanly against committed ones.</summary>
    public static string Serialize(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
    }
}
