using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Cacheable reads, answered from the data version without touching PostgreSQL when the answer is known. The ETag
/// hashes the data version (<see cref="DataVersions"/>) with the representation asked for, so it is strong and the
/// same on every replica; a 304 needs only the version, and a 200 already computed at that version is served from
/// <see cref="ReadCache"/>. A body is computed after its version was read, so it is never older than its ETag.
/// See docs/decisions/0017-read-cache.md (which supersedes in part 0003-conditional-reads.md).
/// </summary>
public static class Caching
{
    public const string CacheControl = "public, max-age=60";

    // Re-derived on every answer, so never stored with one; the rest are the connection's own.
    private static readonly HashSet<string> NotStored = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.ETag, HeaderNames.LastModified, HeaderNames.CacheControl, HeaderNames.Vary, HeaderNames.Age,
        HeaderNames.Warning, HeaderNames.ContentLength, HeaderNames.Date, HeaderNames.Server, HeaderNames.TransferEncoding,
    };

    public static IServiceCollection AddObservatoireReadCache(this IServiceCollection services, string connectionString) => services
        .AddSingleton<ReadCache>()
        .AddSingleton<RecordDocuments>()
        .AddSingleton<DataVersions>()
        .AddHostedService(provider => new DataVersionListener(
            provider.GetRequiredService<DataVersions>(), connectionString, provider.GetRequiredService<ILogger<DataVersionListener>>()));

    /// <summary>
    /// Marks a GET endpoint as cacheable: ETag, Last-Modified, Cache-Control, Vary, 304 on If-None-Match, and the read
    /// cache. Its filter is put first, around every other filter of the endpoint, so that it keeps the final answer
    /// (sparse rows, say) and a hit skips them all.
    /// </summary>
    public static RouteHandlerBuilder CacheableRead(this RouteHandlerBuilder builder) => CacheableRead(builder, record: null);

    /// <summary>
    /// As <see cref="CacheableRead(RouteHandlerBuilder)"/>, for the read of one record: its ETag is the record's
    /// (<see cref="RecordETags"/>, a hash of the body), which If-Match on its writes compares. A kept answer knows
    /// its ETag, so a 304 at a known version still needs no database.
    /// </summary>
    /// <remarks>A miss is answered from the record's stored document when it is current (<see cref="RecordDocuments"/>).</remarks>
    public static RouteHandlerBuilder CacheableRecordRead(this RouteHandlerBuilder builder, Collection collection) =>
        CacheableRead(builder, new RecordDocuments.Route(collection));

    private static RouteHandlerBuilder CacheableRead(RouteHandlerBuilder builder, RecordDocuments.Route? record)
    {
        builder.Add(endpoint => endpoint.FilterFactories.Insert(0, (_, next) => invocation => ServeAsync(invocation, next, record)));
        return builder.Produces(StatusCodes.Status304NotModified);
    }

    private static async ValueTask<object?> ServeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, RecordDocuments.Route? record)
    {
        var http = context.HttpContext;
        var cache = http.RequestServices.GetRequiredService<ReadCache>();
        var key = RepresentationKey(http.Request);
        var ownHeaders = http.Response.Headers.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);

        DataVersion version;
        try
        {
            version = await ReadReplicas.CurrentVersionAsync(http, http.RequestAborted);
        }
        catch (Exception e) when (ReadCache.IsUnreachable(e) && cache.Latest(key) is { } stale)
        {
            ReadCache.StaleServed.Add(1);
            return new CachedResult(stale, Stale: true);
        }

        var latest = cache.Latest(key);
        // A record's ETag is known once its body is: from the kept answer at this version, else after computing it.
        var etag = record is not null ? (latest?.Version == version.Version ? latest.ETag : null) : ETag(version.Version, key);
        if (etag is not null && Matches(http.Request.Headers.IfNoneMatch, etag))
        {
            SetHeaders(http.Response.Headers, etag, version.ChangedAt);
            return new NotModifiedResult();
        }
        if (latest is { } kept && kept.Version == version.Version)
        {
            ReadCache.Hits.Add(1);
            return new CachedResult(kept, Stale: false);
        }

        // A miss: the first request for this representation at this version computes it, the others wait for it.
        var (leads, computation) = cache.Join(version.Version, key);
        if (!leads)
        {
            if (await computation.Task.WaitAsync(http.RequestAborted) is { } shared)
            {
                ReadCache.Hits.Add(1);
                return new CachedResult(shared, Stale: false);
            }
            computation = null;
        }

        CachedAnswer? answer = null;
        try
        {
            ReadCache.Misses.Add(1);
            var documents = record is null ? null : http.RequestServices.GetRequiredService<RecordDocuments>();
            var found = documents is null ? null : await documents.FindAsync(http, record!, http.RequestAborted);
            if (found is { ETag: { } storedETag, Body: { } body })
            {
                RecordDocuments.Served.Add(1);
                answer = new CachedAnswer(version.Version, version.ChangedAt, storedETag, body, found.Headers, DateTimeOffset.UtcNow);
                cache.Store(key, answer);
                if (!Matches(http.Request.Headers.IfNoneMatch, storedETag)) return new CachedResult(answer, Stale: false);
                SetHeaders(http.Response.Headers, storedETag, version.ChangedAt);
                return new NotModifiedResult();
            }

            var result = await next(context);
            var inner = result is INestedHttpResult nested ? nested.Result : result;
            // A result without a status of its own (Json, say) answers the response's, 200 unless changed.
            if (inner is not IStatusCodeHttpResult status || (status.StatusCode ?? http.Response.StatusCode) != StatusCodes.Status200OK ||
                result is not IResult ok) return result;

            SetHeaders(http.Response.Headers, etag ?? "", version.ChangedAt);
            answer = await ExecuteAndKeepAsync(http, ok, cache.MaxEntryBytes, version, etag, ownHeaders, () => computation?.TrySetResult(null));
            if (answer is not null) cache.Store(key, answer);
            if (answer is not null && found is not null) await documents!.StoreAsync(http, record!, found, answer);
            return Results.Empty;
        }
        catch (Exception e) when (ReadCache.IsUnreachable(e) && !http.Response.HasStarted && cache.Latest(key) is { } stale)
        {
            foreach (var name in http.Response.Headers.Keys.Where(n => !ownHeaders.Contains(n)).ToList()) http.Response.Headers.Remove(name);
            ReadCache.StaleServed.Add(1);
            return new CachedResult(stale, Stale: true);
        }
        finally
        {
            if (computation is not null) cache.Finish(version.Version, key, computation, answer);
        }
    }

    /// <summary>
    /// Writes the 200 through a body kept in memory up to <paramref name="limit"/>, then sends it; returns it as a
    /// cacheable answer, or null when it grew past the limit and was streamed instead.
    /// </summary>
    /// <remarks>A record's read (<paramref name="etag"/> null) is kept whole whatever its size, for its ETag, and answers 304 when it matches If-None-Match.</remarks>
    private static async Task<CachedAnswer?> ExecuteAndKeepAsync(
        HttpContext http, IResult result, int limit, DataVersion version, string? etag, HashSet<string> ownHeaders, Action onOverflow)
    {
        var original = http.Features.Get<IHttpResponseBodyFeature>()!;
        var capture = new CapturingStream(original.Stream, etag is null ? int.MaxValue : limit, onOverflow);
        var capturing = new StreamResponseBodyFeature(capture, original);
        http.Features.Set<IHttpResponseBodyFeature>(capturing);
        try
        {
            await result.ExecuteAsync(http);
            await capturing.CompleteAsync();
        }
        finally
        {
            http.Features.Set(original);
        }
        if (capture.Overflowed) return null;

        var body = capture.Kept;
        var headers = http.Response.Headers.Where(h => !ownHeaders.Contains(h.Key) && !NotStored.Contains(h.Key)).ToArray();
        var ok = http.Response.StatusCode == StatusCodes.Status200OK;
        if (etag is null)
        {
            etag = RecordETags.Of(body);
            http.Response.Headers.ETag = etag;
            if (ok && Matches(http.Request.Headers.IfNoneMatch, etag))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                foreach (var name in headers.Select(h => h.Key)) http.Response.Headers.Remove(name);
                return body.Length > limit ? null : new CachedAnswer(version.Version, version.ChangedAt, etag, body, headers, DateTimeOffset.UtcNow);
            }
        }
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
        if (!ok || body.Length > limit) return null;
        return new CachedAnswer(version.Version, version.ChangedAt, etag, body, headers, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// What a representation depends on besides the data: the address (links in bodies are absolute, under the
    /// forwarded prefix), the query, and the headers named in Vary.
    /// </summary>
    internal static string RepresentationKey(HttpRequest request) => string.Join('\n',
        request.Method, request.Scheme, request.Host.Value, request.PathBase.Value, request.Path.Value, request.QueryString.Value,
        request.Headers.Accept.ToString(), request.Headers["Prefer"].ToString());

    private static void SetHeaders(IHeaderDictionary headers, string etag, DateTime changedAt)
    {
        headers.ETag = etag;
        headers.LastModified = new DateTimeOffset(DateTime.SpecifyKind(changedAt, DateTimeKind.Utc)).ToString("R", CultureInfo.InvariantCulture);
        headers.CacheControl = CacheControl;
        headers.Vary = "Accept, Prefer";
    }

    private static string ETag(long version, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(version.ToString(CultureInfo.InvariantCulture) + "\n" + key));
        return $"\"{Convert.ToHexString(hash, 0, 12).ToLowerInvariant()}\"";
    }

    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0) return false;
        if (!EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)) return false;
        // If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Tag.Equals(etag, StringComparison.Ordinal));
    }

    /// <summary>
    /// A kept 200 with the headers it was computed with. A stale one (PostgreSQL unreachable) says how old it is
    /// (Age, seconds) and that it is stale (Warning 110), as HTTP caches do.
    /// </summary>
    private sealed record CachedResult(CachedAnswer Answer, bool Stale) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => StatusCodes.Status200OK;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            foreach (var (name, value) in Answer.Headers) response.Headers[name] = value;
            SetHeaders(response.Headers, Answer.ETag, Answer.ChangedAt);
            if (Stale)
            {
                var age = Math.Max(0, (long)(DateTimeOffset.UtcNow - Answer.StoredAt).TotalSeconds);
                response.Headers.Age = age.ToString(CultureInfo.InvariantCulture);
                response.Headers.Warning = "110 - \"Response is Stale\"";
            }
            response.ContentLength = Answer.Body.Length;
            return response.Body.WriteAsync(Answer.Body, httpContext.RequestAborted).AsTask();
        }
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
