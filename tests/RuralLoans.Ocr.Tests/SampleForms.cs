using RuralLoans.FormGenerator;

namespace RuralLoans.Ocr.Tests;

/// <summary>The committed sample forms under samples/forms, found from the test's working directory upwards.</summary>
public static class SampleForms
{
    public static string Directory { get; } = Locate();

    public static IReadOnlyList<SampleForm> All { get; } = SampleForm.LoadAll(Directory);

    public static TheoryData<string> Files(QualityTier tier) => [.. All.Where(f => f.Tier == tier).Select(f => f.File)];

    public static SampleForm Get(string file) => All.Single(f => f.File == file);

    public static byte[] Bytes(string file) => File.ReadAllBytes(Path.Combine(Directory, file));

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "forms");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("samples/forms not found above " + AppContext.BaseDirectory + "; regenerate with: dotnet run --project tools/RuralLoans.FormGenerator -- samples");
    }
}
