namespace RuralLoans.Testing;

/// <summary>Names that never collide between tests sharing one set of dev services, within each service's naming rules.</summary>
public static class UniqueNames
{
    /// <summary>Blob container or queue: lowercase letters, digits and hyphens, 3–63 characters.</summary>
    public static string Queue(string prefix = "q") => Lower(prefix, '-');

    public static string BlobContainer(string prefix = "c") => Lower(prefix, '-');

    /// <summary>Table: letters and digits only, starting with a letter, 3–63 characters.</summary>
    public static string Table(string prefix = "t") => Lower(prefix, null);

    public static string CosmosContainer(string prefix = "container") => $"{prefix}-{Suffix()}";

    public static string CosmosDatabase(string prefix = "db") => $"{prefix}-{Suffix()}";

    private static string Lower(string prefix, char? separator)
    {
        var cleaned = new string(prefix.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == separator).Take(40).ToArray());
        while (cleaned.Contains("--", StringComparison.Ordinal))
        {
            cleaned = cleaned.Replace("--", "-", StringComparison.Ordinal);
        }

        cleaned = cleaned.Trim('-');
        if (cleaned.Length == 0 || !char.IsAsciiLetter(cleaned[0]))
        {
            cleaned = "x" + cleaned;
        }

        return separator is { } s ? $"{cleaned}{s}{Suffix()}" : cleaned + Suffix();
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..12];
}
