using Dapper;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Actors;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Resources;

public static class ResourcesApi
{
    /// <summary>The resources, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 2, Name: "resources", Noun: "resource", Tag: "Resources",
        TagDescription: "Ressources territoriales: what a territory mobilises (natural, material, immaterial, human, financial resources and networks of actors).",
        Search: new SearchProjection(Title: "c.name", Snippet: "concat_ws('. ', c.name, c.description, nullif(search_words(c.tags), ''))"),
        Records: RecordReader.Of<ResourceResponse>(ReadResource), Seed: ResourcesSeed.Seed);

    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/resources").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListResources).WithSparseFields<ResourceSummary>().WithName("listResources").WithSummary("List resources")
            .WithDescription("Ressources territoriales, ordered by id (or as sort= says), paged with an opaque cursor (links.next and the Link header). Filters: territory, kind, tag, actor, updatedSince; q searches in French. As CSV (format=csv or Accept: text/csv), every matching resource, unpaged.")
            .WithResponseExample(200, ResourceExamples.Page)
            .WithResponseExample(200, ResourceExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        api.MapFacets(Listing, ListDocs, CountResourceFacets, ResourceExamples.Facets);
        api.MapGet("/{id}", GetResource).WithName("getResource").WithSummary("Get a resource")
            .WithDescription("One resource with its territory, the actors that carry it, the projects that combine it and its sources.")
            .WithResponseExample(200, ResourceExamples.Response).CacheableRecordRead(Collection);
        api.MapPost("/", CreateResource).WithName("createResource").WithSummary("Create a resource")
            .WithDescription("Creates a resource. Its id is the one given, or else generated from its name.")
            .WithRequestExample(ResourceExamples.Request).WithResponseExample(201, ResourceExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceResource).WithName("replaceResource").WithSummary("Replace a resource")
            .WithDescription("Replaces every field of a resource, its actors and sources included. The id cannot change.")
            .WithRequestExample(ResourceExamples.Request).WithResponseExample(200, ResourceExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteResource).WithName("deleteResource").WithSummary("Delete a resource")
            .WithDescription("Deletes a resource with its links to actors and sources; a tombstone records the deletion for incremental sync. A resource that a project combines is not deleted: 409, with those projects in referencedBy ([{collection, id}]).")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/resources", ListTerritoryResources).WithSparseFields<ResourceSummary>().WithTags("Territories").RejectUnknownQueryParameters()
            .WithName("listTerritoryResources").WithSummary("List a territory's resources")
            .WithDescription("The resources a territory mobilises, ordered by id (or as sort= says), paged, with the filters, search and CSV export of /v1/resources. Facts about a studied territory belong to its 2018-2022 record.")
            .WithResponseExample(200, ResourceExamples.TerritoryPage)
            .WithResponseExample(200, ResourceExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(TerritoryListDocs).CacheableRead();
        return app;
    }

    private const string SummaryColumns = """
        r.id, r.kind, r.name, r.territory_id, r.tags, r.updated_at, r.version
        """;

    // Each filter is a condition on its own parameter; only the filters a request gives reach the SQL.
    private static readonly Dictionary<string, string> ListFilters = new()
    {
        ["territory"] = "r.territory_id = @territory",
        ["kind"] = "r.kind = @kind",
        ["tag"] = "lower_tags(r.tags) @> array[lower(@tag)]",
        ["actor"] = "exists (select 1 from resource_actors x where x.resource_id = r.id and x.actor_id = @actor)",
    };

    private static readonly Dictionary<string, Querying.SortKey<SummaryRow>> SortKeys = new()
    {
        ["name"] = new("r.name", "text", r => r.Name),
        ["kind"] = new("r.kind", "text", r => r.Kind),
        ["territory"] = new("r.territory_id", "text", r => r.TerritoryId),
    };

    private static readonly Listing<SummaryRow, ResourceSummary> Listing = new(Collection, "r", SummaryColumns, ListFilters, SortKeys, "id", ToSummary,
        new("resources.csv", ["id", "kind", "name", "territoryId", "tags", "updatedAt", "version"],
            r => [r.Id, r.Kind, r.Name, r.TerritoryId, r.Tags, r.UpdatedAt, r.Version]))
    {
        // Tags are counted lower-cased, as the tag filter compares them.
        Facets = new Dictionary<string, Facet> { ["kind"] = new("r.kind"), ["tag"] = new("lower_tags(r.tags)", Many: true) },
    };

    /// <summary>The filters of the resource list under a territory: the list's own but the territory, which its path gives.</summary>
    public record FiltersUnderTerritory
    {
        /// <summary>Only the resources of this kind: natural, material, immaterial, human, financial or network.</summary>
        [FromQuery(Name = "kind"), OneOf(nameof(Vocabulary.ResourceKinds))] public string? Kind { get; init; }

        /// <summary>Only the resources with this tag, e.g. hydrogène (case does not matter).</summary>
        [FromQuery(Name = "tag")] public string? Tag { get; init; }

        /// <summary>Only the resources this actor carries, by id, e.g. fc-lab.</summary>
        [FromQuery(Name = "actor")] public string? Actor { get; init; }
    }

    /// <summary>The filters of the resource list, as the list and its facets read them.</summary>
    public sealed record FilterParameters : FiltersUnderTerritory
    {
        /// <summary>Only the resources of this territory, by id, e.g. 2018-ti2707.</summary>
        [FromQuery(Name = "territory")] public string? Territory { get; init; }
    }

    // The counts of the resource list's facets, under its filters.
    internal static Task<Results<Ok<FacetCounts>, ValidationProblem>> CountResourceFacets(
        HttpContext context, NpgsqlDataSource db, [AsParameters] FilterParameters filters, [AsParameters] FacetParameters search, CancellationToken ct) =>
        Facets.ReadAsync(context, db, Listing, filters, search, null, ct);

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only resources changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. Deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in names, descriptions and tags, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes, all required.",
        Sort: "Sort keys, comma-separated, - for descending: id, name, kind, territory, updatedAt, relevance (with q). Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default) or csv; overrides the Accept header (application/json, text/csv). CSV holds every matching resource, unpaged.");

    private static readonly ListParameters.Docs TerritoryListDocs = ListDocs with { UpdatedSince = "Only resources changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z." };

    private static readonly string SelectResource = $"""
        select r.id, r.kind, r.name, r.description, r.tags, r.created_at, r.updated_at, r.version,
               t.id as territory_id, t.phase as territory_phase, t.code as territory_code, t.name as territory_name
        from resources r join territories t on t.id = r.territory_id
        where r.id = @id;

        select a.id, a.name, a.type
        from resource_actors x join actors a on a.id = x.actor_id
        where x.resource_id = @id
        order by a.id;

        select project_id from project_resources where resource_id = @id order by 1;

        {Citations.OfRecord("resource_sources", "resource_id")};
        """;

    private const string InsertResource = """
        insert into resources (id, kind, name, description, territory_id, tags)
        values (@Id, @Kind, @Name, @Description, @TerritoryId, @Tags)
        on conflict (id) do nothing
        returning id
        """;

    private const string UpdateResource = """
        update resources set kind = @Kind, name = @Name, description = @Description, territory_id = @TerritoryId, tags = @Tags
        where id = @Id
        returning id
        """;

    // Links are replaced whole; arrays are unnested so that each list is one statement.
    private const string ReplaceLinks = """
        delete from resource_actors where resource_id = @Id;
        insert into resource_actors (resource_id, actor_id) select @Id, unnest(@ActorIds::text[]);
        delete from resource_sources where resource_id = @Id;
        insert into resource_sources (resource_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string DeleteResourceAndLeaveTombstone = """
        delete from resources where id = @id returning id
        """;

    public static async Task<Results<Ok<Page<ResourceSummary>>, CsvResult, ValidationProblem>> ListResources(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FilterParameters filters, [AsParameters] ListParameters list) =>
        Lists.Unscoped(await Lists.ReadAsync(context, db, Listing, list, filters, null, ct));

    /// <param name="id">Territory id, e.g. 2018-ti2707.</param>
    public static Task<Results<Ok<Page<ResourceSummary>>, CsvResult, NotFoundProblem, ValidationProblem>> ListTerritoryResources(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FiltersUnderTerritory filters, [AsParameters] ListParameters list) =>
        Lists.ReadAsync(context, db, Listing, list, filters, id, ct);

    /// <param name="id">Resource id, e.g. fc-lab-recherche-hydrogene.</param>
    public static Task<Results<Ok<ResourceResponse>, NotFoundProblem>> GetResource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) => Write.GetAsync(context, db, id, ct);

    private static readonly Writes<ResourceResponse> Write = new(Collection, InsertResource, UpdateResource, ReplaceLinks, DeleteResourceAndLeaveTombstone, ReadResource);

    public static Task<Results<Created<ResourceResponse>, ValidationProblem, ConflictProblem>> CreateResource(
        ResourceRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.CreateAsync(context, db, request.Id, ResourceWrite.From(request), write => Ids.Slug(write.Name), ct);

    public static Task<Results<Ok<ResourceResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceResource(
        string id, ResourceRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.ReplaceAsync(context, db, id, request.Id, ResourceWrite.From(request), ct);

    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteResource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteUnlessReferencedAsync(context, db, id, ct);

    private static async Task<ResourceResponse?> ReadResource(NpgsqlConnection connection, string id, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(SelectResource, new { id }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<ResourceRow>();
        if (row is null) return null;
        var actors = (await results.ReadAsync<ActorRef>()).AsList();
        var projectIds = (await results.ReadAsync<string>()).AsList();
        var sources = CitationRow.ToCitations(await results.ReadAsync<CitationRow>());
        return new ResourceResponse(row.Id, row.Kind, row.Name, row.Description,
            new TerritoryRef(row.TerritoryId, row.TerritoryPhase, row.TerritoryCode, row.TerritoryName),
            row.Tags, actors, projectIds, sources, row.CreatedAt, row.UpdatedAt, row.Version);
    }

    private static ResourceSummary ToSummary(SummaryRow r) => new(r.Id, r.Kind, r.Name, r.TerritoryId, r.Tags, r.UpdatedAt, r.Version);

    private class SummaryRow : IListRow
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string[] Tags { get; init; } = [];
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public float Rank { get; init; }
    }

    private sealed class ResourceRow : SummaryRow
    {
        public string? Description { get; init; }
        public string TerritoryPhase { get; init; } = "";
        public string TerritoryCode { get; init; } = "";
        public string TerritoryName { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    /// <summary>The parameters of a resource write, flattened for SQL.</summary>
    private sealed record ResourceWrite(
        string Id, string Kind, string Name, string? Description, string TerritoryId, string[] Tags, string[] ActorIds, string[] SourceIds) : IRecordWrite<ResourceWrite>
    {
        public ResourceWrite WithId(string id) => this with { Id = id };

        public static ResourceWrite From(ResourceRequest r) => new(
            r.Id ?? "", r.Kind!, r.Name!.Trim(), Rules.Clean(r.Description), r.TerritoryId!,
            [.. (r.Tags ?? []).Select(t => t.Trim())], [.. r.ActorIds ?? []], [.. r.SourceIds ?? []]);
    }
}
