using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Sources;

public static class SourcesApi
{
    /// <summary>The sources, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 7, Name: "sources", Noun: "source", Tag: "Sources",
        TagDescription: "Where each fact comes from.",
        Search: new SearchProjection(Title: "coalesce(c.title, c.url)", Snippet: "concat_ws('. ', c.title, c.publisher, c.url)"),
        Records: RecordReader.Of<SourceResponse>(ReadSource), Seed: SourcesSeed.Seed);

    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/sources").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListSources).WithSparseFields<SourceResponse>().WithName("listSources").WithSummary("List sources")
            .WithDescription("The public pages, documents, repositories and packages that facts come from, ordered by id (or as sort= says), paged with an opaque cursor (links.next and the Link header). Filter: updatedSince; q searches in French. As CSV (format=csv or Accept: text/csv), every matching source, unpaged.")
            .WithResponseExample(200, SourceExamples.Page)
            .WithResponseExample(200, SourceExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        api.MapGet("/{id}", GetSource).WithName("getSource").WithSummary("Get a source")
            .WithDescription("One source. The records citing it list it in their sources.")
            .WithResponseExample(200, SourceExamples.Response).CacheableRecordRead(Collection);
        api.MapPost("/", CreateSource).WithName("createSource").WithSummary("Create a source")
            .WithDescription("Creates a source. Its id is the one given, or else generated from the title (or the URL's host).")
            .WithRequestExample(SourceExamples.Request).WithResponseExample(201, SourceExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceSource).WithName("replaceSource").WithSummary("Replace a source")
            .WithDescription("Replaces every field of a source. The id cannot change.")
            .WithRequestExample(SourceExamples.Request).WithResponseExample(200, SourceExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteSource).WithName("deleteSource").WithSummary("Delete a source")
            .WithDescription("Deletes a source that no record cites; a tombstone records the deletion for incremental sync. A cited source is not deleted: 409, with the citing records in referencedBy ([{collection, id}]).")
            .RequireApiKey();
        return app;
    }

    private const string SourceColumns = """
        s.id, s.url, s.title, s.publisher, s.seen_on, s.created_at, s.updated_at, s.version
        """;

    // Sources have no filter of their own: updatedSince and q are every list's.
    private static readonly Dictionary<string, string> ListFilters = new();

    // Title, publisher and date may be unknown: they sort as '' and 0001-01-01, so that the keyset comparisons hold.
    private static readonly Dictionary<string, Querying.SortKey<SourceRow>> SortKeys = new()
    {
        ["title"] = new("coalesce(s.title, '')", "text", r => r.Title ?? ""),
        ["publisher"] = new("coalesce(s.publisher, '')", "text", r => r.Publisher ?? ""),
        ["seenOn"] = new("coalesce(s.seen_on, date '0001-01-01')", "date", r => r.SeenOn ?? DateOnly.MinValue),
    };

    private static readonly Listing<SourceRow, SourceResponse> Listing = new(Collection, "s", SourceColumns, ListFilters, SortKeys, "id", r => r.ToResponse(),
        new("sources.csv", ["id", "url", "title", "publisher", "seenOn", "createdAt", "updatedAt", "version"],
            r => [r.Id, r.Url, r.Title, r.Publisher, r.SeenOn, r.CreatedAt, r.UpdatedAt, r.Version]));

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only sources changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. Deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in titles, publishers and URLs, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes, all required.",
        Sort: "Sort keys, comma-separated, - for descending: id, title, publisher, seenOn, updatedAt, relevance (with q). An unknown title, publisher or date sorts first in ascending order. Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default) or csv; overrides the Accept header (application/json, text/csv). CSV holds every matching source, unpaged.");

    private const string SelectSource = $"""
        select {SourceColumns}
        from sources s
        where s.id = @id
        """;

    private const string InsertSource = """
        insert into sources (id, url, title, publisher, seen_on)
        values (@Id, @Url, @Title, @Publisher, @SeenOn)
        on conflict (id) do nothing
        returning id
        """;

    private const string UpdateSource = """
        update sources set url = @Url, title = @Title, publisher = @Publisher, seen_on = @SeenOn
        where id = @Id
        returning id
        """;

    private const string DeleteSourceAndLeaveTombstone = """
        delete from sources where id = @id returning id
        """;

    public static async Task<Results<Ok<Page<SourceResponse>>, CsvResult, ValidationProblem>> ListSources(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] ListParameters list) =>
        Lists.Unscoped(await Lists.ReadAsync(context, db, Listing, list, new { }, null, ct));

    /// <param name="id">Source id, e.g. la-fabrique-ces-territoires.</param>
    public static Task<Results<Ok<SourceResponse>, NotFoundProblem>> GetSource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) => Write.GetAsync(context, db, id, ct);

    private static readonly Writes<SourceResponse> Write = new(Collection, InsertSource, UpdateSource, null, DeleteSourceAndLeaveTombstone, ReadSource);

    public static Task<Results<Created<SourceResponse>, ValidationProblem, ConflictProblem>> CreateSource(
        SourceRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.CreateAsync(context, db, request.Id, SourceWrite.From(request), write => Ids.Slug(write.Title ?? HostOf(write.Url)), ct);

    public static Task<Results<Ok<SourceResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceSource(
        string id, SourceRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.ReplaceAsync(context, db, id, request.Id, SourceWrite.From(request), ct);

    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteSource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteUnlessReferencedAsync(context, db, id, ct);

    private static async Task<SourceResponse?> ReadSource(NpgsqlConnection connection, string id, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<SourceRow>(new CommandDefinition(SelectSource, new { id }, cancellationToken: ct));
        return row?.ToResponse();
    }

    private static string HostOf(string url)
    {
        var host = new Uri(url).Host;
        return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
    }

    private sealed class SourceRow : IListRow
    {
        public string Id { get; init; } = "";
        public string Url { get; init; } = "";
        public string? Title { get; init; }
        public string? Publisher { get; init; }
        public DateOnly? SeenOn { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public float Rank { get; init; }

        public SourceResponse ToResponse() => new(Id, Url, Title, Publisher, SeenOn, CreatedAt, UpdatedAt, Version);
    }

    /// <summary>The parameters of a source write.</summary>
    private sealed record SourceWrite(string Id, string Url, string? Title, string? Publisher, DateOnly? SeenOn) : IRecordWrite<SourceWrite>
    {
        public SourceWrite WithId(string id) => this with { Id = id };

        public static SourceWrite From(SourceRequest r) =>
            new(r.Id ?? "", r.Url!.Trim(), Rules.Clean(r.Title), Rules.Clean(r.Publisher), r.SeenOn);
    }
}
