using System.Globalization;
using System.Text;
using RuralLoans.Pipeline.Intake;

namespace RuralLoans.Pipeline.Tests;

/// <summary>
/// A few kilobytes of PDF can declare an image that takes gigabytes to decode. The edge reads what each embedded image
/// declares — in the PDF's dictionary and in the JPEG's own header — and refuses it before anything decodes it.
/// </summary>
public sealed class PdfImageBombTests
{
    [Theory]
    [InlineData(8000, 8000, 8000, 8000)]
    [InlineData(100, 100, 8000, 8000)]
    [InlineData(65535, 65535, 100, 100)]
    public void A_pdf_whose_image_declares_too_many_pixels_is_refused_before_decoding(int declaredWidth, int declaredHeight, int jpegWidth, int jpegHeight)
    {
        var pdf = PdfWithJpeg(declaredWidth, declaredHeight, Jpeg(jpegWidth, jpegHeight));

        var (type, problem) = UploadInspection.Inspect(pdf, "form.pdf", UploadRules.Form(10 * 1024 * 1024));

        Assert.Null(type);
        Assert.Equal("image-too-large", problem!.Code);
        Assert.Contains("inside the PDF", problem.Reason, StringComparison.Ordinal);
        Assert.True(pdf.Length < 2_000, "the bomb is tiny");
    }

    [Fact]
    public void A_pdf_with_a_scan_of_ordinary_size_passes()
    {
        var (type, problem) = UploadInspection.Inspect(PdfWithJpeg(2480, 3508, Jpeg(2480, 3508)), "form.pdf", UploadRules.Form(10 * 1024 * 1024));

        Assert.Null(problem);
        Assert.Equal(FormFileType.Pdf, type);
    }

    /// <summary>A JPEG's headers only: start of image, a baseline frame header with the given size, a scan header, end of image.</summary>
    private static byte[] Jpeg(int width, int height) =>
    [
        0xFF, 0xD8,
        0xFF, 0xC0, 0x00, 0x0B, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x01, 0x01, 0x11, 0x00,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x00,
        0xFF, 0xD9,
    ];

    private static byte[] PdfWithJpeg(int width, int height, byte[] jpeg)
    {
        var output = new MemoryStream();
        var offsets = new List<long>();
        void Write(string text) => output.Write(Encoding.Latin1.GetBytes(text));
        void Object(string body, byte[]? stream = null)
        {
            offsets.Add(output.Position);
            Write($"{offsets.Count} 0 obj\n{body}\n");
            if (stream is not null)
            {
                Write("stream\n");
                output.Write(stream);
                Write("\nendstream\n");
            }
            Write("endobj\n");
        }

        Write("%PDF-1.4\n");
        Object("<< /Type /Catalog /Pages 2 0 R >>");
        Object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        Object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>");
        Object(string.Create(CultureInfo.InvariantCulture,
            $"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length {jpeg.Length} >>"), jpeg);
        var content = Encoding.Latin1.GetBytes("q 595 0 0 842 0 0 cm /Im0 Do Q");
        Object(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} >>"), content);
        var xref = output.Position;
        Write(string.Create(CultureInfo.InvariantCulture, $"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n"));
        foreach (var offset in offsets)
        {
            Write(string.Create(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n"));
        }
        Write(string.Create(CultureInfo.InvariantCulture, $"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"));
        return output.ToArray();
    }

    [Fact]
    public void A_pdf_that_takes_longer_than_the_parse_budget_is_refused_with_its_own_code()
    {
        var pdf = PdfWithJpeg(2480, 3508, Jpeg(2480, 3508));
        var hurried = UploadRules.Form(10 * 1024 * 1024) with { PdfParseBudget = TimeSpan.FromTicks(1) };

        var (type, problem) = UploadInspection.Inspect(pdf, "form.pdf", hurried);

        Assert.Null(type);
        Assert.Equal("pdf-too-complex", problem!.Code);
        Assert.Null(UploadInspection.Inspect(pdf, "form.pdf", UploadRules.Form(10 * 1024 * 1024)).Problem);
    }
}
