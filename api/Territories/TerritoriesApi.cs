using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Database;
using Observatoire.Api.Figures;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

public static class TerritoriesApi
{
    /// <summary>The territories, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 1, Name: "territories", Noun: "territory", Tag: "Territories",
        TagDescription: "Territoires d'industrie of both phases: 2018-2022 (codes TI0101…) and 2023-2027 (ANCT ids ti-0101…), with groupings (EPCI), communes, key figures and links across phases.",
        // A territory's search vector has no weights (all D): weighting D as A ranks its name like the other collections' names.
        Search: new SearchProjection(Title: "c.name", Snippet: "c.name || ', ' || c.code", Rank: "ts_rank('{1, 0.2, 0.4, 1}', c.search, q.query)"));

    public static IEndpointRouteBuilder MapTerritoriesApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/territories").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests();

        api.MapGet("/", ListTerritories).WithName("listTerritories").WithSummary("List territories")
            .WithDescription("Territoires d'industrie of both phases, ordered by id, paged with an opaque cursor (links.next and the Link header).")
            .WithResponseExample(200, TerritoryExamples.Page)
            .WithResponseExample(200, TerritoryExamples.Csv, Exports.CsvMediaType)
            .WithResponseExample(200, TerritoryExamples.GeoJson, Exports.GeoJsonMediaType)
            .WithSparseFields<TerritorySummary>()
            .WithListDocs(ListDocs).CacheableRead();
        api.MapGet("/{id}", GetTerritory).WithName("getTerritory").WithSummary("Get a territory")
            .WithDescription("One territory with its member groupings (EPCI), its predecessors and successors in the other phase (derived from shared communes), its key figures and its sources. Facts about a studied territory belong to its 2018-2022 record: a 2023-2027 territory reaches them through its predecessors.")
            .WithResponseExample(200, TerritoryExamples.Response).CacheableRead();
        api.MapGet("/{id}/communes", ListTerritoryCommunes).WithName("listTerritoryCommunes").WithSummary("List a territory's communes")
            .WithDescription("The member communes of a territory, by INSEE code, paged.")
            .WithResponseExample(200, TerritoryExamples.Communes).CacheableRead();
        api.MapPost("/", CreateTerritory).WithName("createTerritory").WithSummary("Create a territory")
            .WithDescription("Creates a territory. Its id is derived from the phase and the programme code.")
            .WithRequestExample(TerritoryExamples.Request).WithResponseExample(201, TerritoryExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceTerritory).WithName("replaceTerritory").WithSummary("Replace a territory")
            .WithDescription("Replaces every field of a territory, member lists included. The phase and the code identify it and cannot change.")
            .WithRequestExample(TerritoryExamples.Request).WithResponseExample(200, TerritoryExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteTerritory).WithName("deleteTerritory").WithSummary("Delete a territory")
            .WithDescription("Deletes a territory with its members and its links to sources; a tombstone records the deletion for incremental sync. A territory that other records refer to (resources, projects, sessions, figures, actors) is not deleted: 409, with those records in referencedBy ([{collection, id}]).").RequireApiKey();
        return app;
    }

    private const string SummaryColumns = """
        t.id, t.phase, t.code, t.name, t.region_codes,
        array(select coalesce(r.name, '') from unnest(t.region_codes) with ordinality as u(code, n)
              left join regions r on r.code = u.code order by u.n) as region_names,
        t.department_codes, t.commune_count, t.latitude, t.longitude, t.studied, t.updated_at, t.version,
        coalesce(ts_rank(t.search, to_tsquery('observatoire', @query)), 0) as rank
        """;

    // Every filter is optional: a null parameter leaves its line true.
    private const string ListFilters = """
        (@phase::text is null or t.phase = @phase)
        and (@code::text is null or t.code = @code)
        and (@region::text is null or t.region_codes @> array[@region::text])
        and (@department::text is null or t.department_codes @> array[@department::text])
        and (@epci::text is null or exists (select 1 from territory_groupings g where g.territory_id = t.id and g.siren = @epci))
        and (@commune::text is null or exists (select 1 from territory_communes c where c.territory_id = t.id and c.insee_code = @commune))
        and (@studied::boolean is null or t.studied = @studied)
        and (@updatedSince::timestamptz is null or t.updated_at > @updatedSince)
        and (@query::text is null or t.search @@ to_tsquery('observatoire', @query))
        """;

    private static readonly Dictionary<string, Querying.SortKey<SummaryRow>> SortKeys = new()
    {
        ["id"] = new("t.id", "text", r => r.Id),
        ["name"] = new("t.name", "text", r => r.Name),
        ["code"] = new("t.code", "text", r => r.Code),
        ["phase"] = new("t.phase", "text", r => r.Phase),
        ["communeCount"] = new("t.commune_count", "integer", r => r.CommuneCount),
        ["updatedAt"] = new("t.updated_at", "timestamptz", r => r.UpdatedAt),
        ["relevance"] = new("coalesce(ts_rank(t.search, to_tsquery('observatoire', @query)), 0)", "real", r => r.Rank),
    };

    private static string SelectSummaries(ListQuery<SummaryRow> list) => $"""
        select {SummaryColumns}
        from territories t
        where {ListFilters}
          and {list.AfterCursor}
        order by {list.Order.OrderBy}
        limit @take + 1
        """;

    // Exports: every matching row, in order, streamed; the perimeter comes as GeoJSON text.
    private static string SelectForExport(ListQuery<SummaryRow> list) => $"""
        select {SummaryColumns}, c.geometry::text as geometry
        from territories t
        left join territory_contours c on c.territory_id = t.id
        where {ListFilters}
        order by {list.Order.OrderBy}
        """;

    private const string CountSummaries = $"""
        select count(*) from territories t where {ListFilters}
        """;

    private static readonly Listing<SummaryRow, TerritorySummary> Listing = new(SortKeys, "id", SelectSummaries, CountSummaries, ToSummary,
        "territories.csv",
        ["id", "phase", "code", "name", "regionCodes", "regionNames", "departments", "communeCount", "latitude", "longitude", "studied", "updatedAt", "version"],
        SelectForExport,
        (connection, sql, parameters) => connection.QueryUnbufferedAsync<SummaryRow>(sql, parameters)
            .Select(r => (IReadOnlyList<object?>)[r.Id, r.Phase, r.Code, r.Name, r.RegionCodes, r.RegionNames, r.DepartmentCodes,
                r.CommuneCount, r.Latitude, r.Longitude, r.Studied, r.UpdatedAt, r.Version]));

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only territories changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. updatedAt is when the writing transaction began, so a write that commits late can carry an earlier time than one already read, and deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in names and codes, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes.",
        Sort: "Sort keys, comma-separated, - for descending: id, name, code, phase, communeCount, updatedAt, relevance (with q). Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default), csv or geojson; overrides the Accept header (application/json, text/csv, application/geo+json). CSV and GeoJSON hold every matching territory, unpaged.",
        Cursor: "Opaque cursor from links.next of the previous page.");

    private const string SelectTerritory = """
        select t.id, t.phase, t.code, t.name, t.region_codes,
               array(select coalesce(r.name, '') from unnest(t.region_codes) with ordinality as u(code, n)
                     left join regions r on r.code = u.code order by u.n) as region_names,
               t.department_codes, t.commune_count, t.population, t.latitude, t.longitude, t.studied,
               t.created_at, t.updated_at, t.version
        from territories t
        where t.id = @id;

        select g.siren, g.name, g.kind
        from territory_groupings g
        where g.territory_id = @id
        order by g.siren;

        select other.id, other.phase, other.code, other.name, count(*)::int as shared_communes
        from territory_communes mine
        join territory_communes theirs on theirs.insee_code = mine.insee_code and theirs.territory_id <> mine.territory_id
        join territories other on other.id = theirs.territory_id
        join territories self on self.id = mine.territory_id and self.phase <> other.phase
        where mine.territory_id = @id
        group by other.id, other.phase, other.code, other.name
        order by shared_communes desc, other.id;

        select s.id, s.url, s.title, s.publisher, s.seen_on
        from territory_sources x join sources s on s.id = x.source_id
        where x.territory_id = @id
        order by s.id;
        """;

    private const string SelectCommunes = """
        select c.insee_code, c.name
        from territory_communes c
        where c.territory_id = @id and (@after::text is null or c.insee_code > @after)
        order by c.insee_code
        limit @take + 1
        """;

    private const string InsertTerritory = """
        insert into territories (id, phase, code, name, region_codes, department_codes, commune_count, population, latitude, longitude, studied)
        values (@Id, @Phase, @Code, @Name, @RegionCodes, @DepartmentCodes, @CommuneCount, @Population, @Latitude, @Longitude, @Studied)
        on conflict do nothing
        returning id
        """;

    private const string UpdateTerritory = """
        update territories set name = @Name, region_codes = @RegionCodes, department_codes = @DepartmentCodes,
            commune_count = @CommuneCount, population = @Population, latitude = @Latitude, longitude = @Longitude, studied = @Studied
        where id = @Id
        returning id
        """;

    // Member lists are replaced whole; arrays are unnested so that each list is one statement.
    // A territory's predecessors and successors derive from shared communes: when its communes change, so do
    // the links of the territories of the other phase that share one, before or after. Their rows are
    // rewritten (the version moves) so that the change feed and their readers learn of it.
    private const string ReplaceMembers = """
        update territories other set name = other.name
        where other.phase <> @Phase
          and other.id in (select c.territory_id from territory_communes c
                           where c.insee_code in (select insee_code from territory_communes where territory_id = @Id
                                                  union select unnest(@CommuneCodes::text[])))
          and exists ((select insee_code from territory_communes where territory_id = @Id except select unnest(@CommuneCodes::text[]))
                      union all
                      (select unnest(@CommuneCodes::text[]) except select insee_code from territory_communes where territory_id = @Id));
        delete from territory_groupings where territory_id = @Id;
        insert into territory_groupings (territory_id, siren, name, kind)
        select @Id, s, n, k from unnest(@GroupingSirens::text[], @GroupingNames::text[], @GroupingKinds::text[]) as g(s, n, k);
        delete from territory_communes where territory_id = @Id;
        insert into territory_communes (territory_id, insee_code, name)
        select @Id, c, n from unnest(@CommuneCodes::text[], @CommuneNames::text[]) as c(c, n);
        delete from territory_sources where territory_id = @Id;
        insert into territory_sources (territory_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string DeleteTerritoryAndLeaveTombstone = """
        update territories other set name = other.name
        where other.phase <> (select phase from territories where id = @id)
          and other.id in (select c.territory_id from territory_communes c
                           where c.insee_code in (select insee_code from territory_communes where territory_id = @id));
        delete from territories where id = @id returning id
        """;

    /// <param name="phase">Only territories of this phase: 2018-2022 or 2023-2027.</param>
    /// <param name="code">Only territories with this programme code (combine with phase: codes were reused).</param>
    /// <param name="region">Only territories covering this region (INSEE code, e.g. 27).</param>
    /// <param name="department">Only territories covering this department (INSEE code, e.g. 90 or 2A).</param>
    /// <param name="epci">Only territories with this member grouping (SIREN of an EPCI, e.g. 200069052).</param>
    /// <param name="commune">Only territories with this commune (INSEE code, e.g. 90010): which Territoire d'industrie is my commune in?</param>
    /// <param name="studied">Only territories the observatory studied (true) or did not (false).</param>
    /// <param name="geometry">GeoJSON geometry: perimeter (default) or point.</param>
    /// <param name="include">JSON only: related collections to add to each row, comma-separated: resources, actors, sessions, projects (each whole, as its relation route lists it).</param>
    public static async Task<Results<Ok<Page<TerritorySummary>>, CsvResult, TerritoryGeoJsonResult, ValidationProblem>> ListTerritories(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct,
        [OneOf(nameof(Vocabulary.Phases))] string? phase, [Code(Codes.Programme)] string? code, [Code(Codes.Region)] string? region,
        [Code(Codes.Department)] string? department, [Code(Codes.Siren)] string? epci, [Code(Codes.Commune)] string? commune, bool? studied,
        [AsParameters] ListParameters list, [OneOf(nameof(Vocabulary.Geometries))] string? geometry = null, string? include = null)
    {
        if (TerritoryIncludes.Parse(context, include, out var wanted) is { } invalidInclude) return invalidInclude;
        // The GeoJSON geometry and the included collections are the request's: they complete the listing for it.
        var listing = Listing with
        {
            ToItems = async (connection, rows, token) =>
            {
                var included = await TerritoryIncludes.ReadManyAsync(connection, [.. rows.Select(r => r.Id)], wanted, token);
                return included is null ? ToSummary : r => ToSummary(r) with { Included = included[r.Id] };
            },
            Other = new(ExportFormat.GeoJson, (source, query, parameters) => new TerritoryGeoJsonResult(source, geometry == "point", (connection, token) => connection
                .QueryUnbufferedAsync<ExportRow>(SelectForExport(query), parameters)
                .Select(r => (ToSummary(r), r.Geometry)))),
        };
        var filters = new { phase, code, region, department, epci, commune, studied, updatedSince = list.UpdatedSince?.Utc };
        return Lists.Unscoped(await Lists.ReadAsync<SummaryRow, TerritorySummary, TerritoryGeoJsonResult>(context, db, listing, list, filters, null, null, ct));
    }

    /// <param name="id">Territory id, e.g. 2018-ti2707 or 2023-ti-2708.</param>
    /// <param name="include">Related collections to embed in included, comma-separated: resources, actors, sessions, projects (e.g. include=resources,actors). Each comes whole, as its relation route lists it (/v1/territories/{id}/resources…).</param>
    public static async Task<Results<Ok<TerritoryResponse>, NotFoundProblem, ValidationProblem>> GetTerritory(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, string? include = null)
    {
        if (TerritoryIncludes.Parse(context, include, out var wanted) is { } invalidInclude) return invalidInclude;
        var territory = await ReadTerritory(db, id, ct);
        if (territory is null) return Problems.NotFound(context, $"No territory has the id '{id}'.");
        if (wanted.Count == 0) return TypedResults.Ok(territory);
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(territory with { Included = await TerritoryIncludes.ReadAsync(connection, id, wanted, ct) });
    }

    /// <param name="id">Territory id, e.g. 2018-ti2707.</param>
    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page.</param>
    public static async Task<Results<Ok<Page<Commune>>, NotFoundProblem, ValidationProblem>> ListTerritoryCommunes(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Commune>(new CommandDefinition(SelectCommunes, new { id, after = after?[0], take }, cancellationToken: ct))).AsList();
        if (rows.Count == 0 && !await References.TerritoryExistsAsync(connection, id, ct))
        {
            return Problems.NotFound(context, $"No territory has the id '{id}'.");
        }
        return TypedResults.Ok(Paging.ToPage(context, rows, take, c => [c.InseeCode], c => c));
    }

    private static readonly Writes<TerritoryResponse> Write = new(Collection, InsertTerritory, UpdateTerritory, ReplaceMembers, ReadTerritory);

    public static Task<Results<Created<TerritoryResponse>, ValidationProblem, ConflictProblem>> CreateTerritory(
        TerritoryRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        // The id is derived from the phase and the code, so it is always the one requested.
        var write = TerritoryWrite.From(request);
        return Write.CreateAsync(context, db, write.Id, () => write.Id, _ => write, ct,
            takenDetail: $"A territory with code '{write.Code}' already exists in phase {write.Phase}.");
    }

    /// <param name="id">Territory id; it must be the one the body's phase and code give.</param>
    public static async Task<Results<Ok<TerritoryResponse>, ValidationProblem, NotFoundProblem>> ReplaceTerritory(
        string id, TerritoryRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var write = TerritoryWrite.From(request);
        if (write.Id != id)
        {
            return Problems.Validation(context, "code",
                $"Phase {write.Phase} and code '{write.Code}' identify the territory '{write.Id}', not '{id}': the phase and the code cannot change.");
        }
        return await Write.ReplaceAsync(context, db, id, write, ct);
    }

    /// <param name="id">Territory id.</param>
    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteTerritory(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.DeleteUnlessReferencedAsync(context, db, Collection.Name, id, DeleteTerritoryAndLeaveTombstone, ct);

    private static async Task<TerritoryResponse?> ReadTerritory(NpgsqlDataSource db, string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        TerritoryRow? row;
        List<Grouping> groupings;
        List<TerritoryLink> links;
        SourceCitation[] sources;
        await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(SelectTerritory, new { id }, cancellationToken: ct)))
        {
            row = await results.ReadSingleOrDefaultAsync<TerritoryRow>();
            if (row is null) return null;
            groupings = (await results.ReadAsync<Grouping>()).AsList();
            links = (await results.ReadAsync<TerritoryLink>()).AsList();
            sources = CitationRow.ToCitations(await results.ReadAsync<CitationRow>());
        }
        var figures = await FiguresApi.ReadTerritoryFiguresAsync(connection, id, ct);
        return new TerritoryResponse(
            row.Id, row.Phase, row.Code, row.Name, Regions(row.RegionCodes, row.RegionNames), row.DepartmentCodes, row.CommuneCount,
            row.Population, Point(row.Latitude, row.Longitude), row.Studied, groupings,
            [.. links.Where(l => string.CompareOrdinal(l.Phase, row.Phase) < 0)],
            [.. links.Where(l => string.CompareOrdinal(l.Phase, row.Phase) > 0)],
            figures, sources, row.CreatedAt, row.UpdatedAt, row.Version);
    }

    private static TerritorySummary ToSummary(SummaryRow r) => new(
        r.Id, r.Phase, r.Code, r.Name, Regions(r.RegionCodes, r.RegionNames), r.DepartmentCodes, r.CommuneCount,
        Point(r.Latitude, r.Longitude), r.Studied, r.UpdatedAt, r.Version);

    private static Region[] Regions(string[] codes, string[] names) =>
        [.. codes.Select((code, i) => new Region(code, i < names.Length && names[i].Length > 0 ? names[i] : null))];

    private static GeoPoint? Point(double? latitude, double? longitude) =>
        latitude is { } lat && longitude is { } lon ? new GeoPoint(lat, lon) : null;

    // Rows are classes with settable properties: Dapper's constructor matching is strict about arrays and nullables.
    internal class SummaryRow
    {
        public string Id { get; init; } = "";
        public string Phase { get; init; } = "";
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public string[] RegionCodes { get; init; } = [];
        public string[] RegionNames { get; init; } = [];
        public string[] DepartmentCodes { get; init; } = [];
        public int CommuneCount { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
        public bool Studied { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public float Rank { get; init; }
    }

    private sealed class ExportRow : SummaryRow
    {
        public string? Geometry { get; init; }
    }

    private sealed class TerritoryRow : SummaryRow
    {
        public int? Population { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    /// <summary>The parameters of a territory write, flattened for SQL.</summary>
    private sealed record TerritoryWrite(
        string Id, string Phase, string Code, string Name, string[] RegionCodes, string[] DepartmentCodes, int CommuneCount,
        int? Population, double? Latitude, double? Longitude, bool Studied,
        string[] GroupingSirens, string[] GroupingNames, string?[] GroupingKinds, string[] CommuneCodes, string[] CommuneNames,
        string[] SourceIds)
    {
        public static TerritoryWrite From(TerritoryRequest r)
        {
            var groupings = r.Groupings ?? [];
            var communes = r.Communes ?? [];
            return new TerritoryWrite(
                Seeder.TerritoryId(r.Phase!, r.Code!), r.Phase!, r.Code!, r.Name!.Trim(), [.. r.RegionCodes!], [.. r.DepartmentCodes!],
                communes.Count, r.Population, r.Point?.Latitude, r.Point?.Longitude, r.Studied ?? false,
                [.. groupings.Select(g => g.Siren)], [.. groupings.Select(g => g.Name)], [.. groupings.Select(g => g.Kind)],
                [.. communes.Select(c => c.InseeCode)], [.. communes.Select(c => c.Name)], [.. r.SourceIds ?? []]);
        }
    }
}
