using System.Text.Json;

namespace Observatoire.Contracts;

/// <summary>One write, as the audit trail recorded it in the write's own transaction.</summary>
/// <param name="Seq">The entry's position in the trail: later writes have higher numbers.</param>
/// <param name="At">When the write's transaction began.</param>
/// <param name="Key">The API key that wrote (never its secret).</param>
/// <param name="Operation">"create", "replace" or "delete".</param>
/// <param name="Collection">The collection of the record written, as in its URL: "territories".</param>
/// <param name="Id">The record's id in its collection.</param>
/// <param name="Before">The record as its GET showed it before the write; null for a create. The fields of a deleted person read "[redacted]".</param>
/// <param name="After">The record as its GET showed it after the write; null for a delete.</param>
/// <param name="TraceId">The trace id of the request that wrote (W3C, 32 hex digits), to find it in the logs and traces.</param>
public sealed record AuditEntry(
    long Seq, DateTime At, AuditKey Key, [property: OneOf(nameof(Vocabulary.AuditOperations))] string Operation,
    [property: CollectionName] string Collection, string Id, JsonElement? Before, JsonElement? After, string? TraceId);

/// <summary>The API key of a write.</summary>
/// <param name="Id">The key's id.</param>
/// <param name="Name">The key's name, given when it was created.</param>
public sealed record AuditKey(string? Id, string? Name);
