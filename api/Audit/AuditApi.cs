using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Audit;

/// <summary>
/// GET /v1/audit: the audit trail that every write leaves (<see cref="AuditTrail"/>), newest first, for admin keys
/// only; never cached. See docs/decisions/0025-safe-writes.md.
/// </summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/audit").WithTags("Audit").RejectUnknownQueryParameters();
        api.MapGet("/", ListAudit).WithName("listAudit").WithSummary("Read the audit trail")
            .WithDescription("Every create, replace and delete, newest first: which API key wrote (its id and name), when, the collection and id, the record " +
                "as its GET showed it before and after, and the request's trace id. Filters: collection, id, key, since, until. Paged with an opaque cursor " +
                "(links.next and the Link header). Needs an API key with the admin scope; never cached. Deleting a person redacts the person's fields in every entry.")
            .WithResponseExample(200, AuditExamples.Page)
            .RequireAdmin();
        return app;
    }

    private const string SelectEntries = """
        select seq, at, key_id, key_name, operation, collection, record_id, before::text as before, after::text as after, trace_id
        from audit_log
        where (@collection::text is null or collection = @collection)
          and (@id::text is null or record_id = @id)
          and (@key::text is null or key_id = @key)
          and (@since::timestamptz is null or at >= @since)
          and (@until::timestamptz is null or at < @until)
          and (@after::bigint is null or seq < @after)
        order by seq desc
        limit @take + 1
        """;

    /// <param name="collection">Only the writes of this collection, e.g. territories.</param>
    /// <param name="id">Only the writes of the record with this id (with collection, of that record).</param>
    /// <param name="key">Only the writes of the API key with this id.</param>
    /// <param name="since">Only the writes at or after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z.</param>
    /// <param name="until">Only the writes before this instant: an RFC 3339 date-time with its offset.</param>
    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page.</param>
    public static async Task<Results<Ok<Page<AuditEntry>>, ValidationProblem>> ListAudit(
        HttpContext context, NpgsqlDataSource db, CollectionRegistry collections, CancellationToken ct,
        string? collection = null, string? id = null, string? key = null, Rfc3339DateTime? since = null, Rfc3339DateTime? until = null,
        int? limit = null, string? cursor = null)
    {
        // The trail holds who wrote what: no shared cache keeps it.
        context.Response.Headers.CacheControl = "no-store";
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        if (collection is not null && !collections.Contains(collection))
        {
            return Problems.Validation(context, "collection", $"Unknown collection '{collection}'. Collections: {string.Join(", ", collections.Names)}.");
        }
        long? afterSeq = after is null ? null : long.Parse(after[0], System.Globalization.CultureInfo.InvariantCulture);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition(SelectEntries, new
        {
            collection, id, key, since = since?.Utc, until = until?.Utc, after = afterSeq, take,
        }, cancellationToken: ct))).AsList();
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)], r => r.ToEntry()));
    }

    private sealed class AuditRow
    {
        public long Seq { get; init; }
        public DateTime At { get; init; }
        public string? KeyId { get; init; }
        public string? KeyName { get; init; }
        public string Operation { get; init; } = "";
        public string Collection { get; init; } = "";
        public string RecordId { get; init; } = "";
        public string? Before { get; init; }
        public string? After { get; init; }
        public string? TraceId { get; init; }

        public AuditEntry ToEntry() => new(Seq, DateTime.SpecifyKind(At, DateTimeKind.Utc), new AuditKey(KeyId, KeyName), Operation, Collection, RecordId,
            Parse(Before), Parse(After), TraceId);

        private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
    }
}
