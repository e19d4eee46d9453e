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

/// <summary>Why an upload's content was refused: a stable code and a reason for the partner.</summary>
public sealed record FileContentProblem(string Code, string Reason);

/// <summary>
/// What one kind of upload may be: which formats, how many bytes, and how many pixels an image may declare. The
/// pixel limits are what stops a decompression bomb: a few kilobytes that declare gigapixels.
/// </summary>
public sealed record UploadRules(string What, IReadOnlyList<FormFileType> Types, long MaxBytes, long MaxPixels, int MaxSide)
{
    /// <summary>
    /// How long the structure of an uploaded PDF may take to parse. A form parses in well under a second; a file built
    /// to make the parser work for minutes is refused instead of holding a request (and a worker) that long.
    /// </summary>
    public TimeSpan PdfParseBudget { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A 600 dpi A4 scan is about 35 megapixels; 60 leaves room, not for a bomb.</summary>
    public static UploadRules Form(long maxBytes) =>
        new("file", [FormFileType.Png, FormFileType.Jpeg, FormFileType.Tiff, FormFileType.Pdf], maxBytes, 60_000_000, 20_000);

    /// <summary>
    /// A phone photo: the largest sensors in use save 200 megapixels (16,320 × 12,240) and most save 12–50, so
    /// anything beyond 200 megapixels or 16,384 pixels a side is not a photo a phone took.
    /// </summary>
    public static UploadRules PreCheckPhoto { get; } =
        new("photo", [FormFileType.Jpeg, FormFileType.Png], 10 * 1024 * 1024, 200_000_000, 16_384);

    /// <summary>"JPEG or PNG", "PNG, JPEG, TIFF or PDF".</summary>
    public string TypeNames
    {
        get
        {
            var names = Types.Select(t => t.ToString().ToUpperInvariant()).ToList();
            return names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";
        }
    }
}

/// <summary>Every check an upload passes before anything is stored: size, name, signature and structure.</summary>
public static class UploadInspection
{
    /// <summary>The file's type when it may be stored, or the first problem that refuses it.</summary>
    public static (FormFileType? Type, FileContentProblem? Problem) Inspect(ReadOnlySpan<byte> content, string? fileName, UploadRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (content.IsEmpty)
        {
            return (null, new FileContentProblem("empty-file", $"The uploaded {rules.What} is empty."));
        }
        if (content.Length > rules.MaxBytes)
        {
            return (null, new FileContentProblem("file-too-large", $"The {rules.What} is {content.Length:N0} bytes; the limit is {rules.MaxBytes:N0}."));
        }
        if (fileName is not null && FileNameProblem(fileName) is { } nameProblem)
        {
            return (null, new FileContentProblem("bad-file-name", nameProblem));
        }
        var type = FormFileTypes.Detect(content);
        if (type is null || !rules.Types.Contains(type.Value))
        {
            var found = type is null ? "" : $" It is a {type.Value.ToString().ToUpperInvariant()}.";
            return (null, new FileContentProblem("unsupported-file-type", $"The {rules.What} is not a {rules.TypeNames} file (decided by its content, not its name).{found}"));
        }
        return FormFileInspection.Inspect(type.Value, content, rules) is { } problem ? (null, problem) : (type, null);
    }

    /// <summary>
    /// Names are never used to store anything, but one that climbs folders or hides its real extension behind a
    /// right-to-left override is a sign of a hostile sender, and would mislead whoever later sees it in a list.
    /// </summary>
    public static string? FileNameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > 255)
        {
            return "The file name is longer than 255 characters.";
        }
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or "..")
        {
            return "The file name contains a folder path ('/', '\\' or '..'); send the file under its plain name.";
        }
        if (name.Any(c => char.IsControl(c) || c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')))
        {
            return "The file name contains control or text-direction characters that can disguise its type; rename the file.";
        }
        return null;
    }
}

/// <summary>
/// Looks inside an upload whose signature was recognised, before anything is stored: a truncated or damaged file, an
/// image that would decompress to an absurd size, an encrypted PDF, a PDF with scripts or actions, or far more pages
/// than a form has. Only headers and structure are read; nothing is decoded or rendered.
/// </summary>
public static class FormFileInspection
{
    public const int MaxPdfPages = 10;

