using System.Buffers.Binary;
using RuralLoans.Pipeline.Intake;

namespace RuralLoans.Pipeline.Tests;

/// <summary>
/// Pre-check photos pass the same inspection as forms, under a phone photo's limits: a real phone JPEG goes through,
/// and each way a photo can be broken, disguised or inflated is refused with its own code before anything is stored.
/// </summary>
public sealed class PreCheckPhotoInspectionTests
{
    private static readonly UploadRules Photo = UploadRules.PreCheckPhoto;

    private static byte[] PhonePhoto() => File.ReadAllBytes(Path.Combine(PipelineHarness.RepositoryRoot(), "samples", "demo", "precheck-cattle-shed.jpg"));

    [Fact]
    public void A_phone_jpeg_passes_as_a_photo()
    {
        var (type, problem) = UploadInspection.Inspect(PhonePhoto(), "IMG_0001.jpg", Photo);

        Assert.Null(problem);
        Assert.Equal(FormFileType.Jpeg, type);
    }

    [Fact]
    public void A_photo_cut_off_anywhere_after_its_header_is_damaged()
    {
        var photo = PhonePhoto();
        foreach (var length in new[] { 3, 40, photo.Length / 3, photo.Length / 2, photo.Length - 2 })
        {
            Assert.Equal("damaged-file", UploadInspection.Inspect(photo.AsSpan(0, length), null, Photo).Problem?.Code);
        }
    }

    [Theory]
    [InlineData(65_535, 65_535)]
    [InlineData(16_385, 100)]
    [InlineData(15_000, 15_000)]
    public void A_jpeg_declaring_more_pixels_than_any_phone_takes_is_a_decompression_bomb(int width, int height)
    {
        var problem = UploadInspection.Inspect(JpegDeclaring(width, height), null, Photo).Problem;

        Assert.Equal("image-too-large", problem?.Code);
        Assert.Contains($"{width:N0}×{height:N0}", problem!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Photo_limits_are_tighter_than_a_scans_so_a_long_strip_that_passes_as_a_form_fails_as_a_photo()
    {
        var strip = JpegDeclaring(18_000, 1_000);

        Assert.Null(UploadInspection.Inspect(strip, null, UploadRules.Form(15 * 1024 * 1024)).Problem);
        Assert.Equal("image-too-large", UploadInspection.Inspect(strip, null, Photo).Problem?.Code);
        Assert.Null(UploadInspection.Inspect(JpegDeclaring(4_000, 3_000), null, Photo).Problem);
    }

    [Fact]
    public void A_pdf_or_tiff_is_a_form_format_but_not_a_photo()
    {
        var pdf = TestForms.TextPdf(TestForms.GoodHousehold());

        Assert.Null(UploadInspection.Inspect(pdf, "form.pdf", UploadRules.Form(15 * 1024 * 1024)).Problem);
        var asPhoto = UploadInspection.Inspect(pdf, "IMG_0001.jpg", Photo).Problem;
        Assert.Equal("unsupported-file-type", asPhoto?.Code);
        Assert.Contains("JPEG or PNG", asPhoto!.Reason, StringComparison.Ordinal);
        Assert.Equal("unsupported-file-type", UploadInspection.Inspect("II*\0\b\0\0\0"u8, null, Photo).Problem?.Code);
    }

    [Theory]
    [InlineData(0, "empty-file")]
    [InlineData(1, "file-too-large")]
    public void An_empty_or_oversize_photo_is_refused_before_its_content_is_read(int overCap, string code)
    {
        var content = overCap == 0 ? [] : new byte[Photo.MaxBytes + overCap];

        Assert.Equal(code, UploadInspection.Inspect(content, null, Photo).Problem?.Code);
    }

    [Theory]
    [InlineData("MZ\u0090\0 an executable")]
    [InlineData("<html><script>alert(1)</script></html>")]
    public void Anything_else_named_like_a_photo_is_unsupported(string content)
    {
        Assert.Equal("unsupported-file-type", UploadInspection.Inspect(System.Text.Encoding.UTF8.GetBytes(content), "IMG_0001.jpg", Photo).Problem?.Code);
    }

    [Fact]
    public void A_photo_name_with_a_folder_path_is_refused()
    {
        Assert.Equal("bad-file-name", UploadInspection.Inspect(PhonePhoto(), "../../IMG_0001.jpg", Photo).Problem?.Code);
    }

    /// <summary>A complete baseline JPEG skeleton (SOI, SOF0, SOS, EOI) whose frame declares the given size.</summary>
    private static byte[] JpegDeclaring(int width, int height)
    {
        byte[] jpeg =
        [
            0xFF, 0xD8,
            0xFF, 0xC0, 0x00, 0x0B, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00,
            0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,
            0x12, 0x34,
            0xFF, 0xD9,
        ];
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(7), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(9), (ushort)width);
        return jpeg;
    }
}
