namespace RuralLoans.Ocr.Imaging;

/// <summary>A square box printed on the page, and whether anything is inside it.</summary>
public sealed record Checkbox(BoundingBox Box, bool Marked, double InnerInk);

/// <summary>
/// Finds checkboxes by their shape instead of by OCR of the glyph: chi_sim reads an empty box as 口, 5, D or nothing
/// depending on the font, and a ticked one as almost anything, but every font draws a box as a square outline. A box
/// is a connected blob of ink about one text line high, square, whose four sides are inked along nearly their whole
/// length; it is marked when its inside holds ink (■ filled, ☑ ticked, ☒ crossed). Single boxes are ignored: a row of
/// choices has at least two boxes of one size, one of them empty, while a lone 口 or 回 in text has none of that.
/// </summary>
public static class CheckboxDetector
{
    /// <summary>Share of a side's length that must be inked for the side to count as drawn.</summary>
    private const double SideCoverage = 0.85;

    /// <summary>Share of a box's inside that may be inked while the box still counts as empty (anti-aliasing, specks).</summary>
    private const double EmptyInk = 0.06;

    public static IReadOnlyList<Checkbox> Find(GrayImage image, byte inkThreshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        var minSide = Math.Max(10, image.Width / 170);
        var maxSide = Math.Max(minSide + 1, image.Width / 20);
        var candidates = new List<Checkbox>();
        foreach (var (left, top, width, height) in Blobs(image, inkThreshold, maxSide))
        {
            if (width < minSide || height < minSide || width > maxSide || height > maxSide)
            {
                continue;
            }
            var aspect = (double)width / height;
            if (aspect is < 0.8 or > 1.25)
            {
                continue;
            }
            if (Inspect(image, inkThreshold, left, top, width, height) is { } box)
            {
                candidates.Add(box);
            }
        }
        return candidates.Where(c => candidates.Any(o => o != c && SameRow(c, o))
                && candidates.Where(o => SameRow(c, o) || o == c).Any(o => !o.Marked))
            .ToList();
    }

    /// <summary>Boxes of one row of choices: the same size within a fifth, centres within half a box of each other vertically.</summary>
    private static bool SameRow(Checkbox a, Checkbox b) =>
        Math.Abs(a.Box.CenterY - b.Box.CenterY) < 0.5 * a.Box.Height
        && Math.Abs(a.Box.Height - b.Box.Height) <= 0.2 * Math.Max(a.Box.Height, b.Box.Height)
        && Math.Abs(a.Box.Left - b.Box.Left) > 2 * a.Box.Width;

    private static Checkbox? Inspect(GrayImage image, byte inkThreshold, int left, int top, int width, int height)
    {
        var stroke = Math.Max(2, Math.Min(width, height) / 7);
        bool Ink(int x, int y) => image.Pixels[(y * image.Width) + x] < inkThreshold;
        bool InkAcross(int x, int yFrom, int yTo)
        {
            for (var y = yFrom; y < yTo; y++)
            {
                if (Ink(x, y))
                {
                    return true;
                }
            }
            return false;
        }
        bool InkAlong(int y, int xFrom, int xTo)
        {
            for (var x = xFrom; x < xTo; x++)
            {
                if (Ink(x, y))
                {
                    return true;
                }
            }
            return false;
        }
        int covered = 0, span = 0;
        for (var x = left; x < left + width; x++)
        {
            span++;
            covered += InkAcross(x, top, top + stroke) && InkAcross(x, top + height - stroke, top + height) ? 1 : 0;
        }
        if (covered < SideCoverage * span)
        {
            return null;
        }
        covered = 0;
        span = 0;
        for (var y = top; y < top + height; y++)
        {
            span++;
            covered += InkAlong(y, left, left + stroke) && InkAlong(y, left + width - stroke, left + width) ? 1 : 0;
        }
        if (covered < SideCoverage * span)
        {
            return null;
        }
        // The inside, kept clear of the sides' strokes and their blur.
        var margin = stroke + 1;
        int inked = 0, area = 0;
        for (var y = top + margin; y < top + height - margin; y++)
        {
            for (var x = left + margin; x < left + width - margin; x++)
            {
                area++;
                inked += Ink(x, y) ? 1 : 0;
            }
        }
        if (area == 0)
        {
            return null;
        }
        var share = (double)inked / area;
        return new Checkbox(new BoundingBox(left, top, width, height), share > EmptyInk, share);
    }