    /// <summary>PDF names that run code or act when the document opens; a scanned form never needs them.</summary>
    private static readonly string[] ActiveContentNames = ["JavaScript", "JS", "OpenAction", "AA", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA", "SubmitForm", "ImportData", "GoToR"];

    /// <summary>Inspects an application form (<see cref="UploadRules.Form"/> limits).</summary>
    public static FileContentProblem? Inspect(FormFileType type, ReadOnlySpan<byte> content) => Inspect(type, content, UploadRules.Form(long.MaxValue));

    public static FileContentProblem? Inspect(FormFileType type, ReadOnlySpan<byte> content, UploadRules rules) => type switch
    {
        FormFileType.Png => InspectPng(content, rules),
        FormFileType.Jpeg => InspectJpeg(content, rules),
        FormFileType.Tiff => InspectTiff(content, rules),
        FormFileType.Pdf => InspectPdfWithinBudget(content.ToArray(), rules),
        _ => null,
    };

    private static FileContentProblem Damaged(string what) => new("damaged-file", $"The {what} is truncated or damaged; scan or export it again.");

    private static FileContentProblem? CheckDimensions(long width, long height, UploadRules rules)
    {
        if (width <= 0 || height <= 0)
        {
            return new FileContentProblem("damaged-file", $"The {rules.What} declares no width or height.");
        }
        return width > rules.MaxSide || height > rules.MaxSide || width * height > rules.MaxPixels
            ? new FileContentProblem("image-too-large", $"The {rules.What} declares {width:N0}×{height:N0} pixels; at most {rules.MaxSide:N0} per side and {rules.MaxPixels / 1_000_000} megapixels.")
            : null;
    }

    private static FileContentProblem? InspectPng(ReadOnlySpan<byte> content, UploadRules rules)
    {
        // Signature (8), then chunks: length (4, big-endian), type (4), data, CRC (4). IHDR first, IEND last.
        var offset = 8;
        var first = true;
        while (offset + 8 <= content.Length)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(content[offset..]);
            var chunkType = content.Slice(offset + 4, 4);
            if (length > int.MaxValue || offset + 12L + length > content.Length)
            {
                return Damaged("PNG image");
            }
            if (first)
            {
                if (!chunkType.SequenceEqual("IHDR"u8) || length != 13)
                {
                    return Damaged("PNG image");
                }
                var width = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(content[(offset + 8)..]);
                var height = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(content[(offset + 12)..]);
                if (CheckDimensions(width, height, rules) is { } problem)
                {
                    return problem;
                }
                first = false;
            }
            if (chunkType.SequenceEqual("IEND"u8))
            {
                return null;
            }
            offset += 12 + (int)length;
        }
        return Damaged("PNG image");
    }

