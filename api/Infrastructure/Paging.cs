using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Keyset pagination: the cursor carries the sort key of the last row served, so pages stay correct
/// while rows are inserted or deleted. It is opaque to clients and checked on the way back in: a cursor this
/// deployment did not make for this path is a 400, whatever it holds.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>A cursor for the request's own path, signed with this deployment's key (<see cref="CursorKeys"/>).</summary>
    public static string EncodeCursor(HttpContext context, params string[] values) =>
        EncodeCursor(context.RequestServices.GetRequiredService<CursorKeys>(), context.Request.Path.Value ?? "", values);

    /// <summary>A cursor for the path <paramref name="path"/>, made outside a request to it (a link to it, a notification).</summary>
    public static string EncodeCursor(CursorKeys keys, string path, params string[] values) =>
        WebEncoders.Base64UrlEncode(keys.Sign(path.ToLowerInvariant(), JsonSerializer.SerializeToUtf8Bytes(values)));

    // The example pages of the OpenAPI document show cursors of the same shape, under a key known to all and
    // therefore accepted nowhere: the committed document stays the same for every deployment.
    private static readonly byte[] ExampleKey = Encoding.UTF8.GetBytes("observatoire-cursor-v1");

    /// <summary>A cursor as shown in the document's examples; no deployment accepts it.</summary>
    public static string ExampleCursor(params string[] values)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(values);
        var mac = HMACSHA256.HashData(ExampleKey, payload).AsSpan(0, 8);
        return WebEncoders.Base64UrlEncode([.. payload, .. mac]);
    }

    // A cursor is good only on the path that made it: the values of one list never reach another list's casts.
    private static string Purpose(HttpContext context) => context.Request.Path.Value?.ToLowerInvariant() ?? "";

    /// <summary>Whether the request asks for the total (Prefer: count=exact); if so, says it is applied.</summary>
    public static bool WantsTotal(HttpContext context)
    {
        var wants = context.Request.Headers["Prefer"].Any(p => p is not null && p.Split(',', StringSplitOptions.TrimEntries).Contains("count=exact", StringComparer.OrdinalIgnoreCase));
        if (wants) context.Response.Headers["Preference-Applied"] = "count=exact";
        return wants;
    }

    /// <summary>The values of a cursor this deployment made for this path, or null for any other string.</summary>
    public static string[]? DecodeCursor(HttpContext context, string cursor, int expectedLength)
    {
        try
        {
            var payload = context.RequestServices.GetRequiredService<CursorKeys>().Open(Purpose(context), WebEncoders.Base64UrlDecode(cursor));
            if (payload is null) return null;
            var values = JsonSerializer.Deserialize<string[]>(payload);
            return values is not null && values.All(v => v is not null) && (expectedLength < 0 || values.Length == expectedLength) ? values : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Checks limit and cursor (of any length); the error is a 400 problem naming the parameter.</summary>
    public static ValidationProblem? Validate(HttpContext context, int? limit, string? cursor, out int take, out string[]? after) =>
        Validate(context, limit, cursor, -1, out take, out after);

    /// <summary>Checks limit and cursor; the error is a 400 problem naming the parameter.</summary>
    public static ValidationProblem? Validate(HttpContext context, int? limit, string? cursor, int cursorLength, out int take, out string[]? after)
    {
        take = limit ?? DefaultLimit;
        after = null;
        if (take is < 1 or > MaxLimit)
        {
            return Problems.Validation(context, "limit", $"limit must be between 1 and {MaxLimit}.");
        }
        if (cursor is not null)
        {
            after = DecodeCursor(context, cursor, cursorLength);
            if (after is null) return Problems.Validation(context, "cursor", "The cursor is not valid. Use the links.next URL of a previous page as it is.");
        }
        return null;
    }

    /// <summary>
    /// Builds the page from up to <paramref name="take"/> + 1 rows (the extra row only says there is a next page)
    /// and sets the Link header.
    /// </summary>
    public static Page<T> ToPage<TRow, T>(HttpContext context, IReadOnlyList<TRow> rows, int take, Func<TRow, string[]> cursorOf, Func<TRow, T> map, long? total = null)
    {
        string? next = null;
        if (rows.Count > take)
        {
            next = RequestUrlWith(context, "cursor", EncodeCursor(context, cursorOf(rows[take - 1])));
            context.Response.Headers.Append("Link", $"<{next}>; rel=\"next\"");
        }
        var items = new List<T>(Math.Min(rows.Count, take));
        for (var i = 0; i < rows.Count && i < take; i++) items.Add(map(rows[i]));
        return new Page<T>(items, new PageLinks(next), total);
    }

    /// <summary>The URL of this request with <paramref name="parameter"/> set to <paramref name="value"/>, other parameters kept.</summary>
    public static string RequestUrlWith(HttpContext context, string parameter, string value)
    {
        var query = QueryHelpers.ParseQuery(context.Request.QueryString.Value);
        var builder = new QueryBuilder();
        foreach (var (key, values) in query)
        {
            if (key.Equals(parameter, StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var v in values) builder.Add(key, v ?? "");
        }
        builder.Add(parameter, value);
        return $"{context.Request.PathBase}{context.Request.Path}{builder.ToQueryString()}";
    }
}
