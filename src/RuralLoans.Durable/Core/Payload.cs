namespace RuralLoans.Durable.Core;

/// <summary>A JSON payload either inline or stored in a blob (content-addressed by its SHA-256).</summary>
public readonly record struct Payload(string? Inline, string? BlobName)
{
    public static Payload None => default;

    public static Payload Of(string? json) => new(json, null);
}
