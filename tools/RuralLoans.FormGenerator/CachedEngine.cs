using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RuralLoans.Ocr;

namespace RuralLoans.FormGenerator;

/// <summary>
/// Keeps what an engine read (first readings and second looks) on disk, keyed by the document's bytes and the regions
/// asked for, so that extraction can be changed and re-measured on the same forms in seconds instead of re-running
/// Tesseract. Recognition is deterministic for a given build of the engine, so a cached reading is the reading; the
/// cache must be cleared when the engine, the preprocessing or the generator changes. CPU figures of a cached run
/// measure extraction only.
/// </summary>
internal sealed class CachedEngine(IOcrEngine inner, string directory) : IOcrEngine, IRegionRereader
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = false };

    private readonly ConditionalWeakTable<OcrDocument, Source> sources = [];

    public async Task<OcrDocument> RecognizeAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(content.Span))[..24];
        var path = Path.Combine(directory, key + ".json");
        OcrDocument document;
        if (File.Exists(path))
        {
            document = JsonSerializer.Deserialize<OcrDocument>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json)!;
        }
        else
        {
            document = await inner.RecognizeAsync(content, contentType, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Json), cancellationToken).ConfigureAwait(false);
        }
        sources.AddOrUpdate(document, new Source(key, content.ToArray(), contentType));
        return document;
    }

    public async Task<IReadOnlyList<OcrLine?>> RereadAsync(OcrDocument document, IReadOnlyList<PageRegion> regions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (inner is not IRegionRereader rereader || !sources.TryGetValue(document, out var source))
        {
            return regions.Select(_ => (OcrLine?)null).ToList();
        }
        var result = new OcrLine?[regions.Count];
        var missing = new List<int>();
        for (var i = 0; i < regions.Count; i++)
        {
            var path = RegionPath(source.Key, regions[i]);
            if (File.Exists(path))
            {
                result[i] = JsonSerializer.Deserialize<OcrLine?>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json);
            }
            else
            {
                missing.Add(i);
            }
        }
        if (missing.Count > 0)
        {
            // The engine holds page images only for documents it read itself, so a cached document is read again first.
            var own = await inner.RecognizeAsync(source.Content, source.ContentType, cancellationToken).ConfigureAwait(false);
            var lines = await rereader.RereadAsync(own, missing.Select(i => regions[i]).ToList(), cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < missing.Count; j++)
            {
                result[missing[j]] = lines[j];
                await File.WriteAllTextAsync(RegionPath(source.Key, regions[missing[j]]), JsonSerializer.Serialize(lines[j], Json), cancellationToken).ConfigureAwait(false);
            }
        }
        return result;
    }

    private string RegionPath(string key, PageRegion region)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{region.PageNumber}:{region.Box.Left:F2}:{region.Box.Top:F2}:{region.Box.Width:F2}:{region.Box.Height:F2}");
        return Path.Combine(directory, key + "-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16] + ".json");
    }

    private sealed record Source(string Key, byte[] Content, string ContentType);
}
