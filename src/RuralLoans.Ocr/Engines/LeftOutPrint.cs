using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Engines;

/// <summary>
/// Print on a cleaned page that no word of Tesseract's reading covers. Tesseract's layout analysis (psm 4) sometimes
/// leaves a whole column of a blurred form out of its reading, labels and all (a label column of an underlined-blank
/// form, the right-hand cells of a wide table); the extractor cannot ask again for a label it never saw. Such print
/// is found here as blobs of ink of a text line's height, so that it can be read on its own.
/// </summary>
public static class LeftOutPrint
{
    private const int Cell = 4;

    /// <summary>
    /// Regions of unread print, one per run of characters on a line, each in page pixels. Empty when the reading
    /// covers the page's print (the usual case), so a page read whole costs nothing more.
    /// </summary>
    /// <param name="image">The page Tesseract read.</param>
    /// <param name="inkThreshold">Grey level below which a pixel is surely ink.</param>
    /// <param name="read">What Tesseract read from <paramref name="image"/>.</param>
    public static IReadOnlyList<BoundingBox> Find(GrayImage image, byte inkThreshold, OcrPage read)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(read);
        var words = read.Lines.SelectMany(l => l.Words).Where(w => w.Box.Width > 0 && w.Box.Height > 0).ToList();
        // The text size: the median height of what was read, or a 14 pt character on a page 1700 px wide.
        var heights = words.Select(w => w.Box.Height).Where(h => h > 4).Order().ToList();
        var charHeight = heights.Count >= 5 ? heights[heights.Count / 2] : image.Width / 45.0;
        var (width, height) = (image.Width, image.Height);

        // Ink no read word covers; a word's box is widened by a fifth of the text height, since Tesseract's boxes
        // hug the strokes it binarised and blur spreads them a little further.
        var covered = new bool[width * height];
        var margin = (int)Math.Ceiling(charHeight / 5);
        foreach (var word in words)
        {
            var left = Math.Max(0, (int)word.Box.Left - margin);
            var right = Math.Min(width, (int)Math.Ceiling(word.Box.Right) + margin);
            var top = Math.Max(0, (int)word.Box.Top - margin);
            var bottom = Math.Min(height, (int)Math.Ceiling(word.Box.Bottom) + margin);
            for (var y = top; y < bottom; y++)
            {
                Array.Fill(covered, true, (y * width) + left, Math.Max(0, right - left));
            }
        }
        var cellsWide = (width + Cell - 1) / Cell;
        var cellsHigh = (height + Cell - 1) / Cell;
        var ink = new int[cellsWide * cellsHigh];
        for (var y = 0; y < height; y++)
        {
            var row = (y / Cell) * cellsWide;
            for (var x = 0; x < width; x++)
            {
                var at = (y * width) + x;
                if (image.Pixels[at] < inkThreshold && !covered[at])
                {
                    ink[row + (x / Cell)]++;
                }
            }
        }

        // Characters of one word or cell are joined across the gaps between them (half a character), lines stay
        // apart (their spacing is wider than a fifth of a character).
        var inked = new bool[ink.Length];
        for (var i = 0; i < ink.Length; i++)
        {
            inked[i] = ink[i] >= 2;
        }
        var joinX = Math.Max(1, (int)Math.Round(charHeight * 0.5 / Cell));
        var joinY = Math.Max(0, (int)Math.Round(charHeight * 0.2 / Cell));
        var joined = Dilate(inked, cellsWide, cellsHigh, joinX, joinY);

        var label = new int[joined.Length];
        var regions = new List<BoundingBox>();
        var queue = new Queue<int>();
        var next = 0;
        for (var start = 0; start < joined.Length; start++)
        {
            if (!joined[start] || label[start] != 0)
            {
                continue;
            }
            next++;
            label[start] = next;
            queue.Enqueue(start);
            int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1, inkTotal = 0;
            while (queue.TryDequeue(out var at))
            {
                var (cx, cy) = (at % cellsWide, at / cellsWide);
                if (inked[at])
                {
                    // The blob's extent is where its ink is, not where the joining grew it.
                    (minX, minY, maxX, maxY) = (Math.Min(minX, cx), Math.Min(minY, cy), Math.Max(maxX, cx), Math.Max(maxY, cy));
                    inkTotal += ink[at];
                }
                for (var ny = Math.Max(0, cy - 1); ny <= Math.Min(cellsHigh - 1, cy + 1); ny++)
                {
                    for (var nx = Math.Max(0, cx - 1); nx <= Math.Min(cellsWide - 1, cx + 1); nx++)
                    {
                        var neighbour = (ny * cellsWide) + nx;
                        if (joined[neighbour] && label[neighbour] == 0)
                        {
                            label[neighbour] = next;
                            queue.Enqueue(neighbour);
                        }
                    }
                }
            }
            if (maxX < 0)
            {
                continue;
            }
            var box = new BoundingBox(minX * Cell, minY * Cell, (maxX - minX + 1) * Cell, (maxY - minY + 1) * Cell);
            // Print of a text line: as tall as a character give or take, at least two characters wide (a lone
            // character is more often a mark, a stamp's fragment or a box than a lost value), and inked like print
            // rather than like a speck field or a stray rule.
            var density = inkTotal / (box.Width * box.Height);
            if (box.Height >= 0.6 * charHeight && box.Height <= 1.8 * charHeight && box.Width >= 1.6 * charHeight && density >= 0.08)
            {
                regions.Add(box);
            }
        }
        return regions.OrderBy(r => r.Top).ThenBy(r => r.Left).ToList();
    }

    private static bool[] Dilate(bool[] cells, int width, int height, int radiusX, int radiusY)
    {
        // Separable: a run of true cells grows by radiusX either way along rows, then by radiusY along columns.
        var across = new bool[cells.Length];
        for (var y = 0; y < height; y++)
        {
            DilateLine(cells, across, y * width, 1, width, radiusX);
        }
        if (radiusY == 0)
        {
            return across;
        }
        var result = new bool[cells.Length];
        for (var x = 0; x < width; x++)
        {
            DilateLine(across, result, x, width, height, radiusY);
        }
        return result;
    }

    /// <summary>One row or column (<paramref name="count"/> cells, <paramref name="step"/> apart): a cell is set when a set cell lies within <paramref name="radius"/>.</summary>
    private static void DilateLine(bool[] source, bool[] target, int start, int step, int count, int radius)
    {
        var last = int.MinValue / 2;
        for (var i = 0; i < count; i++)
        {
            if (source[start + (i * step)])
            {
                last = i;
            }
            target[start + (i * step)] = i - last <= radius;
        }
        last = int.MaxValue / 2;
        for (var i = count - 1; i >= 0; i--)
        {
            if (source[start + (i * step)])
            {
                last = i;
            }
            target[start + (i * step)] |= last - i <= radius;
        }
    }
}
