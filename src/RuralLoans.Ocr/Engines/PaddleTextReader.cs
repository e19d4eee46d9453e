using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Finds and reads the text on a cleaned page with PaddleOCR's PP-OCRv4 Chinese models (a DB text detector and a CTC
/// line recogniser) run by ONNX Runtime in process, one thread each: on poor phone photos it reads print that
/// Tesseract's chi_sim either misses in layout analysis or misreads glyph by glyph.
/// </summary>
/// <remarks>Sessions are safe to run from several threads at once, so one reader serves every page of a process.</remarks>
public sealed class PaddleTextReader : IDisposable
{
    internal const string DetectorFile = "ch_PP-OCRv4_det_infer.onnx";
    internal const string RecognizerFile = "ch_PP-OCRv4_rec_infer.onnx";
    internal const string AlphabetFile = "ppocr_keys_v1.txt";

    /// <summary>The detector's pixel probability above which a pixel is text (PaddleOCR's documented default).</summary>
    private const float TextProbability = 0.3f;

    /// <summary>A region whose mean text probability is below this is not a line of text (PaddleOCR's default).</summary>
    private const float RegionScore = 0.6f;

    /// <summary>
    /// The detector marks a shrunken core of each text line; it is grown back by area × ratio / perimeter, the DB
    /// paper's unclip rule with PaddleOCR's ratio.
    /// </summary>
    private const double UnclipRatio = 1.5;

    /// <summary>The recogniser's fixed input height.</summary>
    private const int LineHeight = 48;

    private readonly InferenceSession detector;
    private readonly InferenceSession recognizer;
    private readonly string[] alphabet;
    private readonly int detectorMaxSide;

    public PaddleTextReader(string modelDirectory, int detectorMaxSide)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        foreach (var file in PaddleModels.Files)
        {
            if (!File.Exists(Path.Combine(modelDirectory, file)))
            {
                throw new OcrException($"The PP-OCR model file {file} is missing from {modelDirectory}. {PaddleModels.InstallHint}");
            }
        }
        // One thread per session: the CPU budget is per core, and pages of different applications run side by side.
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        try
        {
            detector = new InferenceSession(Path.Combine(modelDirectory, DetectorFile), sessionOptions);
            recognizer = new InferenceSession(Path.Combine(modelDirectory, RecognizerFile), sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            detector?.Dispose();
            throw new OcrException($"The PP-OCR models in {modelDirectory} could not be loaded ({e.Message}). {PaddleModels.InstallHint}", e);
        }
        // Class 0 is CTC's blank; the last class is the space the model was trained with.
        alphabet = [string.Empty, .. File.ReadAllLines(Path.Combine(modelDirectory, AlphabetFile)), " "];
        this.detectorMaxSide = detectorMaxSide;
    }

