using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// A record's ETag: a hash of its item representation (the application/json body of its GET), so it changes
/// exactly when the record or anything it embeds changes. Item reads (<see cref="Caching"/>) and writes
/// (<see cref="Writes{TResponse}"/>) derive it the same way. See docs/decisions/0025-safe-writes.md.
/// </summary>
public static class RecordETags
{
    public static string Of(ReadOnlySpan<byte> body) => $"\"{Convert.ToHexString(SHA256.HashData(body), 0, 16).ToLowerInvariant()}\"";

    /// <summary>The record as the API writes it, with the API's JSON options: the same bytes as its GET body.</summary>
    public static byte[] Serialize<T>(HttpContext context, T record) =>
        JsonSerializer.SerializeToUtf8Bytes(record, context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions);

    /// <summary>
    /// Whether If-Match holds for the current representation (null: there is no record). Strong comparison
    /// (RFC 9110 §13.1.1): a weak tag never matches; "*" matches any existing record.
    /// </summary>
    public static bool IfMatchHolds(StringValues ifMatch, string? current)
    {
        if (!EntityTagHeaderValue.TryParseList(ifMatch, out var tags)) return false;
        return tags.Any(t => current is not null && (t.Equals(EntityTagHeaderValue.Any) || (!t.IsWeak && t.Tag.Equals(current, StringComparison.Ordinal))));
    }
}
