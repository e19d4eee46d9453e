using System.Globalization;
using System.Text;
using SkiaSharp;

namespace RuralLoans.Ocr.Imaging;

/// <summary>An 8-bit grayscale raster (0 = black, 255 = white) that the preprocessing steps work on in place.</summary>
public sealed class GrayImage
{
    public GrayImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != width * height)
        {
            throw new ArgumentException($"Expected {width * height} pixels, got {pixels.Length}.", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public GrayImage(int width, int height, byte fill)
        : this(width, height, CreateFilled(width * height, fill))
    {
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    public byte this[int x, int y]
    {
        get => Pixels[(y * Width) + x];
        set => Pixels[(y * Width) + x] = value;
    }

    /// <summary>Decodes an encoded image and scales it so its width becomes <paramref name="targetWidth"/> (null keeps the size).</summary>
    public static GrayImage Decode(ReadOnlySpan<byte> encoded, Func<int, int>? targetWidth = null)
    {
        using var source = SKBitmap.Decode(encoded) ?? throw new OcrException("The image could not be decoded: it is not a readable JPEG, PNG, TIFF, BMP or WebP file.");
        var width = targetWidth?.Invoke(source.Width) ?? source.Width;
        var height = Math.Max(1, (int)Math.Round(source.Height * (double)width / source.Width));
        using var rgba = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(rgba))
        {
            canvas.Clear(SKColors.White);
            using var image = SKImage.FromBitmap(source);
            canvas.DrawImage(image, new SKRect(0, 0, width, height), new SKSamplingOptions(SKCubicResampler.Mitchell));
        }
        var bytes = rgba.GetPixelSpan();
        var gray = new byte[width * height];
        for (var i = 0; i < gray.Length; i++)
        {
            var p = i * 4;
            gray[i] = (byte)(((bytes[p] * 299) + (bytes[p + 1] * 587) + (bytes[p + 2] * 114)) / 1000);
        }
        return new GrayImage(width, height, gray);
    }

    public GrayImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    public GrayImage Crop(int left, int top, int width, int height)
    {
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            Array.Copy(Pixels, ((top + y) * Width) + left, pixels, y * width, width);
        }
        return new GrayImage(width, height, pixels);
    }

    /// <summary>
    /// Draws this image with Skia (native code, linear sampling) stretched onto <paramref name="destination"/> of a new
    /// white <paramref name="width"/> x <paramref name="height"/> image, through a transform and an optional filter.
    /// </summary>
    public GrayImage Redraw(int width, int height, SKRect destination, SKMatrix transform, SKImageFilter? filter = null)
    {
        using var source = ToBitmap();
        using var image = SKImage.FromBitmap(source);
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.White);
            canvas.SetMatrix(transform);
            using var paint = new SKPaint { ImageFilter = filter };
            canvas.DrawImage(image, destination, new SKSamplingOptions(SKFilterMode.Linear), paint);
        }
        return new GrayImage(width, height, target.GetPixelSpan().ToArray());
    }

    private SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Gray8, SKAlphaType.Opaque));
        Pixels.CopyTo(bitmap.GetPixelSpan());
        return bitmap;
    }

    /// <summary>Binary PGM: Leptonica reads it without a codec round-trip, which keeps the hand-off to Tesseract cheap.</summary>
    public byte[] ToPgm()
    {
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P5\n{Width} {Height}\n255\n"));
        var result = new byte[header.Length + Pixels.Length];
        header.CopyTo(result, 0);
        Pixels.CopyTo(result, header.Length);
        return result;
    }

    public byte[] ToPng()
    {
        using var bitmap = ToBitmap();
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] CreateFilled(int length, byte fill)
    {
        var pixels = new byte[length];
        Array.Fill(pixels, fill);
        return pixels;
    }
}
