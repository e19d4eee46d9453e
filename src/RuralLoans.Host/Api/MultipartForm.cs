using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace RuralLoans.Host.Api;

/// <summary>A file part of a multipart upload, read into memory within its size cap.</summary>
public sealed record UploadedFile(string FieldName, string? FileName, ReadOnlyMemory<byte> Content);

/// <summary>What a multipart request may carry: which parts, how many files, how big.</summary>
public sealed record MultipartLimits(IReadOnlySet<string> FileFields, IReadOnlySet<string> TextFields, long MaxFileBytes, int MaxFiles, int MaxTextLength = 2_000);

/// <summary>
/// Reads multipart/form-data part by part straight from the request body: a file is copied only up to its cap, so an
/// oversize upload is refused after reading one byte more than allowed, never buffered whole or spooled to disk.
/// </summary>
public sealed class MultipartForm
{
    private MultipartForm(Dictionary<string, string> fields, List<UploadedFile> files)
    {
        Fields = fields;
        Files = files;
    }

    public IReadOnlyDictionary<string, string> Fields { get; }
    public IReadOnlyList<UploadedFile> Files { get; }

    public string? Text(string name) => Fields.TryGetValue(name, out var value) ? value : null;

    public static async Task<MultipartForm> ReadAsync(HttpRequest request, MultipartLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, "not-multipart", "Send the request as multipart/form-data.");
        }
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "malformed-multipart", "The multipart boundary is missing or too long.");
        }

        // Room for every allowed file plus the text parts and part headers; Kestrel refuses anything beyond.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = (limits.MaxFileBytes * limits.MaxFiles) + (1024 * 1024);
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<UploadedFile>();
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ApiProblemException(StatusCodes.Status400BadRequest, "malformed-multipart", "Every part needs a Content-Disposition: form-data header.");
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (limits.FileFields.Contains(name))
                {
                    if (files.Count >= limits.MaxFiles)
                    {
                        throw new ApiProblemException(StatusCodes.Status400BadRequest, "too-many-files", $"At most {limits.MaxFiles} file(s) in one request.");
                    }
                    var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    files.Add(new UploadedFile(name, fileName, await ReadCappedAsync(section.Body, limits.MaxFileBytes, ct)));
                }
                else if (limits.TextFields.Contains(name))
                {
                    var bytes = await ReadCappedAsync(section.Body, limits.MaxTextLength * 4L, ct, "field-too-long", $"'{name}' is longer than {limits.MaxTextLength} characters.");
                    var text = Encoding.UTF8.GetString(bytes.Span);
                    if (text.Length > limits.MaxTextLength)
                    {
                        throw new ApiProblemException(StatusCodes.Status400BadRequest, "field-too-long", $"'{name}' is longer than {limits.MaxTextLength} characters.");
                    }
                    if (!fields.TryAdd(name, text))
                    {
                        throw new ApiProblemException(StatusCodes.Status400BadRequest, "duplicate-part", $"'{name}' was sent twice.");
                    }
                }
                else
                {
                    var expected = string.Join(", ", limits.FileFields.Concat(limits.TextFields));
                    throw new ApiProblemException(StatusCodes.Status400BadRequest, "unknown-part", $"Unexpected part '{Trim(name)}'. Parts: {expected}.");
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "file-too-large", "The request is larger than the upload limit.");
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "malformed-multipart", "The multipart body is malformed or was cut short.");
        }
        return new MultipartForm(fields, files);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadCappedAsync(Stream body, long maxBytes, CancellationToken ct, string code = "file-too-large", string? reason = null)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                var status = code == "file-too-large" ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
                throw new ApiProblemException(status, code, reason ?? $"The file is larger than the limit of {maxBytes:N0} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static string Trim(string name) => name.Length > 40 ? name[..40] + "…" : name;
}
