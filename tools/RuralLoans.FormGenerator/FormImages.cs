using SkiaSharp;

namespace RuralLoans.FormGenerator;

/// <summary>Turns a form into the files partners actually upload: flatbed scans, phone photos and PDFs.</summary>
public sealed class FormImages(FormRenderer renderer)
{
    /// <summary>A flatbed scan at about 200 dpi, saved as grayscale PNG.</summary>
    public byte[] CleanScan(FormValues values, FormLayout layout, bool asciiColon)
    {
        using var page = RenderPage(values, layout, asciiColon, 1654);
        using var gray = new SKBitmap(new SKImageInfo(page.Width, page.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(gray))
        {
            using var image = SKImage.FromBitmap(page);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }
        using var data = gray.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>
    /// A phone photo of the printed page lying on a table: tilted 1–4°, slight perspective, defocus blur, a light falloff
    /// across the page, sensor noise and JPEG quality 50–70.
    /// </summary>
    public byte[] PhonePhoto(FormValues values, FormLayout layout, bool asciiColon, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        using var page = RenderPage(values, layout, asciiColon, 1500);
        const int Width = 1760, Height = 2360;
        using var photo = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(photo))
        {
            var surface = new SKColor((byte)random.Next(90, 140), (byte)random.Next(70, 110), (byte)random.Next(50, 90));
            canvas.Clear(surface);
            var tilt = (float)((1 + (random.NextDouble() * 3)) * (random.Next(2) == 0 ? -1 : 1));
            var perspective = SKMatrix.CreateIdentity();
            perspective.Persp0 = (float)((random.NextDouble() - 0.5) * 3e-5);
            perspective.Persp1 = (float)((random.NextDouble() - 0.5) * 3e-5);
            var transform = SKMatrix.CreateTranslation(-page.Width / 2f, -page.Height / 2f)
                .PostConcat(perspective)
                .PostConcat(SKMatrix.CreateRotationDegrees(tilt))
                .PostConcat(SKMatrix.CreateTranslation(Width / 2f, Height / 2f));
            canvas.SetMatrix(transform);
            var blur = (float)(0.6 + (random.NextDouble() * 0.8));
            using var blurred = new SKPaint { ImageFilter = SKImageFilter.CreateBlur(blur, blur) };
            using var image = SKImage.FromBitmap(page);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear), blurred);
            canvas.ResetMatrix();

            // Light from one side: the far corner of the page ends up 25–45% darker.
            var angle = random.NextDouble() * Math.PI * 2;
            var start = new SKPoint((float)(Width / 2 * (1 + Math.Cos(angle))), (float)(Height / 2 * (1 + Math.Sin(angle))));
            var end = new SKPoint(Width - start.X, Height - start.Y);
            var shade = (byte)random.Next(140, 190);
            using var light = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(start, end, [SKColors.White, new SKColor(shade, shade, shade)], SKShaderTileMode.Clamp),
                BlendMode = SKBlendMode.Multiply,
            };
            canvas.DrawRect(0, 0, Width, Height, light);
        }
        AddSensorNoise(photo, random, sigma: 4 + (random.NextDouble() * 5));
        using var data = photo.Encode(SKEncodedImageFormat.Jpeg, random.Next(50, 71));
        return data.ToArray();
    }

    /// <summary>A PDF with a real text layer, as exported from a form-filling tool.</summary>
    public byte[] TextPdf(FormValues values, FormLayout layout, bool asciiColon)
    {
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream))
        {
            var canvas = document.BeginPage(FormRenderer.PageWidth, FormRenderer.PageHeight);
            renderer.Draw(canvas, values, layout, asciiColon);
            document.EndPage();
            document.Close();
        }
        return stream.ToArray();
    }

    /// <summary>A PDF whose only content is a scanned or photographed page (no text layer), as a scanner app writes it.</summary>
    public static byte[] ImageOnlyPdf(byte[] encodedImage)
    {
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream))
        {
            using var image = SKImage.FromEncodedData(encodedImage);
            var canvas = document.BeginPage(FormRenderer.PageWidth, FormRenderer.PageWidth * image.Height / image.Width);
            canvas.DrawImage(image, new SKRect(0, 0, FormRenderer.PageWidth, FormRenderer.PageWidth * image.Height / image.Width), new SKSamplingOptions(SKFilterMode.Linear));
            document.EndPage();
            document.Close();
        }
        return stream.ToArray();
    }

    private SKBitmap RenderPage(FormValues values, FormLayout layout, bool asciiColon, int widthPixels) =>
        RenderPage(values, layout, asciiColon, PaperSize.A4, widthPixels);

    private SKBitmap RenderPage(FormValues values, FormLayout layout, bool asciiColon, PaperSize paper, int widthPixels)
    {
        var scale = widthPixels / paper.Width;
        var bitmap = new SKBitmap(new SKImageInfo(widthPixels, (int)(paper.Height * scale), SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        canvas.Scale(scale);
        renderer.Draw(canvas, values, layout, asciiColon, paper);
        return bitmap;
    }

    /// <summary>How a page was captured: the degradations one quality tier applies.</summary>
    public sealed record Capture(
        int Dpi,
        double TiltDegrees,
        double Perspective,
        double Blur,
        double NoiseSigma,
        int JpegQuality,
        bool OnTable,
        double Shade,
        bool Gray);

    /// <summary>Renders the form on <paramref name="paper"/> and captures it as <paramref name="capture"/> says (JPEG).</summary>
    public byte[] Captured(FormValues values, FormLayout layout, bool asciiColon, PaperSize paper, Capture capture, Random random)
    {
        ArgumentNullException.ThrowIfNull(paper);
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(random);
        using var page = RenderPage(values, layout, asciiColon, paper, (int)(paper.Width / 72 * capture.Dpi));
        var margin = capture.OnTable ? 0.06 : 0.0;
        var width = (int)(page.Width * (1 + (2 * margin)));
        var height = (int)(page.Height * (1 + (2 * margin)));
        using var photo = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(photo))
        {
            canvas.Clear(capture.OnTable ? new SKColor((byte)random.Next(90, 140), (byte)random.Next(70, 110), (byte)random.Next(50, 90)) : SKColors.White);
            var perspective = SKMatrix.CreateIdentity();
            perspective.Persp0 = (float)((random.NextDouble() - 0.5) * capture.Perspective / page.Width);
            perspective.Persp1 = (float)((random.NextDouble() - 0.5) * capture.Perspective / page.Height);
            var transform = SKMatrix.CreateTranslation(-page.Width / 2f, -page.Height / 2f)
                .PostConcat(perspective)
                .PostConcat(SKMatrix.CreateRotationDegrees((float)capture.TiltDegrees))
                .PostConcat(SKMatrix.CreateTranslation(width / 2f, height / 2f));
            canvas.SetMatrix(transform);
            using var blurred = capture.Blur > 0 ? new SKPaint { ImageFilter = SKImageFilter.CreateBlur((float)capture.Blur, (float)capture.Blur) } : new SKPaint();
            using var image = SKImage.FromBitmap(page);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear), blurred);
            canvas.ResetMatrix();
            if (capture.Shade > 0)
            {
                var angle = random.NextDouble() * Math.PI * 2;
                var start = new SKPoint((float)(width / 2 * (1 + Math.Cos(angle))), (float)(height / 2 * (1 + Math.Sin(angle))));
                var end = new SKPoint(width - start.X, height - start.Y);
                var shade = (byte)(255 * (1 - capture.Shade));
                using var light = new SKPaint
                {
                    Shader = SKShader.CreateLinearGradient(start, end, [SKColors.White, new SKColor(shade, shade, shade)], SKShaderTileMode.Clamp),
                    BlendMode = SKBlendMode.Multiply,
                };
                canvas.DrawRect(0, 0, width, height, light);
            }
        }
        if (capture.NoiseSigma > 0)
        {
            AddSensorNoise(photo, random, capture.NoiseSigma);
        }
        if (capture.Gray)
        {
            using var gray = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
            using (var canvas = new SKCanvas(gray))
            {
                using var image = SKImage.FromBitmap(photo);
                canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
            }
            using var grayData = gray.Encode(SKEncodedImageFormat.Jpeg, capture.JpegQuality);
            return grayData.ToArray();
        }
        using var data = photo.Encode(SKEncodedImageFormat.Jpeg, capture.JpegQuality);
        return data.ToArray();
    }

    /// <summary>A flatbed scan of the page on its paper at <paramref name="dpi"/>, as grayscale PNG.</summary>
    public byte[] CleanScan(FormValues values, FormLayout layout, bool asciiColon, PaperSize paper, int dpi)
    {
        ArgumentNullException.ThrowIfNull(paper);
        using var page = RenderPage(values, layout, asciiColon, paper, (int)(paper.Width / 72 * dpi));
        using var gray = new SKBitmap(new SKImageInfo(page.Width, page.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(gray))
        {
            using var image = SKImage.FromBitmap(page);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }
        using var data = gray.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A PDF with a real text layer on <paramref name="paper"/>.</summary>
    public byte[] TextPdf(FormValues values, FormLayout layout, bool asciiColon, PaperSize paper)
    {
        ArgumentNullException.ThrowIfNull(paper);
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream))
        {
            var canvas = document.BeginPage(paper.Width, paper.Height);
            renderer.Draw(canvas, values, layout, asciiColon, paper);
            document.EndPage();
            document.Close();
        }
        return stream.ToArray();
    }

    private static void AddSensorNoise(SKBitmap bitmap, Random random, double sigma)
    {
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i += 4)
        {
            // Box-Muller gives Gaussian noise; luminance noise only, as phone denoisers remove most chroma noise.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var delta = (int)(gaussian * sigma);
            for (var c = 0; c < 3; c++)
            {
                pixels[i + c] = (byte)Math.Clamp(pixels[i + c] + delta, 0, 255);
            }
        }
    }
}
