namespace RuralLoans.Ocr.Imaging;

/// <summary>A square box printed on the page, and whether anything is inside it.</summary>
public sealed record Checkbox(BoundingBox Box, bool Marked, double InnerInk);

/// <summary>
/// Finds checkboxes by their shape instead of by OCR of the glyph: chi_sim reads an empty box as 口, 5, D or nothing
/// depending on the font, and a ticked one as almost anything, but every font draws a box as a square outline. A box
/// is a connected blob of ink about one text line high, square, whose four sides are inked along nearly their whole
/// length; it is marked when its inside holds ink (■ filled, ☑ ticked, ☒ crossed, but also 回, or 等 blurred).
/// </summary>
public static class CheckboxDetector
{
    /// <summary>Share of a side's length that must be inked for the side to count as drawn.</summary>
    private const double SideCoverage = 0.85;

    /// <summary>Share of a box's inside that may be inked while the box still counts as empty (anti-aliasing, specks).</summary>
    private const double EmptyInk = 0.06;

    /// <summary>
    /// Empty boxes: on a page only they are unmistakable. A marked box cannot be told from a dense character that blur
    /// filled into a square blob (等 on a poor photo), so marked squares are not returned; the ticked option is the one
    /// whose box is not empty. The one character that looks like an empty box, 口, is left as it reads. (The engines
    /// pass every square of <see cref="FindSquares"/> to <see cref="CheckboxMarks.Apply"/>, which trusts a marked one
    /// only where OCR read an empty box on it.)
    /// </summary>
    public static IReadOnlyList<Checkbox> Find(GrayImage image, byte inkThreshold) =>
        FindSquares(image, inkThreshold).Where(c => !c.Marked).ToList();

    /// <summary>Every square outline of about a text line's size, before the rule that boxes come in rows.</summary>
    public static IReadOnlyList<Checkbox> FindSquares(GrayImage image, byte inkThreshold)
    {
        ArgumentNullException.ThrowIfNull(image);
        var minSide = Math.Max(10, image.Width / 170);
        var maxSide = Math.Max(minSide + 1, image.Width / 20);
        var candidates = new List<Checkbox>();
        var blobs = Blobs(image, inkThreshold, maxSide);
        foreach (var (left, top, width, height) in blobs)
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
        // A square inside another glyph's outline (the inner square of 回) is part of that glyph.
        return candidates.Where(c => !blobs.Any(b => b.Left < c.Box.Left && b.Top < c.Box.Top
            && b.Left + b.Width > c.Box.Right && b.Top + b.Height > c.Box.Bottom)).ToList();
    }

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
        int inside = 0, area = 0;
        for (var y = top + margin; y < top + height - margin; y++)
        {
            for (var x = left + margin; x < left + width - margin; x++)
            {
                area++;
                inside += Ink(x, y) ? 1 : 0;
            }
        }
        if (area == 0)
        {
            return null;
        }
        var share = (double)inside / area;
        return new Checkbox(new BoundingBox(left, top, width, height), share > EmptyInk, share);
    }

    /// <summary>
    /// Bounding boxes of 8-connected blobs of ink. Blobs that grow beyond twice <paramref name="maxSide"/> (rules, lines of
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
            // Glyph-sized blobs only (up to twice a box, to hold a box inside): rules and merged text are no use.
            if (maxX - minX < 2 * maxSide && maxY - minY < 2 * maxSide)
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

    /// <summary>Written where a square with ink inside was found and OCR read an empty box.</summary>
    public const char Ticked = '■';

    /// <summary>
    /// Each empty box replaces the characters OCR read where it is printed (estimated from the word's box, since a word's
    /// characters have about equal width in a row of Chinese options) with □; a box OCR dropped is added as a word of its
    /// own. An empty box read as 口 stays 口: to the choice parser both are an empty box. A marked square is trusted only
    /// where OCR read an empty box (口 or □) on it, on a row where an empty box was found too: PP-OCR reads a ticked box
    /// as 口 on poor photos, and that 口 becomes ■. Elsewhere a marked square may be a dense character blurred into a
    /// blob (see <see cref="CheckboxDetector.Find"/>).
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
        var empties = boxes.Where(b => !b.Marked).Select(b => b.Box).ToList();
        foreach (var ticked in boxes.Where(b => b.Marked))
        {
            MarkTicked(lines, ticked.Box, empties);
        }
        // Empty boxes are written wherever they are found; the choice parser reads the ticked option as the one whose
        // box is not empty.
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

    /// <summary>
    /// Only on a row of boxes, one with an empty box found on it as well: a blurred 口 in a word (家庭人口数) has ink
    /// inside and passes for a marked square too.
    /// </summary>
    private static void MarkTicked(List<List<OcrWord>> lines, BoundingBox box, List<BoundingBox> empties)
    {
        var slack = 0.15 * box.Width;
        foreach (var line in lines.Where(words => words.Count > 0 && VerticalOverlap(BoundingBox.Union(words.Select(w => w.Box)), box) > 0.5 * box.Height))
        {
            var row = BoundingBox.Union(line.Select(w => w.Box));
            if (!empties.Any(empty => VerticalOverlap(row, empty) > 0.5 * empty.Height))
            {
                continue;
            }
            for (var i = 0; i < line.Count; i++)
            {
                var word = line[i];
                if (word.Box.Right < box.Left || word.Box.Left > box.Right || word.Text.Length == 0)
                {
                    continue;
                }
                var width = word.Box.Width / word.Text.Length;
                var text = word.Text.ToCharArray();
                for (var c = 0; c < text.Length; c++)
                {
                    var centre = word.Box.Left + ((c + 0.5) * width);
                    if (text[c] is '口' or Empty && centre >= box.Left - slack && centre <= box.Right + slack)
                    {
                        text[c] = Ticked;
                    }
                }
                line[i] = word with { Text = new string(text) };
            }
        }
    }

    private static double VerticalOverlap(BoundingBox a, BoundingBox b) => Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
}
