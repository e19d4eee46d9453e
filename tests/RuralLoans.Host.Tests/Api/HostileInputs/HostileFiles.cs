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
