using SkiaSharp;

namespace RuralLoans.Ocr.Imaging;

/// <summary>Tuning for <see cref="ImagePreprocessor"/>; the defaults suit A4/Letter forms scanned or photographed whole.</summary>
public sealed record PreprocessingOptions
{
    /// <summary>
    /// Pages narrower or wider than this band are rescaled to <see cref="TargetWidth"/>; inside it they are read at the
    /// resolution they came in. Measured on generated A4 forms (30 per tier): read as they come (1654 px scans, 1760 px
    /// photos), 98.0 % / 98.7 % of fields right at 0.90 / 0.95 CPU s per page; rescaled to 2400 px, 97.3 % / 97.1 % at
    /// 1.2 s; to 1200 px, 96.7 % / 96.2 % at 0.7 s. Resampling costs detail whichever way it goes, and bigger pages
    /// cost Tesseract time.
    /// </summary>
    public int MinWidth { get; init; } = 1400;

    public int MaxWidth { get; init; } = 2000;

    /// <summary>About 40 px per 14 pt character on an A4 page.</summary>
    public int TargetWidth { get; init; } = 1700;

    public double MaxSkewDegrees { get; init; } = 6;

    /// <summary>A light blur before the paper-brightness estimate, against sensor noise.</summary>
    public bool Denoise { get; init; } = true;

    /// <summary>
    /// A scanned page is cropped to its print (with a margin) before Tesseract reads it, so Tesseract does not spend
    /// time on blank paper: 0.08–0.12 CPU s less per page on development scans, whose print covers 40–60 % of the
    /// sheet. Photos are not (<see cref="PreprocessedImage.LayOnSurface"/>): they are cropped to their sheet already,
    /// and cropping them further measured no faster and moved readings (three fields fewer, two more silent errors
    /// on development photos).
    /// </summary>
    public bool CropToPrint { get; init; } = true;

    /// <summary>Table rules and fill-in underlines glue characters into blobs Tesseract cannot segment, so they are erased.</summary>
    public bool RemoveRuledLines { get; init; } = true;

    /// <summary>
    /// Whether paper is set to pure white (<see cref="ImagePreprocessor.WhitenBackground"/>). Tesseract needs it; PP-OCR,
    /// trained on photographs, reads the faint edges of blurred strokes that whitening cuts off.
    /// </summary>
    public bool WhitenBackground { get; init; } = true;
}

/// <summary>The cleaned page handed to the recogniser and the skew that was corrected, in degrees.</summary>
public sealed record PreprocessedImage(GrayImage Image, double SkewDegrees)
{
    /// <summary>Grey level below which a pixel is ink, faint blurred strokes included (halfway between ink and paper).</summary>
    public byte FaintInkThreshold { get; init; } = 192;

    /// <summary>Grey level below which a pixel is surely ink (the page's Otsu threshold, at most 170).</summary>
    public byte InkThreshold { get; init; } = 170;

    /// <summary>Whether the page lay on a surface that was whitened and cropped away (a photo), rather than being a scan.</summary>
    public bool LayOnSurface { get; init; }
}

/// <summary>
/// Rescales, flattens uneven lighting, removes sensor noise, deskews and erases ruled lines, all in memory:
/// the chi_sim model loses most of a tilted or shadowed table without this.
/// </summary>
public sealed class ImagePreprocessor(PreprocessingOptions options)
{
    private const int BackgroundBlock = 16;
    private const byte InkCeiling = 170;
    private const byte PaperFloor = 215;
    private const int SurfaceStep = 12;
    private const double SurfaceMinSpread = 12;
    private const double SurfaceSpreadFactor = 3;

    public ImagePreprocessor()
        : this(new PreprocessingOptions())
    {
    }

