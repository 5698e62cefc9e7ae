using Dapper;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Actors;

public static class ActorsApi
{
    /// <summary>The actors, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 3, Name: "actors", Noun: "actor", Tag: "Actors",
        TagDescription: "Organisations and people, in their public role, acting in the territories.",
        Search: new SearchProjection(Title: "c.name", Snippet: "concat_ws(', ', c.name, c.role, c.organisation)"),
        Records: RecordReader.Of<ActorResponse>(ReadActor), Seed: ActorsSeed.Seed);

    public static IEndpointRouteBuilder MapActorsApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/actors").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListActors).WithSparseFields<ActorSummary>().WithName("listActors").WithSummary("List actors")
            .WithDescription("Organisations and people in their public role, ordered by id (or as sort= says), paged with an opaque cursor (links.next and the Link header). Filters: territory (the actors acting in it), type, category, updatedSince; q searches in French. As CSV (format=csv or Accept: text/csv), every matching actor, unpaged.")
            .WithResponseExample(200, ActorExamples.Page)
            .WithResponseExample(200, ActorExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        api.MapFacets(Listing, ListDocs, CountActorFacets, ActorExamples.Facets);
        api.MapGet("/{id}", GetActor).WithName("getActor").WithSummary("Get an actor")
            .WithDescription("One actor with the territories it acts in, its sessions, resources and projects, and its sources.")
            .WithResponseExample(200, ActorExamples.Response).CacheableRecordRead(Collection);
        api.MapPost("/", CreateActor).WithName("createActor").WithSummary("Create an actor")
            .WithDescription("Creates an organisation or a person. An organisation's id is the one given, or else generated from its name. A person's id is always generated and opaque (\"person-…\"): it never carries the name. A person has no website and no contact details.")
            .WithRequestExample(ActorExamples.Request).WithResponseExample(201, ActorExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceActor).WithName("replaceActor").WithSummary("Replace an actor")
            .WithDescription("Replaces every field of an actor, its territories and sources included. The id and the type cannot change.")
            .WithRequestExample(ActorExamples.Request).WithResponseExample(200, ActorExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteActor).WithName("deleteActor").WithSummary("Delete an actor")
            .WithDescription("Deletes an actor with its links to territories and sources; a tombstone (collection and id only, no personal data) records the deletion for incremental sync. An actor that a resource, a project or a session refers to is not deleted: 409, with those records in referencedBy ([{collection, id}]).")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/actors", ListTerritoryActors).WithSparseFields<ActorSummary>().WithTags("Territories").RejectUnknownQueryParameters()
            .WithName("listTerritoryActors").WithSummary("List a territory's actors")
            .WithDescription("The actors acting in a territory, ordered by id (or as sort= says), paged, with the filters, search and CSV export of /v1/actors.")
            .WithResponseExample(200, ActorExamples.TerritoryPage)
            .WithResponseExample(200, ActorExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        return app;
    }

    private const string SummaryColumns = """
        a.id, a.type, a.category, a.name, a.role, a.organisation, a.website, a.updated_at, a.version
        """;

    // Each filter is a condition on its own parameter; only the filters a request gives reach the SQL.
    private static readonly Dictionary<string, string> ListFilters = new()
    {
        ["territory"] = "exists (select 1 from actor_territories t where t.actor_id = a.id and t.territory_id = @territory)",
        ["type"] = "a.type = @type",
        ["category"] = "a.category = @category",
    };

    private static readonly Dictionary<string, Querying.SortKey<SummaryRow>> SortKeys = new()
    {
        ["name"] = new("a.name", "text", r => r.Name),
        ["type"] = new("a.type", "text", r => r.Type),
        ["category"] = new("a.category", "text", r => r.Category),
    };

    private static readonly Listing<SummaryRow, ActorSummary> Listing = new(Collection, "a", SummaryColumns, ListFilters, SortKeys, "id", ToSummary,
        new("actors.csv", ["id", "type", "category", "name", "role", "organisation", "website", "updatedAt", "version"],
            r => [r.Id, r.Type, r.Category, r.Name, r.Role, r.Organisation, r.Website, r.UpdatedAt, r.Version]))
    {
        Facets = new Dictionary<string, Facet> { ["type"] = new("a.type"), ["category"] = new("a.category") },
    };

    /// <summary>The filters of the actor list under a territory: the list's own but the territory, which its path gives.</summary>
    public record FiltersUnderTerritory
    {
        /// <summary>Only the actors of this type: organisation or person.</summary>
        [FromQuery(Name = "type"), OneOf(nameof(Vocabulary.ActorTypes))] public string? Type { get; init; }

        /// <summary>Only the actors of this category: elected_official, company, project_lead, public_agency, cluster_or_association, research_and_training, financial_body or other.</summary>
        [FromQuery(Name = "category"), OneOf(nameof(Vocabulary.ActorCategories))] public string? Category { get; init; }
    }

    /// <summary>The filters of the actor list, as the list and its facets read them.</summary>
    public sealed record FilterParameters : FiltersUnderTerritory
    {
        /// <summary>Only the actors acting in this territory, by id, e.g. 2018-ti2707.</summary>
        [FromQuery(Name = "territory")] public string? Territory { get; init; }
    }

    // The counts of the actor list's facets, under its filters.
    internal static Task<Results<Ok<FacetCounts>, ValidationProblem>> CountActorFacets(
        HttpContext context, NpgsqlDataSource db, [AsParameters] FilterParameters filters, [AsParameters] FacetParameters search, CancellationToken ct) =>
        Facets.ReadAsync(context, db, Listing, filters, search, null, ct);

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only actors changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. Deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in names, roles and organisations, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes, all required.",
        Sort: "Sort keys, comma-separated, - for descending: id, name, type, category, updatedAt, relevance (with q). Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default) or csv; overrides the Accept header (application/json, text/csv). CSV holds every matching actor, unpaged.");

    private static readonly string SelectActor = $"""
        select a.id, a.type, a.category, a.name, a.role, a.organisation, a.website, a.created_at, a.updated_at, a.version
        from actors a
        where a.id = @id;

        select t.id, t.phase, t.code, t.name
        from actor_territories x join territories t on t.id = x.territory_id
        where x.actor_id = @id
        order by t.id;

        select session_id from session_speakers where actor_id = @id
        union
        select id from sessions where partner_actor_id = @id
        order by 1;

        select resource_id from resource_actors where actor_id = @id order by 1;

        select project_id from project_actors where actor_id = @id order by 1;

        {Citations.OfRecord("actor_sources", "actor_id")};
        """;

    private const string InsertActor = """
        insert into actors (id, type, category, name, role, organisation, website)
        values (@Id, @Type, @Category, @Name, @Role, @Organisation, @Website)
        on conflict (id) do nothing
        returning id
        """;

    // Returns the stored type (no row when there is no such actor); updates only when the type is the one sent,
    // since the type cannot change (and a person's row refuses a website).
    private const string UpdateActor = """
        with stored as (
            select id, type from actors where id = @Id for update
        ), updated as (
            update actors a set category = @Category, name = @Name, role = @Role, organisation = @Organisation, website = @Website
            from stored s
            where a.id = s.id and s.type = @Type
        )
        select type from stored
        """;

    // Links are replaced whole; arrays are unnested so that each list is one statement.
    private const string ReplaceLinks = """
        delete from actor_territories where actor_id = @Id;
        insert into actor_territories (actor_id, territory_id) select @Id, unnest(@TerritoryIds::text[]);
        delete from actor_sources where actor_id = @Id;
        insert into actor_sources (actor_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string DeleteActorAndLeaveTombstone = """
        delete from actors where id = @id returning id
        """;

    public static async Task<Results<Ok<Page<ActorSummary>>, CsvResult, ValidationProblem>> ListActors(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FilterParameters filters, [AsParameters] ListParameters list) =>
        Lists.Unscoped(await Lists.ReadAsync(context, db, Listing, list, filters, null, ct));

    /// <param name="id">Territory id, e.g. 2018-ti2707.</param>
    public static Task<Results<Ok<Page<ActorSummary>>, CsvResult, NotFoundProblem, ValidationProblem>> ListTerritoryActors(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FiltersUnderTerritory filters, [AsParameters] ListParameters list) =>
        Lists.ReadAsync(context, db, Listing, list, filters, id, ct);

    /// <param name="id">Actor id, e.g. fc-lab.</param>
    public static Task<Results<Ok<ActorResponse>, NotFoundProblem>> GetActor(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) => Write.GetAsync(context, db, id, ct);

    private static readonly Writes<ActorResponse> Write = new(Collection, InsertActor, UpdateActor, ReplaceLinks, DeleteActorAndLeaveTombstone, ReadActor,
        isPerson: actor => actor.Type == "person");

    public static Task<Results<Created<ActorResponse>, ValidationProblem, ConflictProblem>> CreateActor(
        ActorRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.CreateAsync(context, db, request.Id, ActorWrite.From(request), write => write.Type == "person" ? Ids.PersonId() : Ids.Slug(write.Name), ct);

    public static Task<Results<Ok<ActorResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceActor(
        string id, ActorRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.ReplaceAsync(context, db, id, request.Id, ActorWrite.From(request), ct, type => type == request.Type ? null :
            Problems.Validation(context, "type", $"The actor '{id}' is a {type}: the type of an actor cannot change."));

    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteActor(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteUnlessReferencedAsync(context, db, id, ct);

    private static async Task<ActorResponse?> ReadActor(NpgsqlConnection connection, string id, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(SelectActor, new { id }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<ActorRow>();
        if (row is null) return null;
        var territories = (await results.ReadAsync<TerritoryRef>()).AsList();
        var sessionIds = (await results.ReadAsync<string>()).AsList();
        var resourceIds = (await results.ReadAsync<string>()).AsList();
        var projectIds = (await results.ReadAsync<string>()).AsList();
        var sources = CitationRow.ToCitations(await results.ReadAsync<CitationRow>());
        return new ActorResponse(row.Id, row.Type, row.Category, row.Name, row.Role, row.Organisation, row.Website,
            territories, sessionIds, resourceIds, projectIds, sources, row.CreatedAt, row.UpdatedAt, row.Version);
    }

    private static ActorSummary ToSummary(SummaryRow r) =>
        new(r.Id, r.Type, r.Category, r.Name, r.Role, r.Organisation, r.Website, r.UpdatedAt, r.Version);

    private class SummaryRow : IListRow
    {
        public string Id { get; init; } = "";
        public string Type { get; init; } = "";
        public string Category { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Role { get; init; }
        public string? Organisation { get; init; }
        public string? Website { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public float Rank { get; init; }
    }

    private sealed class ActorRow : SummaryRow
    {
        public DateTime CreatedAt { get; init; }
    }

    /// <summary>The parameters of an actor write, flattened for SQL.</summary>
    private sealed record ActorWrite(
        string Id, string Type, string Category, string Name, string? Role, string? Organisation, string? Website,
        string[] TerritoryIds, string[] SourceIds) : IRecordWrite<ActorWrite>
    {
        public ActorWrite WithId(string id) => this with { Id = id };

        public static ActorWrite From(ActorRequest r) => new(
            r.Id ?? "", r.Type!, r.Category!, r.Name!.Trim(), Rules.Clean(r.Role), Rules.Clean(r.Organisation), Rules.Clean(r.Website),
            [.. r.TerritoryIds ?? []], [.. r.SourceIds ?? []]);
    }
}
