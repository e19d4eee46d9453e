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

    /// <summary>
    /// Decodes an encoded image to gray levels and scales it so its width becomes <paramref name="targetWidth"/> (null
    /// keeps the size). Gray PNGs and TIFFs decode straight to 8 bits; colour images are decoded once and converted.
    /// </summary>
    public static GrayImage Decode(ReadOnlySpan<byte> encoded, Func<int, int>? targetWidth = null)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw Unreadable();
        var gray = DecodeGray(codec);
        var width = targetWidth?.Invoke(gray.Width) ?? gray.Width;
        return width == gray.Width ? gray : gray.Resize(width, Math.Max(1, (int)Math.Round(gray.Height * (double)width / gray.Width)));
    }

    private static GrayImage DecodeGray(SKCodec codec)
    {
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (codec.Info.ColorType == SKColorType.Gray8)
        {
            using var gray = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
            if (codec.GetPixels(gray.Info, gray.GetPixels()) is SKCodecResult.Success or SKCodecResult.IncompleteInput)
            {
                return new GrayImage(width, height, gray.GetPixelSpan().ToArray());
            }
        }
        // Transparent areas count as white paper, as a viewer would show them.
        using var rgba = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (codec.GetPixels(rgba.Info, rgba.GetPixels()) is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw Unreadable();
        }
        return new GrayImage(width, height, Luminance(rgba.GetPixelSpan()));
    }

    private static byte[] Luminance(ReadOnlySpan<byte> rgba)
    {
        var gray = new byte[rgba.Length / 4];
        for (int i = 0, p = 0; i < gray.Length; i++, p += 4)
        {
            // ITU-R 601 weights in 8-bit fixed point, blended over white by alpha.
            var luma = ((rgba[p] * 77) + (rgba[p + 1] * 150) + (rgba[p + 2] * 29)) >> 8;
            var alpha = rgba[p + 3];
            gray[i] = alpha == 255 ? (byte)luma : (byte)(((luma * alpha) + (255 * (255 - alpha))) / 255);
        }
        return gray;
    }

    private static OcrException Unreadable() => new("The image could not be decoded: it is not a readable JPEG, PNG, TIFF, BMP or WebP file.");

    /// <summary>
    /// Resamples to a new size with a tent filter as wide as the scale step (bilinear when enlarging, area-weighted when
    /// shrinking, so thin strokes do not alias away). Separable, integer weights; Skia's own scaler has no fast path for
    /// 8-bit gray and takes a second per page.
    /// </summary>
    public GrayImage Resize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var columns = ResamplingKernel.Create(Width, width);
        var rows = ResamplingKernel.Create(Height, height);
        var narrowed = new byte[width * Height];
        for (var y = 0; y < Height; y++)
        {
            var source = Pixels.AsSpan(y * Width, Width);
            var target = narrowed.AsSpan(y * width, width);
            for (var x = 0; x < width; x++)
            {
                var sum = 0;
                var taps = columns.Weights(x);
                var first = columns.First[x];
                for (var t = 0; t < taps.Length; t++)
                {
                    sum += source[first + t] * taps[t];
                }
                target[x] = (byte)Math.Clamp((sum + ResamplingKernel.Half) >> ResamplingKernel.Bits, 0, 255);
            }
        }
        var result = new byte[width * height];
        var accumulator = new int[width];
        for (var y = 0; y < height; y++)
        {
            Array.Clear(accumulator);
            var taps = rows.Weights(y);
            for (var t = 0; t < taps.Length; t++)
            {
                var source = narrowed.AsSpan((rows.First[y] + t) * width, width);
                var weight = taps[t];
                for (var x = 0; x < width; x++)
                {
                    accumulator[x] += source[x] * weight;
                }
            }
            var target = result.AsSpan(y * width, width);
            for (var x = 0; x < width; x++)
            {
                target[x] = (byte)Math.Clamp((accumulator[x] + ResamplingKernel.Half) >> ResamplingKernel.Bits, 0, 255);
            }
        }
        return new GrayImage(width, height, result);
    }

    /// <summary>Per output pixel: the first source pixel it reads and fixed-point tent weights that sum to 1.</summary>
    private sealed class ResamplingKernel
    {
        public const int Bits = 14;
        public const int Half = 1 << (Bits - 1);

        private readonly int[] weights;
        private readonly int taps;

        private ResamplingKernel(int[] first, int[] weights, int taps) => (First, this.weights, this.taps) = (first, weights, taps);

        public int[] First { get; }

        public ReadOnlySpan<int> Weights(int target) => weights.AsSpan(target * taps, taps);

        public static ResamplingKernel Create(int sourceSize, int targetSize)
        {
            var scale = (double)targetSize / sourceSize;
            var radius = Math.Max(1.0, 1 / scale);
            var taps = Math.Min(sourceSize, (int)Math.Ceiling(radius * 2) + 1);
            var first = new int[targetSize];
            var weights = new int[targetSize * taps];
            var raw = new double[taps];
            for (var i = 0; i < targetSize; i++)
            {
                var centre = ((i + 0.5) / scale) - 0.5;
                var start = Math.Clamp((int)Math.Floor(centre - radius) + 1, 0, sourceSize - taps);
                first[i] = start;
                var total = 0.0;
                for (var t = 0; t < taps; t++)
                {
                    raw[t] = Math.Max(0, 1 - (Math.Abs(start + t - centre) / radius));
                    total += raw[t];
                }
                var assigned = 0;
                var heaviest = 0;
                for (var t = 0; t < taps; t++)
                {
                    var weight = total > 0 ? (int)Math.Round(raw[t] / total * (1 << Bits)) : (t == 0 ? 1 << Bits : 0);
                    weights[(i * taps) + t] = weight;
                    assigned += weight;
                    heaviest = weight > weights[(i * taps) + heaviest] ? t : heaviest;
                }
                // Rounding must not brighten or darken flat areas: the remainder goes to the heaviest tap.
                weights[(i * taps) + heaviest] += (1 << Bits) - assigned;
            }
            return new ResamplingKernel(first, weights, taps);
        }
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