    public PreprocessedImage Process(ReadOnlySpan<byte> encodedImage)
    {
        var image = GrayImage.Decode(encodedImage, width => width < options.MinWidth || width > options.MaxWidth ? options.TargetWidth : width);
        var decoded = image;
        if (options.Denoise)
        {
            image = Denoise(image);
        }
        NormalizeIllumination(image);
        StretchContrast(image);
        var flattened = image;
        image = IsolatePaper(decoded, image);
        var onSurface = !ReferenceEquals(flattened, image);
        // Paper grain dominates a page's histogram and pulls Otsu up into it; ink on a stretched page is well below 170.
        var threshold = Math.Min(OtsuThreshold(image), InkCeiling);
        var skew = EstimateSkewDegrees(image, threshold, options.MaxSkewDegrees);
        if (Math.Abs(skew) >= 0.1)
        {
            image = Rotate(image, skew);
        }
        if (options.RemoveRuledLines)
        {
            // Rules are thin and blurred, so their faint stretches sit above the ink threshold; a laxer one keeps them whole.
            EraseRuledLines(image, (byte)((threshold + PaperFloor) / 2), Math.Max(80, image.Width / 8));
        }
        if (options.WhitenBackground)
        {
            WhitenBackground(image, PaperFloor);
        }
        return new PreprocessedImage(image, skew) { FaintInkThreshold = (byte)((threshold + PaperFloor) / 2), InkThreshold = threshold, LayOnSurface = onSurface };
    }

    /// <summary>
    /// A 3x3 binomial blur (a Gaussian of σ ≈ 0.7): phone sensor noise is Gaussian, and left in it inflates the paper
    /// estimate below. Integer arithmetic in two separable passes, a few milliseconds per page.
    /// </summary>
    public static GrayImage Denoise(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (width, height) = (image.Width, image.Height);
        var source = image.Pixels;
        var rows = new ushort[source.Length];
        for (var y = 0; y < height; y++)
        {
            var row = source.AsSpan(y * width, width);
            var sums = rows.AsSpan(y * width, width);
            for (var x = 0; x < width; x++)
            {
                sums[x] = (ushort)(row[Math.Max(0, x - 1)] + (2 * row[x]) + row[Math.Min(width - 1, x + 1)]);
            }
        }
        var result = new byte[source.Length];
        for (var y = 0; y < height; y++)
        {
            var above = rows.AsSpan(Math.Max(0, y - 1) * width, width);
            var centre = rows.AsSpan(y * width, width);
            var below = rows.AsSpan(Math.Min(height - 1, y + 1) * width, width);
            var target = result.AsSpan(y * width, width);
            for (var x = 0; x < width; x++)
            {
                target[x] = (byte)((above[x] + (2 * centre[x]) + below[x] + 8) >> 4);
            }
        }
        return new GrayImage(width, height, result);
    }

