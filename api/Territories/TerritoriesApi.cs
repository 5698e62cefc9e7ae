using Dapper;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Figures;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

public static partial class TerritoriesApi
{
    /// <summary>The territories, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 1, Name: "territories", Noun: "territory", Tag: "Territories",
        TagDescription: "Territoires d'industrie of both phases: 2018-2022 (codes TI0101…) and 2023-2027 (ANCT ids ti-0101…), with groupings (EPCI), communes, key figures and links across phases.",
        // A territory's search vector has no weights (all D): weighting D as A ranks its name like the other collections' names.
        Search: new SearchProjection(Title: "c.name", Snippet: "c.name || ', ' || c.code", Rank: "ts_rank('{1, 0.2, 0.4, 1}', c.search, q.query)"),
        Records: RecordReader.Of<TerritoryResponse>(ReadTerritory));

    public static IEndpointRouteBuilder MapTerritoriesApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/territories").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListTerritories).WithName("listTerritories").WithSummary("List territories")
            .WithDescription("Territoires d'industrie of both phases, ordered by id, paged with an opaque cursor (links.next and the Link header).")
            .WithResponseExample(200, TerritoryExamples.Page)
            .WithResponseExample(200, TerritoryExamples.Csv, Exports.CsvMediaType)
            .WithResponseExample(200, TerritoryExamples.GeoJson, Exports.GeoJsonMediaType)
            .WithSparseFields<TerritorySummary>()
            .WithListDocs(ListRouteDocs).CacheableRead();
        api.MapFacets(Listing, ListDocs, CountTerritoryFacets, TerritoryExamples.Facets);
        api.MapGet("/{id}", GetTerritory).WithName("getTerritory").WithSummary("Get a territory")
            .WithDescription("One territory with its member groupings (EPCI), its predecessors and successors in the other phase (derived from shared communes), its key figures and its sources. Facts about a studied territory belong to its 2018-2022 record: a 2023-2027 territory reaches them through its predecessors.")
            .WithResponseExample(200, TerritoryExamples.Response).CacheableRecordRead(Collection);
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
        t.department_codes, t.commune_count, t.latitude, t.longitude, t.studied, t.updated_at, t.version
        """;

    // Each filter is a condition on its own parameter; only the filters a request gives reach the SQL.
    private static readonly Dictionary<string, string> ListFilters = new()
    {
        ["phase"] = "t.phase = @phase",
        ["code"] = "t.code = @code",
        ["region"] = "t.region_codes @> array[@region::text]",
        ["department"] = "t.department_codes @> array[@department::text]",
        ["epci"] = "exists (select 1 from territory_groupings g where g.territory_id = t.id and g.siren = @epci)",
        ["commune"] = "exists (select 1 from territory_communes c where c.territory_id = t.id and c.insee_code = @commune)",
        ["studied"] = "t.studied = @studied",
    };

    private static readonly Dictionary<string, Querying.SortKey<SummaryRow>> SortKeys = new()
    {
        ["name"] = new("t.name", "text", r => r.Name),
        ["code"] = new("t.code", "text", r => r.Code),
        ["phase"] = new("t.phase", "text", r => r.Phase),
        ["communeCount"] = new("t.commune_count", "integer", r => r.CommuneCount),
    };

    // GeoJSON: every matching row, in order, with its perimeter as GeoJSON text (never read for CSV).
    private const string GeoJsonColumns = $"""
        {SummaryColumns}, c.geometry::text as geometry
        """;

    private const string GeoJsonFrom = """
        territories t
        left join territory_contours c on c.territory_id = t.id
        """;

    private static readonly Listing<SummaryRow, TerritorySummary> Listing = new(Collection, "t", SummaryColumns, ListFilters, SortKeys, "id", ToSummary,
        new("territories.csv",
            ["id", "phase", "code", "name", "regionCodes", "regionNames", "departments", "communeCount", "latitude", "longitude", "studied", "updatedAt", "version"],
            r => [r.Id, r.Phase, r.Code, r.Name, r.RegionCodes, r.RegionNames, r.DepartmentCodes, r.CommuneCount, r.Latitude, r.Longitude, r.Studied, r.UpdatedAt, r.Version]))
    {
        Facets = new Dictionary<string, Facet>
        {
            ["phase"] = new("t.phase"),
            ["region"] = new("t.region_codes", Many: true, Label: "(select r.name from regions r where r.code = v.value)"),
            ["department"] = new("t.department_codes", Many: true),
            ["studied"] = new("t.studied"),
        },
    };

    /// <summary>The filters of the territory list, as the list and its facets read them.</summary>
    public sealed record FilterParameters
    {
        /// <summary>Only territories of this phase: 2018-2022 or 2023-2027.</summary>
        [FromQuery(Name = "phase"), OneOf(nameof(Vocabulary.Phases))] public string? Phase { get; init; }

        /// <summary>Only territories with this programme code (combine with phase: codes were reused).</summary>
        [FromQuery(Name = "code"), Code(Codes.Programme)] public string? Code { get; init; }

        /// <summary>Only territories covering this region (INSEE code, e.g. 27).</summary>
        [FromQuery(Name = "region"), Code(Codes.Region)] public string? Region { get; init; }

        /// <summary>Only territories covering this department (INSEE code, e.g. 90 or 2A).</summary>
        [FromQuery(Name = "department"), Code(Codes.Department)] public string? Department { get; init; }

        /// <summary>Only territories with this member grouping (SIREN of an EPCI, e.g. 200069052).</summary>
        [FromQuery(Name = "epci"), Code(Codes.Siren)] public string? Epci { get; init; }

        /// <summary>Only territories with this commune (INSEE code, e.g. 90010).</summary>
        [FromQuery(Name = "commune"), Code(Codes.Commune)] public string? Commune { get; init; }

        /// <summary>Only territories the observatory studied (true) or did not (false).</summary>
        [FromQuery(Name = "studied")] public bool? Studied { get; init; }
    }

    // The counts of the territory list's facets, under its filters.
    internal static Task<Results<Ok<FacetCounts>, ValidationProblem>> CountTerritoryFacets(
        HttpContext context, NpgsqlDataSource db, [AsParameters] FilterParameters filters, [AsParameters] FacetParameters search, CancellationToken ct) =>
        Facets.ReadAsync(context, db, Listing, filters, search, null, ct);

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only territories changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. updatedAt is when the writing transaction began, so a write that commits late can carry an earlier time than one already read, and deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in names and codes, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes.",
        Sort: "Sort keys, comma-separated, - for descending: id, name, code, phase, communeCount, updatedAt, relevance (with q). Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default), csv or geojson; overrides the Accept header (application/json, text/csv, application/geo+json). CSV and GeoJSON hold every matching territory, unpaged.",
        Cursor: "Opaque cursor from links.next of the previous page.");

    // The list answers the question its commune filter is for; the facets only count.
    private static readonly ListParameters.Docs ListRouteDocs = ListDocs with
    {
        Filters = new Dictionary<string, string>
        {
            ["commune"] = "Only territories with this commune (INSEE code, e.g. 90010): which Territoire d'industrie is my commune in?",
        },
    };

    /// <param name="geometry">GeoJSON geometry: perimeter (default) or point.</param>
    /// <param name="include">JSON only: related collections to add to each row, comma-separated: resources, actors, sessions, projects (each whole, as its relation route lists it).</param>
    public static async Task<Results<Ok<Page<TerritorySummary>>, CsvResult, TerritoryGeoJsonResult, ValidationProblem>> ListTerritories(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct,
        [AsParameters] FilterParameters filters, [AsParameters] ListParameters list, [OneOf(nameof(Vocabulary.Geometries))] string? geometry = null, string? include = null)
    {
        if (TerritoryIncludes.Parse(context, include, out var wanted) is { } invalidInclude) return invalidInclude;
        // The GeoJSON geometry and the included collections are the request's: they complete the listing for it.
        var points = geometry == "point";
        var listing = Listing with
        {
            ToItems = async (connection, rows, token) =>
            {
                var included = await TerritoryIncludes.ReadManyAsync(connection, [.. rows.Select(r => r.Id)], wanted, token);
                return included is null ? ToSummary : r => ToSummary(r) with { Included = included[r.Id] };
            },
            // Points come from the rows themselves: the perimeters are read only when they are written.
            Other = new(ExportFormat.GeoJson, (source, query) => new TerritoryGeoJsonResult(source, points, (connection, token) => connection
                .QueryUnbufferedAsync<GeoJsonRow>(points ? Listing.SelectAll(query) : Listing.SelectAll(query, GeoJsonColumns, GeoJsonFrom), query.Parameters)
                .Select(r => (ToSummary(r), r.Geometry)))),
        };
        return Lists.Unscoped(await Lists.ReadAsync<SummaryRow, TerritorySummary, TerritoryGeoJsonResult>(context, db, listing, list,
            filters, null, null, ct));
    }

    private static TerritorySummary ToSummary(SummaryRow r) => new(
        r.Id, r.Phase, r.Code, r.Name, Regions(r.RegionCodes, r.RegionNames), r.DepartmentCodes, r.CommuneCount,
        Point(r.Latitude, r.Longitude), r.Studied, r.UpdatedAt, r.Version);

    private static Region[] Regions(string[] codes, string[] names) =>
        [.. codes.Select((code, i) => new Region(code, i < names.Length && names[i].Length > 0 ? names[i] : null))];

    private static GeoPoint? Point(double? latitude, double? longitude) =>
        latitude is { } lat && longitude is { } lon ? new GeoPoint(lat, lon) : null;

    // Rows are classes with settable properties: Dapper's constructor matching is strict about arrays and nullables.
    internal class SummaryRow : IListRow
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

    private sealed class GeoJsonRow : SummaryRow
    {
        public string? Geometry { get; init; }
    }
}
