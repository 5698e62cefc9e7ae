using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Conditional reads. The validator comes from the database's commit state, not from the body: the ETag
/// hashes PostgreSQL's current snapshot (which changes whenever a writing transaction starts or ends) with
/// the representation asked for (path, query, Accept, Prefer). Reading it is one trivial query, so a 304
/// skips the real queries and the serialisation. It is taken before the data are read: a body is never
/// older than its ETag. See docs/decisions/0003-conditional-reads.md.
/// </summary>
public static class Caching
{
    public const string CacheControl = "public, max-age=60";

    // The time of the last change of any data: the latest update of every collection and the latest deletion.
    private const string SelectDataVersion = """
        select pg_current_snapshot()::text as snapshot,
               greatest((select max(deleted_at) from tombstones), {collections}) as last_modified
        """;

    private const string LastChangeOfCollection = "(select max(updated_at) from {collection})";

    /// <summary>Marks a GET endpoint as cacheable: ETag, Last-Modified, Cache-Control, Vary, and 304 on If-None-Match.</summary>
    public static RouteHandlerBuilder CacheableRead(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
            var selectDataVersion = http.RequestServices.GetRequiredService<CollectionRegistry>().Compose(SelectDataVersion, LastChangeOfCollection, ", ");
            (string Snapshot, DateTime? LastModified) version;
            await using (var connection = await dataSource.OpenConnectionAsync(http.RequestAborted))
            {
                version = await connection.QuerySingleAsync<(string, DateTime?)>(new CommandDefinition(selectDataVersion, cancellationToken: http.RequestAborted));
            }

            var etag = ETag(version.Snapshot, http.Request);
            var headers = http.Response.Headers;
            if (Matches(http.Request.Headers.IfNoneMatch, etag))
            {
                SetHeaders(headers, etag, version.LastModified);
                return new NotModifiedResult();
            }

            var result = await next(context);
            var inner = result is INestedHttpResult nested ? nested.Result : result;
            if (inner is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
            {
                SetHeaders(headers, etag, version.LastModified);
            }
            return result;
        })
        .Produces(StatusCodes.Status304NotModified);

    private static void SetHeaders(IHeaderDictionary headers, string etag, DateTime? lastModified)
    {
        headers.ETag = etag;
        if (lastModified is { } modified) headers.LastModified = new DateTimeOffset(DateTime.SpecifyKind(modified, DateTimeKind.Utc)).ToString("R", CultureInfo.InvariantCulture);
        headers.CacheControl = CacheControl;
        headers.Vary = "Accept, Prefer";
    }

    private static string ETag(string snapshot, HttpRequest request)
    {
        var key = string.Join('\n', snapshot, request.Path.Value, request.QueryString.Value, request.Headers.Accept.ToString(), request.Headers["Prefer"].ToString());
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return $"\"{Convert.ToHexString(hash, 0, 12).ToLowerInvariant()}\"";
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0) return false;
        if (!EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)) return false;
        // If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Tag.Equals(etag, StringComparison.Ordinal));
    }

    /// <summary>304 Not Modified, without a body.</summary>
    public sealed class NotModifiedResult : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => StatusCodes.Status304NotModified;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
    }
}
