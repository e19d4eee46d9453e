namespace RuralLoans.Pipeline.Intake;

/// <summary>The upload formats a form may arrive in, decided by the file's first bytes and never by its name.</summary>
public enum FormFileType
{
    Png,
    Jpeg,
    Tiff,
    Pdf,
}

public static class FormFileTypes
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];

    public static string ContentType(this FormFileType type) => type switch
    {
        FormFileType.Png => "image/png",
        FormFileType.Jpeg => "image/jpeg",
        FormFileType.Tiff => "image/tiff",
        FormFileType.Pdf => "application/pdf",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Recognises PNG, JPEG, TIFF (both byte orders) and PDF signatures; null for anything else.</summary>
    public static FormFileType? Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(PngSignature))
        {
            return FormFileType.Png;
        }
        if (head.StartsWith(JpegSignature))
        {
            return FormFileType.Jpeg;
        }
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8))
        {
            return FormFileType.Tiff;
        }
        if (head.StartsWith("%PDF-"u8))
        {
            return FormFileType.Pdf;
        }
        return null;
    }
}