    /// <summary>
    /// Bounding boxes of 8-connected blobs of ink. Blobs that grow beyond <paramref name="maxSide"/> (rules, lines of
    /// touching text) are still walked, so their pixels are not revisited, but not returned.
    /// </summary>
    private static List<(int Left, int Top, int Width, int Height)> Blobs(GrayImage image, byte inkThreshold, int maxSide)
    {
        var width = image.Width;
        var pixels = image.Pixels;
        var seen = new bool[pixels.Length];
        var stack = new Stack<int>();
        var found = new List<(int Left, int Top, int Width, int Height)>();
        for (var start = 0; start < pixels.Length; start++)
        {
            if (seen[start] || pixels[start] >= inkThreshold)
            {
                continue;
            }
            int minX = start % width, maxX = minX, minY = start / width, maxY = minY;
            seen[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var at = stack.Pop();
                int x = at % width, y = at / width;
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
                for (var dy = -1; dy <= 1; dy++)
                {
                    var ny = y + dy;
                    if (ny < 0 || ny >= image.Height)
                    {
                        continue;
                    }
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var nx = x + dx;
                        if (nx < 0 || nx >= width)
                        {
                            continue;
                        }
                        var next = (ny * width) + nx;
                        if (!seen[next] && pixels[next] < inkThreshold)
                        {
                            seen[next] = true;
                            stack.Push(next);
                        }
                    }
                }
            }
            if (maxX - minX < maxSide && maxY - minY < maxSide)
            {
                found.Add((minX, minY, maxX - minX + 1, maxY - minY + 1));
            }
        }
        return found;
    }
}

/// <summary>Writes the checkboxes found in a page's pixels into the words OCR read there.</summary>
public static class CheckboxMarks
{
    public const char Empty = '□';

    /// <summary>
    /// Each empty box replaces the characters OCR read where it is printed (estimated from the word's box, since a word's
    /// characters have about equal width in a row of Chinese options) with □; a box OCR dropped is added as a word of its
    /// own. An empty box read as 口 stays 口: to the choice parser both are an empty box.
    /// </summary>
    public static OcrPage Apply(OcrPage page, IReadOnlyList<Checkbox> boxes)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(boxes);
        if (boxes.Count == 0)
        {
            return page;
        }
        var lines = page.Lines.Select(l => l.Words.ToList()).ToList();
        // Only empty boxes are written: an outline with nothing inside is unmistakable, while a dense character blurred
        // into a blob (等 on a poor photo) looks like a filled box. The ticked option is then the one whose box is not
        // empty, which the choice parser already reads.
        foreach (var checkbox in boxes.Where(b => !b.Marked))
        {
            var box = checkbox.Box;
            var line = lines
                .Select(words => (Words: words, Overlap: words.Count == 0 ? 0 : VerticalOverlap(BoundingBox.Union(words.Select(w => w.Box)), box)))
                .Where(l => l.Overlap > 0.5 * box.Height)
                .OrderByDescending(l => l.Overlap)
                .Select(l => l.Words)
                .FirstOrDefault();
            const char mark = Empty;
            var slack = 0.15 * box.Width;
            var replaced = false;
            if (line is not null)
            {
                for (var i = 0; i < line.Count && !replaced; i++)
                {
                    var word = line[i];
                    if (word.Box.Right < box.Left || word.Box.Left > box.Right || word.Text.Length == 0)
                    {
                        continue;
                    }
                    var width = word.Box.Width / word.Text.Length;
                    var inside = Enumerable.Range(0, word.Text.Length)
                        .Where(c => word.Box.Left + ((c + 0.5) * width) is var centre && centre >= box.Left - slack && centre <= box.Right + slack)
                        .ToList();
                    // More than two characters where one box is printed is not a reading of the box.
                    if (inside.Count is 0 or > 2)
                    {
                        continue;
                    }
                    var read = word.Text.Substring(inside[0], inside[^1] - inside[0] + 1);
                    var text = read == "口" ? word.Text : word.Text[..inside[0]] + mark + word.Text[(inside[^1] + 1)..];
                    line[i] = word with { Text = text };
                    replaced = true;
                }
                if (!replaced)
                {
                    line.Add(new OcrWord(mark.ToString(), box, 0.9));
                    line.Sort((a, b) => a.Box.Left.CompareTo(b.Box.Left));
                }
            }
        }
        return page with { Lines = lines.Select(words => new OcrLine(words)).ToList() };
    }

    private static double VerticalOverlap(BoundingBox a, BoundingBox b) => Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
}
