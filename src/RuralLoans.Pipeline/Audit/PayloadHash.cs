using RuralLoans.Storage.Journal;
using RuralLoans.TaskHub;

namespace RuralLoans.Pipeline.Audit;

/// <summary>
/// The hash of a value as the task hub stores it: serialised with <see cref="TaskHubJson"/>, the one converter both hosts
/// give the engine, then canonicalised. The activity side hashes the value it got or returns; the audit hashes the
/// text in the History table; they agree unless the row was changed.
/// </summary>
public static class PayloadHash
{
    public static string Of<T>(T value) => CanonicalJson.Hash(TaskHubJson.Converter.Serialize(value));

    /// <summary>The hash of a payload as a row holds it; text that is no JSON at all (a row edited carelessly) still hashes, and matches nothing.</summary>
    public static string OfStored(string? serialized)
    {
        try
        {
            return CanonicalJson.Hash(serialized);
        }
        catch (System.Text.Json.JsonException)
        {
            return CanonicalJson.Sha256("not json: " + serialized);
        }
    }
}
