using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace RuralLoans.Host.Tests.Api.HostileInputs;

/// <summary>
/// The hostile upload corpus, generated in code: each file is what an attacker or a broken scanner would send, built
/// from its format's rules so the bytes are exactly the case named.
/// </summary>
internal static class HostileFiles
{
    /// <summary>A valid grey PNG (IHDR, IDAT, IEND with real CRCs).</summary>
    public static byte[] SmallPng(int width = 8, int height = 8, bool withPixels = true)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8; // bit depth
        header[9] = 0; // greyscale
        Chunk(output, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                // A bomb declares a huge image but carries one row; a real image carries every row.
                var rows = withPixels ? height : 1;
                var row = new byte[(withPixels ? width : 64) + 1];
                for (var y = 0; y < rows; y++)
                {
                    z.Write(row);
                }
            }
            Chunk(output, "IDAT", raw.ToArray());
        }
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A PNG declaring 100,000 × 100,000 pixels (10 gigapixels): decoding it would exhaust memory.</summary>
    public static byte[] DecompressionBombPng() => SmallPng(100_000, 100_000, withPixels: false);

    /// <summary>A real PNG cut off before its end, as an interrupted upload leaves it.</summary>
    public static byte[] TruncatedPng()
    {
        var whole = SmallPng(64, 64);
        return whole[..(whole.Length - 20)];
    }

    /// <summary>The demo's phone photo of a cattle shed: a real JPEG as a phone saves it.</summary>
    public static byte[] PhonePhoto() => File.ReadAllBytes(Path.Combine(ApiHost.RepositoryRoot, "samples", "demo", "precheck-cattle-shed.jpg"));

    /// <summary>A phone photo whose upload broke off halfway over a weak mobile signal.</summary>
    public static byte[] TruncatedJpeg()
    {
        var whole = PhonePhoto();
        return whole[..(whole.Length / 2)];
    }

    /// <summary>
    /// A few dozen bytes of baseline JPEG (SOI, SOF0, SOS, EOI) whose frame declares 65,535 × 65,535 pixels: 4.3
    /// gigapixels, far beyond any phone camera.
    /// </summary>
    public static byte[] JpegBomb() =>
    [
        0xFF, 0xD8,
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01, 0x11, 0x00,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,
        0x12, 0x34,
        0xFF, 0xD9,
    ];

    /// <summary>18,000 × 1,000 pixels: acceptable for a scanned form, but wider than any phone sensor saves.</summary>
    public static byte[] WiderThanAnyPhone() => SmallPng(18_000, 1_000, withPixels: false);

    /// <summary>A valid little-endian TIFF header and one IFD declaring 8 × 8 pixels: a scan format, not a phone photo.</summary>
    public static byte[] SmallTiff()
    {
        var tiff = new byte[8 + 2 + (2 * 12) + 4];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 2);
        foreach (var (index, tag) in new[] { (0, (ushort)256), (1, (ushort)257) })
        {
            var at = 10 + (index * 12);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), 3);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 8), 8);
        }
        return tiff;
    }

    public static byte[] ElfExecutable()
    {
        var elf = new byte[256];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2;
        elf[5] = 1;
        elf[6] = 1;
        return elf;
    }

    public static byte[] Html() => Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body><script>fetch('/api/applications')</script>申请表</body></html>");

    public static byte[] SvgWithScript() => Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(document.cookie)</script></svg>");

    public static byte[] Zip()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("form.pdf").Open();
            entry.Write(Encoding.ASCII.GetBytes("%PDF-1.4 not really"));
        }
        return output.ToArray();
    }

    /// <summary>A PNG signature in front of text: the first bytes lie about the rest.</summary>
    public static byte[] WrongMagicBytes() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Encoding.ASCII.GetBytes("this is not an image at all")];

    /// <summary>A minimal well-formed PDF with extra catalog or trailer entries and any page count (xref offsets computed).</summary>
    public static byte[] Pdf(int pages = 1, string catalogExtra = "", string trailerExtra = "")
    {
        var objects = new List<string>
        {
            $"<< /Type /Catalog /Pages 2 0 R {catalogExtra} >>",
            $"<< /Type /Pages /Kids [{string.Join(" ", Enumerable.Range(0, pages).Select(i => $"{3 + i} 0 R"))}] /Count {pages} >>",
        };
        for (var i = 0; i < pages; i++)
        {
            objects.Add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
        }
        var body = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(body.Length);
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = body.Length;
        body.Append(System.Globalization.CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }
        body.Append(System.Globalization.CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R {trailerExtra} >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(body.ToString());
    }

    public static byte[] PdfWithJavaScript() => Pdf(catalogExtra: "/OpenAction << /S /JavaScript /JS (app.alert('hi')) >>");

    /// <summary>The same attack with the name spelled in #xx escapes, which PDF readers decode.</summary>
    public static byte[] PdfWithEscapedJavaScript() => Pdf(catalogExtra: "/Names << /J#61vaScript << /Names [(x) 5 0 R] >> >>");

    public static byte[] EncryptedPdf() => Pdf(trailerExtra: "/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >> /ID [<01> <01>]");

    public static byte[] SixtyPagePdf() => Pdf(pages: 60);

    /// <summary>One byte over the size cap, starting with a PDF signature.</summary>
    public static byte[] Oversize(long maxBytes)
    {
        var bytes = new byte[maxBytes + 1];
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    /// <summary>One byte over the size cap, starting with a JPEG signature.</summary>
    public static byte[] OversizeJpeg(long maxBytes)
    {
        var bytes = new byte[maxBytes + 1];
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        return bytes;
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32([.. typeBytes, .. data]));
        output.Write(word);
    }

    /// <summary>The CRC-32 PNG chunks carry (ISO 3309, reflected polynomial 0xEDB88320).</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