    /// <summary>Divides each pixel by a smooth estimate of the paper's brightness, so shadows and vignetting become white.</summary>
    public static void NormalizeIllumination(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (width, height) = (image.Width, image.Height);
        var smallWidth = (width + BackgroundBlock - 1) / BackgroundBlock;
        var smallHeight = (height + BackgroundBlock - 1) / BackgroundBlock;
        var background = new GrayImage(smallWidth, smallHeight, 0);
        for (var y = 0; y < height; y++)
        {
            var row = image.Pixels.AsSpan(y * width, width);
            var maxima = background.Pixels.AsSpan((y / BackgroundBlock) * smallWidth, smallWidth);
            for (var block = 0; block < smallWidth; block++)
            {
                var start = block * BackgroundBlock;
                var max = maxima[block];
                foreach (var value in row.Slice(start, Math.Min(BackgroundBlock, width - start)))
                {
                    max = Math.Max(max, value);
                }
                maxima[block] = max;
            }
        }
        // Paper is the brightest thing in every neighbourhood; a max filter covers blocks filled by a stroke.
        background = BoxBlur3x3(BoxBlur3x3(MaxFilter3x3(background)));

        // Bilinear upsampling of the block map (block centres as sample points) in 8-bit fixed point, one row at a time.
        var (left, right, rightWeight) = (new int[width], new int[width], new int[width]);
        for (var x = 0; x < width; x++)
        {
            var position = Math.Clamp(((x + 0.5) / BackgroundBlock) - 0.5, 0, smallWidth - 1);
            left[x] = (int)position;
            right[x] = Math.Min(smallWidth - 1, left[x] + 1);
            rightWeight[x] = (int)Math.Round((position - left[x]) * 256);
        }
        // Dividing by the paper level is a multiplication by its reciprocal in 16-bit fixed point.
        var reciprocal = new int[256];
        for (var level = 0; level < 256; level++)
        {
            reciprocal[level] = (255 << 16) / Math.Max(32, level);
        }
        var paperRow = new int[smallWidth];
        for (var y = 0; y < height; y++)
        {
            var position = Math.Clamp(((y + 0.5) / BackgroundBlock) - 0.5, 0, smallHeight - 1);
            var top = (int)position;
            var bottom = Math.Min(smallHeight - 1, top + 1);
            var bottomWeight = (int)Math.Round((position - top) * 256);
            for (var block = 0; block < smallWidth; block++)
            {
                paperRow[block] = (background[block, top] * (256 - bottomWeight)) + (background[block, bottom] * bottomWeight);
            }
            var row = image.Pixels.AsSpan(y * width, width);
            for (var x = 0; x < width; x++)
            {
                var paper = ((paperRow[left[x]] * (256 - rightWeight[x])) + (paperRow[right[x]] * rightWeight[x]) + 32768) >> 16;
                row[x] = (byte)Math.Min(255, (row[x] * reciprocal[paper]) >> 16);
            }
        }
    }

    /// <summary>
    /// In a photo the sheet lies on a darker surface, which illumination normalisation turns into a field of specks
    /// that Tesseract's layout analysis reads as extra columns (it then drops whole columns of real labels). The
    /// surface is found on the unprocessed photo, in 8 px cells, as the dark cells connected to the image border;
    /// it is whitened in <paramref name="processed"/>, which is then cropped to the paper. Scans have no surface and
    /// come back unchanged.
    /// </summary>
    public static GrayImage IsolatePaper(GrayImage original, GrayImage processed)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(processed);
        const int Cell = 8;
        var width = (original.Width + Cell - 1) / Cell;
        var height = (original.Height + Cell - 1) / Cell;
        var sums = new int[width * height];
        var squares = new long[width * height];
        var counts = new int[width * height];
        // Row by row over spans, cell by cell along the row: this runs over every pixel of the page.
        for (var y = 0; y < original.Height; y++)
        {
            var row = original.Pixels.AsSpan(y * original.Width, original.Width);
            var cellRow = (y / Cell) * width;
            for (var start = 0; start < row.Length; start += Cell)
            {
                var run = row.Slice(start, Math.Min(Cell, row.Length - start));
                int sum = 0, square = 0;
                foreach (var value in run)
                {
                    sum += value;
                    square += value * value;
                }
                var cell = cellRow + (start / Cell);
                sums[cell] += sum;
                squares[cell] += square;
                counts[cell] += run.Length;
            }
        }
        var cells = new GrayImage(width, height, sums.Select((sum, i) => (byte)(sum / counts[i])).ToArray());
        var spread = sums.Select((sum, i) => Math.Sqrt(Math.Max(0, ((double)squares[i] / counts[i]) - ((double)sum / counts[i] * sum / counts[i])))).ToArray();
        var threshold = OtsuThreshold(cells);
        // A cell holding strokes of print varies far more inside than the surface does (noise, grain): without this
        // limit the growth that enters a deeply shaded corner of the sheet runs along dark rows of text and whitens them.
        var borderSpread = new List<double>();
        for (var x = 0; x < width; x++)
        {
            borderSpread.Add(spread[x]);
            borderSpread.Add(spread[((height - 1) * width) + x]);
        }
        for (var y = 1; y < height - 1; y++)
        {
            borderSpread.Add(spread[y * width]);
            borderSpread.Add(spread[(y * width) + width - 1]);
        }
        borderSpread.Sort();
        var maxSpread = Math.Max(SurfaceMinSpread, SurfaceSpreadFactor * borderSpread[borderSpread.Count / 2]);
        var surface = new bool[cells.Pixels.Length];
        var queue = new Queue<int>();
        // The surface grows from the border through dark cells that each look like their neighbour. A shadowed corner
        // of the sheet can be as dark as the surface, but the sheet's edge is a sharp step up that growth does not
        // cross, while the light falloff within the surface (or within the sheet) is gentle from one cell to the next.
        void Visit(int x, int y, int from)
        {
            var index = (y * width) + x;
            var value = cells.Pixels[index];
            if (!surface[index] && value < threshold && spread[index] <= maxSpread && (from < 0 || Math.Abs(value - from) <= SurfaceStep))
            {
                surface[index] = true;
                queue.Enqueue(index);
            }
        }
        for (var x = 0; x < width; x++)
        {
            Visit(x, 0, -1);
            Visit(x, height - 1, -1);
        }
        for (var y = 0; y < height; y++)
        {
            Visit(0, y, -1);
            Visit(width - 1, y, -1);
        }
        while (queue.TryDequeue(out var index))
        {
            var (x, y) = (index % width, index / width);
            var value = cells.Pixels[index];
            if (x > 0) Visit(x - 1, y, value);
            if (x < width - 1) Visit(x + 1, y, value);
            if (y > 0) Visit(x, y - 1, value);
            if (y < height - 1) Visit(x, y + 1, value);
        }
        var surfaceCells = surface.Count(s => s);
        if (surfaceCells < surface.Length / 50 || surfaceCells > surface.Length * 3 / 5)
        {
            return processed;
        }

