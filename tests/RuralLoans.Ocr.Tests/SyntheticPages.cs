using RuralLoans.Ocr.Imaging;

namespace RuralLoans.Ocr.Tests;

/// <summary>Drawing and counting on synthetic gray pages whose right answer is known pixel by pixel.</summary>
internal static class SyntheticPages
{
    /// <summary>Paints a rectangle, clipped to the page.</summary>
    public static void Fill(GrayImage image, int left, int top, int width, int height, byte value)
    {
        for (var y = Math.Max(0, top); y < Math.Min(image.Height, top + height); y++)
        {
            for (var x = Math.Max(0, left); x < Math.Min(image.Width, left + width); x++)
            {
                image[x, y] = value;
            }
        }
    }

    /// <summary>Pixels darker than mid-gray inside a rectangle, clipped to the page.</summary>
    public static int InkPixels(GrayImage image, int left, int top, int width, int height)
    {
        var count = 0;
        for (var y = Math.Max(0, top); y < Math.Min(image.Height, top + height); y++)
        {
            for (var x = Math.Max(0, left); x < Math.Min(image.Width, left + width); x++)
            {
                count += image[x, y] < 128 ? 1 : 0;
            }
        }
        return count;
    }
}
