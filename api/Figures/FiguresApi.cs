using Dapper;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Figures;

public static class FiguresApi
{
    /// <summary>The figures, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 6, Name: "figures", Noun: "figure", Tag: "Figures",
        TagDescription: "Key figures on a territory, as the source states them.",
        Search: new SearchProjection(Title: "c.label", Snippet: "concat_ws(' ', c.label || ' :', c.value_text, c.unit)"),
        Records: RecordReader.Of<FigureResponse>(ReadFigure), Seed: FiguresSeed.Seed);

    public static IEndpointRouteBuilder MapFiguresApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/figures").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListFigures).WithSparseFields<FigureResponse>().WithName("listFigures").WithSummary("List key figures")
            .WithDescription("Key figures on territories, each with its sources, ordered by id (or as sort= says), paged with an opaque cursor (links.next and the Link header). Filters: territory, updatedSince; q searches in French. As CSV (format=csv or Accept: text/csv), every matching figure, unpaged, its sources as their ids.")
            .WithResponseExample(200, FigureExamples.Page)
            .WithResponseExample(200, FigureExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        api.MapGet("/{id}", GetFigure).WithName("getFigure").WithSummary("Get a key figure")
            .WithDescription("One key figure with its sources.")
            .WithResponseExample(200, FigureExamples.Response).CacheableRecordRead(Collection);
        api.MapPost("/", CreateFigure).WithName("createFigure").WithSummary("Create a key figure")
            .WithDescription("Creates a key figure on a territory. Its id is the one given, or else generated from its label.")
            .WithRequestExample(FigureExamples.Request).WithResponseExample(201, FigureExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceFigure).WithName("replaceFigure").WithSummary("Replace a key figure")
            .WithDescription("Replaces every field of a key figure, its sources included. The id cannot change.")
            .WithRequestExample(FigureExamples.Request).WithResponseExample(200, FigureExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteFigure).WithName("deleteFigure").WithSummary("Delete a key figure")
            .WithDescription("Deletes a key figure with its links to sources; a tombstone records the deletion for incremental sync.")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/figures", ListTerritoryFigures).WithSparseFields<FigureResponse>().WithTags("Territories").RejectUnknownQueryParameters()
            .WithName("listTerritoryFigures").WithSummary("List a territory's key figures")
            .WithDescription("The key figures on a territory, each with its sources, ordered by id (or as sort= says), paged, with the search and CSV export of /v1/figures. The territory's item lists them too. Facts about a studied territory belong to its 2018-2022 record.")
            .WithResponseExample(200, FigureExamples.TerritoryPage)
            .WithResponseExample(200, FigureExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        return app;
    }

    private const string FigureColumns = """
        f.id, f.territory_id, f.label, f.value_text, f.value_numeric, f.unit, f.reference_date, f.created_at, f.updated_at, f.version
        """;

    // Each filter is a condition on its own parameter; only the filters a request gives reach the SQL.
    private static readonly Dictionary<string, string> ListFilters = new()
    {
        ["territory"] = "f.territory_id = @territory",
    };

    // The reference date may be unknown: it sorts as '', so that the keyset comparisons hold.
    private static readonly Dictionary<string, Querying.SortKey<FigureRow>> SortKeys = new()
    {
        ["label"] = new("f.label", "text", r => r.Label),
        ["territory"] = new("f.territory_id", "text", r => r.TerritoryId),
        ["referenceDate"] = new("coalesce(f.reference_date, '')", "text", r => r.ReferenceDate ?? ""),
    };

    // The export gives the ids of a figure's sources in its own column.
    private const string ExportColumns = $"""
        {FigureColumns},
        array(select x.source_id from figure_sources x where x.figure_id = f.id order by x.source_id) as source_ids
        """;

    // A page's citations are read in one query.
    private static readonly Listing<FigureRow, FigureResponse> Listing = new(Collection, "f", FigureColumns, ListFilters, SortKeys, "id",
        async (connection, rows, ct) => { var citations = await ReadCitations(connection, rows, ct); return r => r.ToResponse(citations); },
        new("figures.csv", ["id", "territoryId", "label", "valueText", "valueNumeric", "unit", "referenceDate", "sourceIds", "createdAt", "updatedAt", "version"],
            r => [r.Id, r.TerritoryId, r.Label, r.ValueText, r.ValueNumeric, r.Unit, r.ReferenceDate, r.SourceIds, r.CreatedAt, r.UpdatedAt, r.Version],
            ExportColumns));

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only figures changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. Deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in labels, values and units, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes, all required.",
        Sort: "Sort keys, comma-separated, - for descending: id, label, territory, referenceDate, updatedAt, relevance (with q). An unknown reference date sorts first in ascending order. Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default) or csv; overrides the Accept header (application/json, text/csv). CSV holds every matching figure, unpaged, its sources as their ids.");

    // A figure and its citations: two statements, one round trip.
    private const string SelectFigure = $"""
        select {FigureColumns}
        from figures f
        where f.id = @id;

        select x.figure_id as owner_id, s.id, s.url, s.title, s.publisher, s.seen_on
        from figure_sources x join sources s on s.id = x.source_id
        where x.figure_id = @id
        order by s.id;
        """;

    /// <summary>
    /// A territory's figures and their citations, as two statements that a territory's read sends in its own batch
    /// (read back with <see cref="ReadTerritoryFiguresAsync"/>).
    /// </summary>
    public const string SelectTerritoryFigures = $"""
        select {FigureColumns}
        from figures f
        where f.territory_id = @id
        order by f.id;

        select x.figure_id as owner_id, s.id, s.url, s.title, s.publisher, s.seen_on
        from figures f join figure_sources x on x.figure_id = f.id join sources s on s.id = x.source_id
        where f.territory_id = @id
        order by x.figure_id, s.id;
        """;

    private static readonly string SelectCitations = Citations.OfRecords("figure_sources", "figure_id");

    private const string InsertFigure = """
        insert into figures (id, territory_id, label, value_text, value_numeric, unit, reference_date)
        values (@Id, @TerritoryId, @Label, @ValueText, @ValueNumeric, @Unit, @ReferenceDate)
        on conflict (id) do nothing
        returning id
        """;

    private const string UpdateFigure = """
        update figures set territory_id = @TerritoryId, label = @Label, value_text = @ValueText, value_numeric = @ValueNumeric,
            unit = @Unit, reference_date = @ReferenceDate
        where id = @Id
        returning id
        """;

    private const string ReplaceLinks = """
        delete from figure_sources where figure_id = @Id;
        insert into figure_sources (figure_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string DeleteFigureAndLeaveTombstone = """
        delete from figures where id = @id returning id
        """;

    /// <summary>The filters of the key figure list; under a territory, it has none but the territory its path gives.</summary>
    public sealed record FilterParameters
    {
        /// <summary>Only the key figures on this territory, by id, e.g. 2018-ti2707.</summary>
        [FromQuery(Name = "territory")] public string? Territory { get; init; }
    }

    public static async Task<Results<Ok<Page<FigureResponse>>, CsvResult, ValidationProblem>> ListFigures(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FilterParameters filters, [AsParameters] ListParameters list) =>
        Lists.Unscoped(await Lists.ReadAsync(context, db, Listing, list, filters, null, ct));

    /// <param name="id">Territory id, e.g. 2018-ti2707.</param>
    public static Task<Results<Ok<Page<FigureResponse>>, CsvResult, NotFoundProblem, ValidationProblem>> ListTerritoryFigures(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] ListParameters list) =>
        Lists.ReadAsync(context, db, Listing, list, new { }, id, ct);

    /// <param name="id">Figure id, e.g. nord-franche-comte-emplois-industriels-2019.</param>
    public static Task<Results<Ok<FigureResponse>, NotFoundProblem>> GetFigure(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) => Write.GetAsync(context, db, id, ct);

    private static readonly Writes<FigureResponse> Write = new(Collection, InsertFigure, UpdateFigure, ReplaceLinks, DeleteFigureAndLeaveTombstone, ReadFigure);

    public static Task<Results<Created<FigureResponse>, ValidationProblem, ConflictProblem>> CreateFigure(
        FigureRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.CreateAsync(context, db, request.Id, FigureWrite.From(request), write => Ids.Slug(write.Label), ct);

    public static Task<Results<Ok<FigureResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceFigure(
        string id, FigureRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.ReplaceAsync(context, db, id, request.Id, FigureWrite.From(request), ct);

    public static Task<Results<NoContent, NotFoundProblem, PreconditionFailedProblem>> DeleteFigure(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteAsync(context, db, id, ct);

    /// <summary>Every key figure on a territory, with its sources: the results of <see cref="SelectTerritoryFigures"/>.</summary>
    public static Task<List<FigureResponse>> ReadTerritoryFiguresAsync(SqlMapper.GridReader results) => ReadFiguresAsync(results);

    private static async Task<FigureResponse?> ReadFigure(NpgsqlConnection connection, string id, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(SelectFigure, new { id }, cancellationToken: ct));
        return (await ReadFiguresAsync(results)).SingleOrDefault();
    }

    private static async Task<List<FigureResponse>> ReadFiguresAsync(SqlMapper.GridReader results)
    {
        var rows = (await results.ReadAsync<FigureRow>()).AsList();
        var citations = (await results.ReadAsync<CitationRow>()).ToLookup(c => c.OwnerId);
        return [.. rows.Select(r => r.ToResponse(citations))];
    }

    private static async Task<ILookup<string, CitationRow>> ReadCitations(NpgsqlConnection connection, List<FigureRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return Array.Empty<CitationRow>().ToLookup(c => c.OwnerId);
        return (await connection.QueryAsync<CitationRow>(new CommandDefinition(SelectCitations, new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct)))
            .ToLookup(c => c.OwnerId);
    }

    private class FigureRow : IListRow
    {
        public string Id { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string Label { get; init; } = "";
        public string ValueText { get; init; } = "";
        public decimal? ValueNumeric { get; init; }
        public string? Unit { get; init; }
        public string? ReferenceDate { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public float Rank { get; init; }

        /// <summary>Read by the export only.</summary>
        public string[] SourceIds { get; init; } = [];

        public FigureResponse ToResponse(ILookup<string, CitationRow> citations) => new(
            Id, TerritoryId, Label, ValueText, ValueNumeric, Unit, ReferenceDate, CitationRow.ToCitations(citations[Id]), CreatedAt, UpdatedAt, Version);
    }

    /// <summary>The parameters of a figure write, flattened for SQL.</summary>
    private sealed record FigureWrite(
        string Id, string TerritoryId, string Label, string ValueText, decimal? ValueNumeric, string? Unit, string? ReferenceDate, string[] SourceIds) : IRecordWrite<FigureWrite>
    {
        public FigureWrite WithId(string id) => this with { Id = id };

        public static FigureWrite From(FigureRequest r) => new(
            r.Id ?? "", r.TerritoryId!, r.Label!.Trim(), r.ValueText!.Trim(), r.ValueNumeric, Rules.Clean(r.Unit), Rules.Clean(r.ReferenceDate),
            [.. r.SourceIds ?? []]);
    }
}