    private static FileContentProblem? InspectJpeg(ReadOnlySpan<byte> content, UploadRules rules)
    {
        // Segments after SOI: FF, marker, big-endian length including itself. Dimensions are in the SOFn segment.
        var offset = 2;
        var sawFrame = false;
        while (offset + 4 <= content.Length)
        {
            if (content[offset] != 0xFF)
            {
                return Damaged("JPEG image");
            }
            var marker = content[offset + 1];
            if (marker == 0xFF)
            {
                offset++;
                continue;
            }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                offset += 2;
                continue;
            }
            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(content[(offset + 2)..]);
            if (length < 2 || offset + 2 + length > content.Length)
            {
                return Damaged("JPEG image");
            }
            if (marker is (>= 0xC0 and <= 0xC3) or (>= 0xC5 and <= 0xC7) or (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF))
            {
                if (length < 7)
                {
                    return Damaged("JPEG image");
                }
                var height = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(content[(offset + 5)..]);
                var width = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(content[(offset + 7)..]);
                if (CheckDimensions(width, height, rules) is { } problem)
                {
                    return problem;
                }
                sawFrame = true;
            }
            if (marker == 0xDA)
            {
                // Entropy-coded data follows; a complete file ends with EOI (FF D9) after it.
                var scan = content[(offset + 2 + length)..];
                return !sawFrame || scan.LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0 ? Damaged("JPEG image") : null;
            }
            offset += 2 + length;
        }
        return Damaged("JPEG image");
    }

    private static FileContentProblem? InspectTiff(ReadOnlySpan<byte> content, UploadRules rules)
    {
        if (content.Length < 8)
        {
            return Damaged("TIFF image");
        }
        var little = content[0] == (byte)'I';
        var ifd = U32(content, 4, little);
        if (ifd < 8 || ifd + 2L > content.Length)
        {
            return Damaged("TIFF image");
        }
        var entries = U16(content, (int)ifd, little);
        if (ifd + 2L + (entries * 12L) > content.Length)
        {
            return Damaged("TIFF image");
        }
        long width = 0, height = 0;
        for (var index = 0; index < entries; index++)
        {
            var at = (int)ifd + 2 + (index * 12);
            var tag = U16(content, at, little);
            var fieldType = U16(content, at + 2, little);
            long value = fieldType == 3 ? U16(content, at + 8, little) : U32(content, at + 8, little);
            if (tag == 256)
            {
                width = value;
            }
            else if (tag == 257)
            {
                height = value;
            }
        }
        return CheckDimensions(width, height, rules);
    }

    private static uint U32(ReadOnlySpan<byte> content, int at, bool little) =>
        little ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(content[at..]) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(content[at..]);

    private static ushort U16(ReadOnlySpan<byte> content, int at, bool little) =>
        little ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(content[at..]) : System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(content[at..]);

    /// <summary>
    /// The parser cannot be interrupted, so it runs beside the request: past the budget the upload is refused at once and
    /// the parse is left to finish on its own, its result unused.
    /// </summary>
    private static FileContentProblem? InspectPdfWithinBudget(byte[] content, UploadRules rules)
    {
        var inspection = Task.Run(() => InspectPdf(content, rules));
        return inspection.Wait(rules.PdfParseBudget)
            ? inspection.Result
            : new FileContentProblem("pdf-too-complex", $"The PDF's structure took longer than {rules.PdfParseBudget.TotalSeconds:0.#} s to read; print it to a plain PDF or scan it.");
    }

    private static FileContentProblem? InspectPdf(byte[] content, UploadRules rules)
    {
        var tail = System.Text.Encoding.Latin1.GetString(content, Math.Max(0, content.Length - 2048), Math.Min(content.Length, 2048));
        if (!tail.Contains("%%EOF", StringComparison.Ordinal))
        {
            return Damaged("PDF");
        }
        var names = PdfNames(content);
        if (names.Contains("Encrypt"))
        {
            return new FileContentProblem("encrypted-pdf", "The PDF is encrypted or password-protected; send it without protection.");
        }
        if (ActiveContentNames.FirstOrDefault(names.Contains) is { } active)
        {
            return new FileContentProblem("pdf-active-content", $"The PDF contains active content (/{active}: scripts, actions or embedded files); print it to a plain PDF or scan it.");
        }
        try
        {
            using var document = UglyToad.PdfPig.PdfDocument.Open(content);
            if (document.IsEncrypted)
            {
                return new FileContentProblem("encrypted-pdf", "The PDF is encrypted or password-protected; send it without protection.");
            }
            // Object streams hide dictionaries from a byte scan; the catalog's own entries are checked once parsed.
            var catalog = document.Structure.Catalog.CatalogDictionary;
            if (catalog.Data.ContainsKey("OpenAction") || catalog.Data.ContainsKey("AA"))
            {
                return new FileContentProblem("pdf-active-content", "The PDF runs an action when opened; print it to a plain PDF or scan it.");
            }
            if (document.NumberOfPages > MaxPdfPages)
            {
                return new FileContentProblem("too-many-pages", $"The PDF has {document.NumberOfPages} pages; an application form has at most {MaxPdfPages}.");
            }
            if (document.NumberOfPages == 0)
            {
                return Damaged("PDF");
            }
            return InspectPdfImages(document, rules);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Damaged("PDF");
        }
    }

    /// <summary>
    /// An image inside a PDF is held to the limits of an uploaded image before anything decodes it: the size its
    /// dictionary declares, and for a JPEG also the size its own header declares (the two may disagree on purpose).
    /// A 9 KB PDF can otherwise declare a 65,535² JPEG that takes gigabytes to decode.
    /// </summary>
    private static FileContentProblem? InspectPdfImages(UglyToad.PdfPig.PdfDocument document, UploadRules rules)
    {
        var inside = rules with { What = "image inside the PDF" };
        foreach (var page in document.GetPages())
        {
            foreach (var image in page.GetImages())
            {
                if (CheckDimensions(image.WidthInSamples, image.HeightInSamples, inside) is { } declared)
                {
                    return declared;
                }
                var raw = image.RawMemory.Span;
                if (raw.Length >= 4 && raw[0] == 0xFF && raw[1] == 0xD8 && InspectJpeg(raw, inside) is { } jpeg)
                {
                    return jpeg;
                }
            }
        }
        return null;
    }

    /// <summary>Every PDF name token in the raw bytes, with #xx escapes decoded (/J#61vaScript is /JavaScript).</summary>
    private static HashSet<string> PdfNames(byte[] content)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var builder = new System.Text.StringBuilder();
        for (var index = 0; index < content.Length; index++)
        {
            if (content[index] != (byte)'/')
            {
                continue;
            }
            builder.Clear();
            var at = index + 1;
            while (at < content.Length && builder.Length < 64 && !IsDelimiter(content[at]))
            {
                if (content[at] == (byte)'#' && at + 2 < content.Length && IsHex(content[at + 1]) && IsHex(content[at + 2]))
                {
                    builder.Append((char)Convert.ToByte(System.Text.Encoding.ASCII.GetString(content, at + 1, 2), 16));
                    at += 3;
                    continue;
                }
                builder.Append((char)content[at]);
                at++;
            }
            if (builder.Length > 0)
            {
                names.Add(builder.ToString());
            }
            index = at - 1;
        }
        return names;
    }

    private static bool IsDelimiter(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0 or (byte)'/' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'(' or (byte)')' or (byte)'{' or (byte)'}' or (byte)'%';

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');
}