    /// <summary>Detects the text lines of <paramref name="image"/> and reads each, as lines of words in the image's coordinates.</summary>
    public OcrPage Read(GrayImage image, int pageNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var segments = new List<(BoundingBox Box, IReadOnlyList<OcrWord> Words)>();
        if (image.Width == 0 || image.Height == 0)
        {
            return new OcrPage(pageNumber, image.Width, image.Height, []);
        }
        // One region at a time: padding regions to a common width costs more than the batch saves (the recogniser's
        // attention spans the whole padded line), measured 0.51 s against 0.66 s per page for batches of six.
        foreach (var region in Detect(image))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Recognize(image, region) is { Count: > 0 } words)
            {
                segments.Add((region, words));
            }
        }
        return new OcrPage(pageNumber, image.Width, image.Height, GroupIntoLines(segments));
    }

    private List<BoundingBox> Detect(GrayImage image)
    {
        var scale = Math.Min(1.0, (double)detectorMaxSide / Math.Max(image.Width, image.Height));
        // The detector's strides need sides that are multiples of 32.
        var width = Math.Max(32, (int)Math.Round(image.Width * scale / 32) * 32);
        var height = Math.Max(32, (int)Math.Round(image.Height * scale / 32) * 32);
        var small = image.Width == width && image.Height == height ? image : image.Resize(width, height);
        var input = new float[3 * width * height];
        var plane = width * height;
        // ImageNet normalisation, one value per channel; a grey page has the same level in all three.
        ReadOnlySpan<float> mean = [0.485f, 0.456f, 0.406f];
        ReadOnlySpan<float> deviation = [0.229f, 0.224f, 0.225f];
        for (var i = 0; i < plane; i++)
        {
            var level = small.Pixels[i] / 255f;
            input[i] = (level - mean[0]) / deviation[0];
            input[plane + i] = (level - mean[1]) / deviation[1];
            input[(2 * plane) + i] = (level - mean[2]) / deviation[2];
        }
        var tensor = new DenseTensor<float>(input, [1, 3, height, width]);
        using var output = detector.Run([NamedOnnxValue.CreateFromTensor(detector.InputMetadata.Keys.First(), tensor)]);
        var probability = output[0].AsTensor<float>().ToArray();
        var (sx, sy) = ((double)image.Width / width, (double)image.Height / height);
        return FindRegions(probability, width, height)
            .Select(r => new BoundingBox(r.Left * sx, r.Top * sy, r.Width * sx, r.Height * sy))
            .Select(r => Clip(r, image.Width, image.Height))
            .Where(r => r.Width >= 4 && r.Height >= 4)
            .ToList();
    }

    /// <summary>
    /// Connected regions of text probability (4-neighbourhood), kept when their mean probability is high enough,
    /// each grown by the unclip distance. Pages are deskewed before this, so an upright rectangle fits a line.
    /// </summary>
    public static List<BoundingBox> FindRegions(float[] probability, int width, int height)
    {
        var label = new bool[probability.Length];
        var stack = new Stack<int>();
        var regions = new List<BoundingBox>();
        for (var seed = 0; seed < probability.Length; seed++)
        {
            if (label[seed] || probability[seed] <= TextProbability)
            {
                continue;
            }
            label[seed] = true;
            stack.Push(seed);
            int left = width, top = height, right = -1, bottom = -1, count = 0;
            double sum = 0;
            while (stack.TryPop(out var p))
            {
                var (y, x) = Math.DivRem(p, width);
                count++;
                sum += probability[p];
                (left, right, top, bottom) = (Math.Min(left, x), Math.Max(right, x), Math.Min(top, y), Math.Max(bottom, y));
                Visit(x > 0 ? p - 1 : -1);
                Visit(x < width - 1 ? p + 1 : -1);
                Visit(y > 0 ? p - width : -1);
                Visit(y < height - 1 ? p + width : -1);
            }
            var (w, h) = (right - left + 1, bottom - top + 1);
            if (Math.Min(w, h) < 2 || sum / count < RegionScore)
            {
                continue;
            }
            var grow = w * h * UnclipRatio / (2.0 * (w + h));
            regions.Add(new BoundingBox(left - grow, top - grow, w + (2 * grow), h + (2 * grow)));
        }
        return regions;

        void Visit(int q)
        {
            if (q >= 0 && !label[q] && probability[q] > TextProbability)
            {
                label[q] = true;
                stack.Push(q);
            }
        }
    }

    private static BoundingBox Clip(BoundingBox box, int width, int height)
    {
        var left = Math.Max(0, box.Left);
        var top = Math.Max(0, box.Top);
        return new BoundingBox(left, top, Math.Min(width, box.Right) - left, Math.Min(height, box.Bottom) - top);
    }

    /// <summary>
    /// Reads one region: scaled to the recogniser's height and decoded by CTC (best class per step, repeats and blanks
    /// dropped). A character's probability is its best step's.
    /// </summary>
    private List<OcrWord> Recognize(GrayImage image, BoundingBox region)
    {
        var width = Math.Max(LineHeight / 4, (int)Math.Ceiling(region.Width * LineHeight / region.Height));
        var crop = image.Crop((int)region.Left, (int)region.Top, Math.Max(1, (int)region.Width), Math.Max(1, (int)region.Height))
            .Resize(width, LineHeight);
        var plane = LineHeight * width;
        var input = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            var value = (crop.Pixels[i] / 127.5f) - 1f;
            (input[i], input[plane + i], input[(2 * plane) + i]) = (value, value, value);
        }
        var tensor = new DenseTensor<float>(input, [1, 3, LineHeight, width]);
        using var output = recognizer.Run([NamedOnnxValue.CreateFromTensor(recognizer.InputMetadata.Keys.First(), tensor)]);
        var scores = output[0].AsTensor<float>();
        var (steps, classes) = (scores.Dimensions[1], scores.Dimensions[2]);
        var flat = scores.ToArray();
        var characters = new List<(string Text, int Step, float Probability)>();
        var previous = 0;
        for (var t = 0; t < steps; t++)
        {
            var row = flat.AsSpan(t * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            if (best != 0 && best != previous && best < alphabet.Length)
            {
                characters.Add((alphabet[best], t, row[best]));
            }
            previous = best;
        }
        // Steps are evenly spread over the line's width; map them back to page coordinates.
        return ToWords(characters, region, region.Width / steps);
    }

    /// <summary>
    /// Splits a recognised line into words where the model read a space or where neighbouring characters stand
    /// further apart than a wide glyph, so the gaps between a label and its value or between cells survive.
    /// </summary>
    private static List<OcrWord> ToWords(List<(string Text, int Step, float Probability)> characters, BoundingBox region, double pixelsPerStep)
    {
        var words = new List<OcrWord>();
        // The grown region is about 1.6 times the glyph height.
        var glyph = region.Height / 1.6;
        var run = new List<(string Text, double Center, float Probability)>();
        foreach (var (text, step, probability) in characters)
        {
            var center = region.Left + ((step + 0.5) * pixelsPerStep);
            if (text == " " || (run.Count > 0 && center - run[^1].Center > 1.8 * glyph))
            {
                Flush();
            }
            if (text != " ")
            {
                run.Add((text, center, probability));
            }
        }
        Flush();
        return words;

        void Flush()
        {
            if (run.Count == 0)
            {
                return;
            }
            var half = glyph / 2;
            var left = Math.Max(region.Left, run[0].Center - half);
            var right = Math.Min(region.Right, run[^1].Center + half);
            var top = region.CenterY - half;
            words.Add(new OcrWord(string.Concat(run.Select(c => c.Text)), new BoundingBox(left, top, Math.Max(1, right - left), glyph), run.Min(c => c.Probability)));
            run.Clear();
        }
    }

    /// <summary>Puts segments whose vertical middles lie within each other's height on one line, left to right.</summary>
    private static List<OcrLine> GroupIntoLines(List<(BoundingBox Box, IReadOnlyList<OcrWord> Words)> segments)
    {
        var lines = new List<List<(BoundingBox Box, IReadOnlyList<OcrWord> Words)>>();
        foreach (var segment in segments.OrderBy(s => s.Box.CenterY))
        {
            var line = lines.LastOrDefault(l => Math.Abs(l.Average(s => s.Box.CenterY) - segment.Box.CenterY) < 0.5 * Math.Min(segment.Box.Height, l.Min(s => s.Box.Height)));
            if (line is null)
            {
                lines.Add([segment]);
            }
            else
            {
                line.Add(segment);
            }
        }
        return lines.Select(l => new OcrLine(l.OrderBy(s => s.Box.Left).SelectMany(s => s.Words).ToList())).ToList();
    }

    public void Dispose()
    {
        detector.Dispose();
        recognizer.Dispose();
    }
}