        int left = width, top = height, right = -1, bottom = -1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (!surface[(y * width) + x])
                {
                    (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
                }
            }
        }
        for (var y = 0; y < processed.Height; y++)
        {
            var row = processed.Pixels.AsSpan(y * processed.Width, processed.Width);
            var cellRow = (y / Cell) * width;
            for (var start = 0; start < row.Length; start += Cell)
            {
                if (surface[cellRow + (start / Cell)])
                {
                    row.Slice(start, Math.Min(Cell, row.Length - start)).Fill(255);
                }
            }
        }
        var cropLeft = left * Cell;
        var cropTop = top * Cell;
        var cropWidth = Math.Min(processed.Width, (right + 1) * Cell) - cropLeft;
        var cropHeight = Math.Min(processed.Height, (bottom + 1) * Cell) - cropTop;
        return processed.Crop(cropLeft, cropTop, cropWidth, cropHeight);
    }

    /// <summary>
    /// Maps the darkest percent of ink to black and the paper's most common level to white, so blurred strokes keep
    /// their contrast and the residual grain of the paper disappears.
    /// </summary>
    public static void StretchContrast(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var histogram = Histogram(image);
        var darkest = 0;
        var count = 0L;
        var limit = image.Pixels.Length / 100;
        while (darkest < 254 && count + histogram[darkest] < limit)
        {
            count += histogram[darkest];
            darkest++;
        }
        var paper = 255;
        for (var v = 128; v < 256; v++)
        {
            if (histogram[v] > histogram[paper])
            {
                paper = v;
            }
        }
        if (paper - darkest < 40)
        {
            return;
        }
        var lookup = new byte[256];
        for (var v = 0; v < 256; v++)
        {
            lookup[v] = (byte)Math.Clamp((v - darkest) * 255 / (paper - darkest), 0, 255);
        }
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = lookup[image.Pixels[i]];
        }
    }

    /// <summary>
    /// Sets everything lighter than <paramref name="threshold"/> to white: paper grain and JPEG ringing otherwise turn
    /// into specks that Tesseract's layout analysis reads as text columns. Ink keeps its anti-aliased grey levels.
    /// </summary>
    public static void WhitenBackground(GrayImage image, byte threshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            if (image.Pixels[i] >= threshold)
            {
                image.Pixels[i] = 255;
            }
        }
    }

    /// <summary>
    /// Crops the page to the rows and columns that hold print (at least two pixels darker than
    /// <paramref name="threshold"/>, so a lone speck near the edge does not hold the crop open), plus a margin of a
    /// fiftieth of the width: Tesseract's time grows with the pixels it is given, blank ones included. A page without
    /// print comes back unchanged.
    /// </summary>
    public static GrayImage CropToPrint(GrayImage image, byte threshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (width, height) = (image.Width, image.Height);
        var rows = new int[height];
        var columns = new int[width];
        for (var y = 0; y < height; y++)
        {
            var row = image.Pixels.AsSpan(y * width, width);
            for (var x = 0; x < width; x++)
            {
                if (row[x] < threshold)
                {
                    rows[y]++;
                    columns[x]++;
                }
            }
        }
        var top = Array.FindIndex(rows, count => count >= 2);
        var bottom = Array.FindLastIndex(rows, count => count >= 2);
        var left = Array.FindIndex(columns, count => count >= 2);
        var right = Array.FindLastIndex(columns, count => count >= 2);
        if (top < 0 || left < 0)
        {
            return image;
        }
        var margin = Math.Max(16, width / 50);
        (left, top) = (Math.Max(0, left - margin), Math.Max(0, top - margin));
        (right, bottom) = (Math.Min(width - 1, right + margin), Math.Min(height - 1, bottom + margin));
        return left == 0 && top == 0 && right == width - 1 && bottom == height - 1
            ? image
            : image.Crop(left, top, right - left + 1, bottom - top + 1);
    }

    public static byte OtsuThreshold(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var histogram = Histogram(image);
        double total = image.Pixels.Length;
        double sumAll = 0;
        for (var v = 0; v < 256; v++)
        {
            sumAll += v * (double)histogram[v];
        }
        double weightBelow = 0, sumBelow = 0, bestVariance = -1;
        byte best = 128;
        for (var v = 0; v < 256; v++)
        {
            weightBelow += histogram[v];
            if (weightBelow == 0)
            {
                continue;
            }
            var weightAbove = total - weightBelow;
            if (weightAbove == 0)
            {
                break;
            }
            sumBelow += v * (double)histogram[v];
            var meanBelow = sumBelow / weightBelow;
            var meanAbove = (sumAll - sumBelow) / weightAbove;
            var variance = weightBelow * weightAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove);
            if (variance > bestVariance)
            {
                bestVariance = variance;
                best = (byte)v;
            }
        }
        return best;
    }

    /// <summary>
    /// Finds the angle at which ink pixels, projected onto the vertical axis, pile up into the sharpest rows:
    /// that is the angle of the text lines. Positive means lines descend to the right.
    /// </summary>
    public static double EstimateSkewDegrees(GrayImage image, byte threshold, double maxDegrees)
    {
        ArgumentNullException.ThrowIfNull(image);
        var step = Math.Max(1, image.Width / 600);
        var points = new List<(int X, int Y)>();
        for (var y = 0; y < image.Height; y += step)
        {
            for (var x = 0; x < image.Width; x += step)
            {
                if (image[x, y] < threshold)
                {
                    points.Add((x / step, y / step));
                }
            }
        }
        if (points.Count < 50)
        {
            return 0;
        }
        var rows = (image.Height / step) + 1;
        var columns = (image.Width / step) + 1;
        var bins = new int[rows + (2 * columns)];

        double Score(double degrees)
        {
            Array.Clear(bins);
            var slope = Math.Tan(degrees * Math.PI / 180);
            foreach (var (x, y) in points)
            {
                var bin = (int)Math.Round(y - (x * slope)) + columns;
                if (bin >= 0 && bin < bins.Length)
                {
                    bins[bin]++;
                }
            }
            double score = 0;
            foreach (var count in bins)
            {
                score += (double)count * count;
            }
            return score;
        }

        double Search(double from, double to, double increment)
        {
            var best = 0.0;
            var bestScore = double.MinValue;
            for (var angle = from; angle <= to + 1e-9; angle += increment)
            {
                var score = Score(angle);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = angle;
                }
            }
            return best;
        }

        var coarse = Search(-maxDegrees, maxDegrees, 0.25);
        return Math.Round(Search(coarse - 0.25, coarse + 0.25, 0.05), 2);
    }

    /// <summary>
    /// Turns the page back by <paramref name="skewDegrees"/> about its centre with bilinear sampling; uncovered corners
    /// become white. Source positions advance by a constant step along each row, in 16.16 fixed point.
    /// </summary>
    public static GrayImage Rotate(GrayImage image, double skewDegrees)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (width, height) = (image.Width, image.Height);
        var source = image.Pixels;
        var result = new byte[source.Length];
        var radians = skewDegrees * Math.PI / 180;
        var (cos, sin) = (Math.Cos(radians), Math.Sin(radians));
        var (centreX, centreY) = (width / 2.0, height / 2.0);
        const int One = 1 << 16;
        var stepX = (long)Math.Round(cos * One);
        var stepY = (long)Math.Round(sin * One);
        for (var y = 0; y < height; y++)
        {
            // Pixel centres: output (x + 0.5, y + 0.5) maps to source (sx, sy); sample coordinates are centre - 0.5.
            var dy = y + 0.5 - centreY;
            var dx = 0.5 - centreX;
            var sx = (long)Math.Round(((cos * dx) - (sin * dy) + centreX - 0.5) * One);
            var sy = (long)Math.Round(((sin * dx) + (cos * dy) + centreY - 0.5) * One);
            var target = result.AsSpan(y * width, width);
            for (var x = 0; x < width; x++, sx += stepX, sy += stepY)
            {
                var x0 = (int)(sx >> 16);
                var y0 = (int)(sy >> 16);
                if (x0 < 0 || y0 < 0 || x0 >= width - 1 || y0 >= height - 1)
                {
                    target[x] = 255;
                    continue;
                }
                var fx = (int)(sx & 0xFFFF) >> 8;
                var fy = (int)(sy & 0xFFFF) >> 8;
                var at = (y0 * width) + x0;
                var upper = (source[at] * (256 - fx)) + (source[at + 1] * fx);
                var lower = (source[at + width] * (256 - fx)) + (source[at + width + 1] * fx);
                target[x] = (byte)(((upper * (256 - fy)) + (lower * fy) + 32768) >> 16);
            }
        }
        return new GrayImage(width, height, result);
    }

    /// <summary>
    /// Whitens table rules and fill-in underlines: ink runs at least <paramref name="minRun"/> pixels long horizontally
    /// or vertically whose ink is thin across the run. A run is followed on a three-pixel band (a rule that drifts by a
    /// pixel under slight perspective stays one run) and may bridge gaps of a few pixels (noise and JPEG break blurred
    /// rules into dashes, which Tesseract then reads as 一). Thinness keeps text safe: a row of digits or characters can
    /// form a long run in a blurred photo, but its strokes reach far above and below the band, a rule's do not.
    /// </summary>
    public static void EraseRuledLines(GrayImage image, byte threshold, int minRun)
    {
        ArgumentNullException.ThrowIfNull(image);
        var maxThickness = Math.Max(6, image.Width / 120);
        var maxGap = Math.Max(4, image.Width / 300);
        var horizontalRules = new bool[image.Pixels.Length];
        MarkRules(image, threshold, minRun, maxThickness, maxGap, horizontalRules, horizontal: true, null, int.MaxValue);
        var erase = (bool[])horizontalRules.Clone();
        // A cell divider or the side of a box is one row tall, far shorter than a rule must be to be found by length
        // alone, but it runs from one erased rule to the next; text never does.
        MarkRules(image, threshold, minRun, maxThickness, maxGap, erase, horizontal: false, horizontalRules, Math.Max(20, image.Width / 60));
        for (var i = 0; i < erase.Length; i++)
        {
            if (erase[i])
            {
                image.Pixels[i] = 255;
            }
        }
    }

    private static void MarkRules(GrayImage image, byte threshold, int minRun, int maxThickness, int maxGap, bool[] erase, bool horizontal, bool[]? anchors, int anchoredRun)
    {
        var pixels = image.Pixels;
        var lines = horizontal ? image.Height : image.Width;
        var length = horizontal ? image.Width : image.Height;
        // "Across" steps from one line to the next (perpendicular to the rule), "along" follows the rule.
        var across = horizontal ? image.Width : 1;
        var along = horizontal ? 1 : image.Width;
        bool Ink(int line, int position) => pixels[(line * across) + (position * along)] < threshold;

        for (var line = 1; line < lines - 1; line++)
        {
            var runStart = -1;
            var lastInk = -1;
            for (var position = 0; position <= length; position++)
            {
                var inBand = position < length && (Ink(line - 1, position) || Ink(line, position) || Ink(line + 1, position));
                if (inBand)
                {
                    if (runStart < 0)
                    {
                        runStart = position;
                    }
                    lastInk = position;
                    continue;
                }
                if (runStart < 0 || (position < length && position - lastInk <= maxGap))
                {
                    continue;
                }
                var runLength = lastInk - runStart + 1;
                if (runLength >= minRun || (runLength >= anchoredRun && Anchored(line, runStart) && Anchored(line, lastInk)))
                {
                    MarkThinRun(line, runStart, lastInk);
                }
                runStart = -1;
            }
        }

        // Whether a run's end meets a rule found before (within the gap a blurred crossing leaves).
        bool Anchored(int line, int position)
        {
            for (var at = Math.Max(0, position - maxGap); at <= Math.Min(length - 1, position + maxGap); at++)
            {
                for (var beside = Math.Max(0, line - 2); beside <= Math.Min(lines - 1, line + 2); beside++)
                {
                    if (anchors![(beside * across) + (at * along)])
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        void MarkThinRun(int line, int from, int to)
        {
            // Extent of the ink through the band at each position; a rule is thin at nearly every position it covers.
            var extents = new List<(int Position, int First, int Last, bool Thin)>();
            var thin = 0;
            for (var position = from; position <= to; position++)
            {
                var seed = Ink(line, position) ? line : Ink(line - 1, position) ? line - 1 : Ink(line + 1, position) ? line + 1 : -1;
                if (seed < 0)
                {
                    continue;
                }
                var first = seed;
                while (first > 0 && seed - first <= maxThickness && Ink(first - 1, position))
                {
                    first--;
                }
                var last = seed;
                while (last < lines - 1 && last - first <= maxThickness && Ink(last + 1, position))
                {
                    last++;
                }
                var isThin = last - first + 1 <= maxThickness;
                thin += isThin ? 1 : 0;
                extents.Add((position, first, last, isThin));
            }
            // A rule is nearly solid and thin along its length; a row of text is not, even where its strokes align
            // (the top bars of 7 5 7, the strokes of 三 or 二) since characters leave gaps between and within them.
            var length = to - from + 1;
            if (extents.Count < length * 9 / 10 || thin < extents.Count * 3 / 4)
            {
                return;
            }
            // Where something crosses the rule (a perpendicular rule, a stroke touching it) only the rule's own band
            // goes, taken from the nearest thin position before it, so crossings do not survive as dots.
            var (bandFirst, bandLast) = extents.Where(e => e.Thin).Select(e => (e.First, e.Last)).First();
            var startBand = (bandFirst, bandLast);
            foreach (var (position, first, last, isThin) in extents)
            {
                if (isThin)
                {
                    (bandFirst, bandLast) = (first, last);
                }
                EraseBand(position, bandFirst, bandLast);
            }
            Follow(to + 1, 1, bandFirst, bandLast);
            Follow(from - 1, -1, startBand.bandFirst, startBand.bandLast);
        }

        // Blur leaves a grey fringe beside the ink that would come back as a broken line when Tesseract binarises, so
        // two more pixels either side go too.
        void EraseBand(int position, int bandFirst, int bandLast)
        {
            for (var at = Math.Max(0, bandFirst - 2); at <= Math.Min(lines - 1, bandLast + 2); at++)
            {
                erase[(at * across) + (position * along)] = true;
            }
        }

        // Under perspective a rule is not parallel to the page's axes: it leaves the three-pixel band it was found on,
        // and the stretch beyond (a table's last row, a cell divider) is too short to be found by itself. Those stubs,
        // left standing beside a cell's text, are read as | or l glued to it. So the rule is followed past its ends,
        // a pixel of drift at a time, for as long as it stays thin; a crossing rule or stroke is stepped over.
        void Follow(int start, int step, int bandFirst, int bandLast)
        {
            var misses = 0;
            var crossing = 0;
            for (var position = start; position >= 0 && position < length; position += step)
            {
                int first = -1, last = -1;
                for (var at = Math.Max(0, bandFirst - 1); at <= Math.Min(lines - 1, bandLast + 1); at++)
                {
                    if (Ink(at, position))
                    {
                        first = first < 0 ? at : first;
                        last = at;
                    }
                }
                if (first < 0)
                {
                    if (++misses > maxGap)
                    {
                        return;
                    }
                    continue;
                }
                while (first > 0 && last - first <= maxThickness && Ink(first - 1, position))
                {
                    first--;
                }
                while (last < lines - 1 && last - first <= maxThickness && Ink(last + 1, position))
                {
                    last++;
                }
                misses = 0;
                if (last - first + 1 > maxThickness)
                {
                    // Something crosses here; a crossing is no wider than a rule is thick.
                    if (++crossing > maxThickness)
                    {
                        return;
                    }
                    EraseBand(position, bandFirst, bandLast);
                    continue;
                }
                crossing = 0;
                (bandFirst, bandLast) = (first, last);
                EraseBand(position, bandFirst, bandLast);
            }
        }
    }

    private static long[] Histogram(GrayImage image)
    {
        var histogram = new long[256];
        foreach (var value in image.Pixels)
        {
            histogram[value]++;
        }
        return histogram;
    }

    private static GrayImage MaxFilter3x3(GrayImage image)
    {
        var result = new GrayImage(image.Width, image.Height, 0);
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                byte max = 0;
                for (var ny = Math.Max(0, y - 1); ny <= Math.Min(image.Height - 1, y + 1); ny++)
                {
                    for (var nx = Math.Max(0, x - 1); nx <= Math.Min(image.Width - 1, x + 1); nx++)
                    {
                        max = Math.Max(max, image[nx, ny]);
                    }
                }
                result[x, y] = max;
            }
        }
        return result;
    }

    private static GrayImage BoxBlur3x3(GrayImage image)
    {
        var result = new GrayImage(image.Width, image.Height, 0);
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                int sum = 0, count = 0;
                for (var ny = Math.Max(0, y - 1); ny <= Math.Min(image.Height - 1, y + 1); ny++)
                {
                    for (var nx = Math.Max(0, x - 1); nx <= Math.Min(image.Width - 1, x + 1); nx++)
                    {
                        sum += image[nx, ny];
                        count++;
                    }
                }
                result[x, y] = (byte)(sum / count);
            }
        }
        return result;
    }
}
