using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Search;

public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/search").WithTags("Search").RejectUnknownQueryParameters();
        api.MapGet("/", Search).WithName("search").WithSummary("Search every collection")
            .WithDescription("French full-text search across territories, resources, actors, sessions, projects, figures and sources, best hits first. " +
                "Case, accents and hyphens do not matter, \"St\" reads as Saint, and each word is a prefix: \"saint nazaire\", \"St-Nazaire\", \"Chalon\" " +
                "and \"orly\" find their records. Each hit gives its collection, id, title, a short snippet with the matching words marked, its rank and " +
                "its URL. Ranking: ts_rank over the records' weighted search vectors (names and titles weigh most). Paged with an opaque cursor " +
                "(links.next and the Link header); the total comes with Prefer: count=exact.")
            .WithResponseExample(200, SearchExamples.Page)
            .WithResponseExample(400, SearchExamples.MissingQueryProblem)
            .CacheableRead();
        return app;
    }

    public const string MissingQuery = "q is required: the words to look for.";

    // One line per collection: its title, the text its snippet is cut from, and its rank (see SearchProjection).
    private const string HitsOfCollection = """
        select '{collection}' as type, c.id, {title} as title, {snippet} as body, {rank} as rank
                  from {collection} c, q where '{collection}' = any(@types) and c.search @@ q.query
        """;

    // The page is cut first; only its hits get a snippet. The text is HTML-escaped before ts_headline marks the
    // matching words, so that <mark> is the only markup in a snippet.
    private const string SelectHits = """
        with q as (select to_tsquery('observatoire', @query) as query),
        hits as (
                      {collections}
        )
        select h.type, h.id, h.title, h.rank,
               ts_headline('observatoire', replace(replace(replace(h.body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), q.query,
                           'StartSel=<mark>, StopSel=</mark>, MaxFragments=1, MaxWords=20, MinWords=5') as snippet
        from (
            select * from hits
            where @afterRank::real is null
               or hits.rank < @afterRank::real
               or (hits.rank = @afterRank::real and (hits.type, hits.id) > (@afterType::text, @afterId::text))
            order by hits.rank desc, hits.type, hits.id
            limit @take + 1
        ) h, q
        order by h.rank desc, h.type, h.id
        """;

    private const string CountHits = """
        with q as (select to_tsquery('observatoire', @query) as query),
        hits as (
                      {collections}
        )
        select count(*) from hits
        """;

    /// <param name="q">What to look for, in French: one or more words, all required, each a prefix ("saint naz" finds Saint-Nazaire). Case, accents and hyphens do not matter; "St" and "Ste" read as Saint and Sainte.</param>
    /// <param name="types">Only hits of these collections, comma-separated: territories, resources, actors, sessions, projects, figures, sources. Default: all of them.</param>
    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page.</param>
    public static async Task<Results<Ok<Page<SearchHit>>, ValidationProblem>> Search(
        HttpContext context, NpgsqlDataSource db, CollectionRegistry registry, CancellationToken ct,
        [MaxLength(Lengths.Search)] string? q = null, string? types = null, int? limit = null, string? cursor = null)
    {
        if (string.IsNullOrWhiteSpace(q)) return Problems.Validation(context, "q", MissingQuery);
        if (Querying.TooLong(context, q) is { } tooLong) return tooLong;
        var query = Querying.ToTsQuery(q);
        if (query is null) return Problems.Validation(context, "q", "q must contain at least one word.");
        var all = registry.Names;
        string[] collections = [.. all];
        if (types is not null)
        {
            collections = types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = collections.Where(t => !all.Contains(t, StringComparer.Ordinal)).ToList();
            if (collections.Length == 0 || unknown.Count > 0)
            {
                var what = unknown.Count > 0 ? $"Unknown collection(s): {string.Join(", ", unknown)}. " : "";
                return Problems.Validation(context, "types", $"{what}types takes a comma-separated list of: {string.Join(", ", all)}.");
            }
        }
        if (Paging.Validate(context, limit, cursor, 3, out var take, out var after) is { } invalidPage) return invalidPage;
        float? afterRank = null;
        if (after is not null)
        {
            if (!float.TryParse(after[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var rank) || !all.Contains(after[1], StringComparer.Ordinal))
            {
                return Problems.Validation(context, "cursor", "The cursor is not valid. Use the links.next URL of a previous page as it is.");
            }
            afterRank = rank;
        }

        var parameters = new { query, types = collections, afterRank, afterType = after?[1], afterId = after?[2], take };
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<HitRow>(new CommandDefinition(registry.Compose(SelectHits, HitsOfCollection), parameters, cancellationToken: ct))).AsList();
        long? total = Paging.WantsTotal(context)
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition(registry.Compose(CountHits, HitsOfCollection), parameters, cancellationToken: ct))
            : null;
        return TypedResults.Ok(Paging.ToPage(context, rows, take,
            r => [Querying.CursorValue(r.Rank), r.Type, r.Id],
            r => new SearchHit(r.Type, r.Id, r.Title, r.Snippet, r.Rank, $"{context.Request.PathBase}/v1/{r.Type}/{Uri.EscapeDataString(r.Id)}"),
            total));
    }

    private sealed class HitRow
    {
        public string Type { get; init; } = "";
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string Snippet { get; init; } = "";
        public float Rank { get; init; }
    }
}
