using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Npgsql;
using Observatoire.Contracts;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The item representation of each record, kept in PostgreSQL (<c>record_documents</c>) for the record's
/// <c>change_seq</c>, which every write of the record or of anything it embeds moves on in the same commit. A read of
/// one record that memory cannot answer is then one statement on one connection: the record's change_seq with the
/// document kept for it. Without one (first read, or the record changed), the read is computed as before and its
/// answer kept for the change_seq read before it. The memory cache is invalidated by any write anywhere (one data
/// version); a document, only by a change of its record. See docs/decisions/0034-record-documents.md.
/// </summary>
public sealed class RecordDocuments(NpgsqlDataSource primary, IConfiguration configuration, ILogger<RecordDocuments> logger)
{
    public static readonly Counter<long> Served = ReadCache.Meter.CreateCounter<long>("observatoire.cache.documents_served",
        description: "Record reads answered from the record's stored document.");

    /// <summary>
    /// The build the bodies were written by: the API's and the contracts' modules (deterministic builds give the same
    /// ids for the same sources). Another build may represent a record otherwise, so its documents are not served.
    /// </summary>
    public static readonly string Build = Convert.ToHexString(SHA256.HashData(
        [.. typeof(RecordDocuments).Assembly.ManifestModule.ModuleVersionId.ToByteArray(),
         .. typeof(TerritoryResponse).Assembly.ManifestModule.ModuleVersionId.ToByteArray()]), 0, 12).ToLowerInvariant();

    // The record's change_seq, and its document only when it was kept for that change_seq by this build. No row: no
    // such record, and the handler answers its 404.
    private const string SelectDocument = """
        select c.change_seq, d.etag, d.headers, d.body
        from {0} c
        left join record_documents d on d.collection = @collection and d.id = c.id and d.change_seq = c.change_seq and d.build = @build
        where c.id = @id
        """;

    // A document computed from older data never replaces a newer one (two replicas of two builds may alternate).
    private const string StoreDocument = """
        insert into record_documents (collection, id, change_seq, build, etag, headers, body)
        values (@collection, @id, @changeSeq, @build, @etag, @headers, @body)
        on conflict (collection, id) do update
            set change_seq = excluded.change_seq, build = excluded.build, etag = excluded.etag, headers = excluded.headers, body = excluded.body
            where record_documents.change_seq < excluded.change_seq
               or (record_documents.change_seq = excluded.change_seq and record_documents.build <> excluded.build)
        """;

    /// <summary>Cache:RecordDocuments (on by default).</summary>
    public bool Enabled { get; } = configuration.GetValue("Cache:RecordDocuments", true);

    /// <summary>The read of one record of <paramref name="collection"/>, its id in the route value <c>id</c>.</summary>
    public sealed class Route(Collection collection)
    {
        internal string Collection { get; } = collection.Name;

        internal string Select { get; } = string.Format(SelectDocument, "\"" + collection.Name + "\"");
    }

    /// <summary>What the database holds for a record: its change_seq, and its document when one is current.</summary>
    public sealed record Found(string Id, long ChangeSeq, string? ETag, byte[]? Body, KeyValuePair<string, StringValues>[] Headers);

    /// <summary>
    /// The record's change_seq and current document, read where the request reads (a standby, say); null when the
    /// request asks for another representation than the plain JSON body, or there is no such record.
    /// </summary>
    public async Task<Found?> FindAsync(HttpContext http, Route route, CancellationToken ct)
    {
        if (!Enabled || !PlainJson(http.Request) || http.Request.RouteValues["id"] is not string id) return null;
        var reads = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await reads.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            route.Select, new { collection = route.Collection, id, build = Build }, cancellationToken: ct));
        return row is null ? null : new Found(id, row.ChangeSeq, row.ETag, row.Body, ToHeaders(row.Headers));
    }

    /// <summary>
    /// Keeps the answer computed after <paramref name="found"/> was read: its body is at least as new as that
    /// change_seq, and served only while the record is still at it. Written on the primary; a failure only means
    /// the next read computes it again.
    /// </summary>
    public async Task StoreAsync(HttpContext http, Route route, Found found, CachedAnswer answer)
    {
        var contentType = answer.Headers.FirstOrDefault(h => h.Key.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)).Value;
        if (!MediaTypeHeaderValue.TryParse(contentType.ToString(), out var media) || !media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)) return;
        try
        {
            await using var connection = await primary.OpenConnectionAsync(http.RequestAborted);
            await connection.ExecuteAsync(new CommandDefinition(StoreDocument, new
            {
                collection = route.Collection, id = found.Id, changeSeq = found.ChangeSeq, build = Build,
                etag = answer.ETag, headers = FromHeaders(answer.Headers), body = answer.Body,
            }, cancellationToken: http.RequestAborted));
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogDebug(e, "The document of {Collection}/{Id} was not kept", route.Collection, found.Id);
        }
    }

    // The plain JSON body only: no query (include=, fields=), no Prefer, and an Accept that JSON satisfies.
    private static bool PlainJson(HttpRequest request)
    {
        if (request.QueryString.HasValue || request.Headers.ContainsKey("Prefer")) return false;
        var accept = request.Headers.Accept;
        if (accept.Count == 0) return true;
        return MediaTypeHeaderValue.TryParseList(accept, out var ranges) &&
               ranges.All(r => r.MediaType.Value is "*/*" or "application/*" or "application/json");
    }

    private static string[] FromHeaders(KeyValuePair<string, StringValues>[] headers) =>
        [.. headers.SelectMany(h => h.Value.SelectMany(v => new[] { h.Key, v ?? "" }))];

    private static KeyValuePair<string, StringValues>[] ToHeaders(string[]? pairs) => pairs is null ? [] :
        [.. pairs.Chunk(2).GroupBy(p => p[0], StringComparer.OrdinalIgnoreCase)
            .Select(g => new KeyValuePair<string, StringValues>(g.Key, new StringValues([.. g.Select(p => p[1])])))];

    private sealed class Row
    {
        public long ChangeSeq { get; init; }
        public string? ETag { get; init; }
        public string[]? Headers { get; init; }
        public byte[]? Body { get; init; }
    }
}
