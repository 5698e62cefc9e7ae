using Dapper;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Actors;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Resources;
using Observatoire.Api.Sources;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Projects;

public static class ProjectsApi
{
    /// <summary>The projects, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 5, Name: "projects", Noun: "project", Tag: "Projects",
        TagDescription: "Projets de territoire: the shared projects through which actors combine resources.",
        Search: new SearchProjection(Title: "c.name", Snippet: "concat_ws('. ', c.name, c.description, c.status)"),
        Records: RecordReader.Of<ProjectResponse>(ReadProject), Seed: ProjectsSeed.Seed);

    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/projects").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListProjects).WithSparseFields<ProjectSummary>().WithName("listProjects").WithSummary("List projects")
            .WithDescription("Projets de territoire, ordered by id (or as sort= says), paged with an opaque cursor (links.next and the Link header). Filters: territory, resource (the projects combining it), actor (the projects it is involved in), updatedSince; q searches in French. As CSV (format=csv or Accept: text/csv), every matching project, unpaged.")
            .WithResponseExample(200, ProjectExamples.Page)
            .WithResponseExample(200, ProjectExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        api.MapGet("/{id}", GetProject).WithName("getProject").WithSummary("Get a project")
            .WithDescription("One project with its territory, the resources it combines, the actors involved and its sources.")
            .WithResponseExample(200, ProjectExamples.Response).CacheableRecordRead(Collection);
        api.MapPost("/", CreateProject).WithName("createProject").WithSummary("Create a project")
            .WithDescription("Creates a project. Its id is the one given, or else generated from its name.")
            .WithRequestExample(ProjectExamples.Request).WithResponseExample(201, ProjectExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceProject).WithName("replaceProject").WithSummary("Replace a project")
            .WithDescription("Replaces every field of a project, its resources, actors and sources included. The id cannot change.")
            .WithRequestExample(ProjectExamples.Request).WithResponseExample(200, ProjectExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteProject).WithName("deleteProject").WithSummary("Delete a project")
            .WithDescription("Deletes a project with its links to resources, actors and sources; a tombstone records the deletion for incremental sync.")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/projects", ListTerritoryProjects).WithSparseFields<ProjectSummary>().WithTags("Territories").RejectUnknownQueryParameters()
            .WithName("listTerritoryProjects").WithSummary("List a territory's projects")
            .WithDescription("The projects of a territory, ordered by id (or as sort= says), paged, with the filters, search and CSV export of /v1/projects. Facts about a studied territory belong to its 2018-2022 record.")
            .WithResponseExample(200, ProjectExamples.TerritoryPage)
            .WithResponseExample(200, ProjectExamples.Csv, Exports.CsvMediaType)
            .WithListDocs(ListDocs).CacheableRead();
        return app;
    }

    private const string SummaryColumns = """
        p.id, p.name, p.territory_id, p.status, p.year, p.updated_at, p.version
        """;

    // Each filter is a condition on its own parameter; only the filters a request gives reach the SQL.
    private static readonly Dictionary<string, string> ListFilters = new()
    {
        ["territory"] = "p.territory_id = @territory",
        ["resource"] = "exists (select 1 from project_resources x where x.project_id = p.id and x.resource_id = @resource)",
        ["actor"] = "exists (select 1 from project_actors x where x.project_id = p.id and x.actor_id = @actor)",
    };

    // Status and year may be unknown: they sort as '' and 0, so that the keyset comparisons hold.
    private static readonly Dictionary<string, Querying.SortKey<SummaryRow>> SortKeys = new()
    {
        ["name"] = new("p.name", "text", r => r.Name),
        ["territory"] = new("p.territory_id", "text", r => r.TerritoryId),
        ["status"] = new("coalesce(p.status, '')", "text", r => r.Status ?? ""),
        ["year"] = new("coalesce(p.year, 0)", "integer", r => r.Year ?? 0),
    };

    private static readonly Listing<SummaryRow, ProjectSummary> Listing = new(Collection, "p", SummaryColumns, ListFilters, SortKeys, "id", ToSummary,
        new("projects.csv", ["id", "name", "territoryId", "status", "year", "updatedAt", "version"],
            r => [r.Id, r.Name, r.TerritoryId, r.Status, r.Year, r.UpdatedAt, r.Version]));

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only projects changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. Deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in names, descriptions and statuses, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes, all required.",
        Sort: "Sort keys, comma-separated, - for descending: id, name, territory, status, year, updatedAt, relevance (with q), e.g. -year,name. An unknown status or year sorts first in ascending order. Default: id, or -relevance with q. The id always breaks ties.",
        Format: "json (default) or csv; overrides the Accept header (application/json, text/csv). CSV holds every matching project, unpaged.");

    private static readonly string SelectProject = $"""
        select p.id, p.name, p.description, p.status, p.year, p.created_at, p.updated_at, p.version,
               t.id as territory_id, t.phase as territory_phase, t.code as territory_code, t.name as territory_name
        from projects p join territories t on t.id = p.territory_id
        where p.id = @id;

        select r.id, r.name, r.kind
        from project_resources x join resources r on r.id = x.resource_id
        where x.project_id = @id
        order by r.id;

        select a.id, a.name, a.type
        from project_actors x join actors a on a.id = x.actor_id
        where x.project_id = @id
        order by a.id;

        {Citations.OfRecord("project_sources", "project_id")};
        """;

    private const string InsertProject = """
        insert into projects (id, name, territory_id, description, status, year)
        values (@Id, @Name, @TerritoryId, @Description, @Status, @Year)
        on conflict (id) do nothing
        returning id
        """;

    private const string UpdateProject = """
        update projects set name = @Name, territory_id = @TerritoryId, description = @Description, status = @Status, year = @Year
        where id = @Id
        returning id
        """;

    // Links are replaced whole; arrays are unnested so that each list is one statement.
    private const string ReplaceLinks = """
        delete from project_resources where project_id = @Id;
        insert into project_resources (project_id, resource_id) select @Id, unnest(@ResourceIds::text[]);
        delete from project_actors where project_id = @Id;
        insert into project_actors (project_id, actor_id) select @Id, unnest(@ActorIds::text[]);
        delete from project_sources where project_id = @Id;
        insert into project_sources (project_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string DeleteProjectAndLeaveTombstone = """
        delete from projects where id = @id returning id
        """;

    /// <summary>The filters of the project list under a territory: the list's own but the territory, which its path gives.</summary>
    public record FiltersUnderTerritory
    {
        /// <summary>Only the projects that combine this resource, by id, e.g. centrale-cordemais.</summary>
        [FromQuery(Name = "resource")] public string? Resource { get; init; }

        /// <summary>Only the projects this actor is involved in, by id, e.g. edf.</summary>
        [FromQuery(Name = "actor")] public string? Actor { get; init; }
    }

    /// <summary>The filters of the project list.</summary>
    public sealed record FilterParameters : FiltersUnderTerritory
    {
        /// <summary>Only the projects of this territory, by id, e.g. 2018-ti2707.</summary>
        [FromQuery(Name = "territory")] public string? Territory { get; init; }
    }

    public static async Task<Results<Ok<Page<ProjectSummary>>, CsvResult, ValidationProblem>> ListProjects(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FilterParameters filters, [AsParameters] ListParameters list) =>
        Lists.Unscoped(await Lists.ReadAsync(context, db, Listing, list, filters, null, ct));

    /// <param name="id">Territory id, e.g. 2018-ti5209.</param>
    public static Task<Results<Ok<Page<ProjectSummary>>, CsvResult, NotFoundProblem, ValidationProblem>> ListTerritoryProjects(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FiltersUnderTerritory filters, [AsParameters] ListParameters list) =>
        Lists.ReadAsync(context, db, Listing, list, filters, id, ct);

    /// <param name="id">Project id, e.g. ecocombust-cordemais.</param>
    public static Task<Results<Ok<ProjectResponse>, NotFoundProblem>> GetProject(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) => Write.GetAsync(context, db, id, ct);

    private static readonly Writes<ProjectResponse> Write = new(Collection, InsertProject, UpdateProject, ReplaceLinks, DeleteProjectAndLeaveTombstone, ReadProject);

    public static Task<Results<Created<ProjectResponse>, ValidationProblem, ConflictProblem>> CreateProject(
        ProjectRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.CreateAsync(context, db, request.Id, ProjectWrite.From(request), write => Ids.Slug(write.Name), ct);

    public static Task<Results<Ok<ProjectResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceProject(
        string id, ProjectRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.ReplaceAsync(context, db, id, request.Id, ProjectWrite.From(request), ct);

    public static Task<Results<NoContent, NotFoundProblem, PreconditionFailedProblem>> DeleteProject(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteAsync(context, db, id, ct);

    private static async Task<ProjectResponse?> ReadProject(NpgsqlConnection connection, string id, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(SelectProject, new { id }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<ProjectRow>();
        if (row is null) return null;
        var resources = (await results.ReadAsync<ResourceRef>()).AsList();
        var actors = (await results.ReadAsync<ActorRef>()).AsList();
        var sources = CitationRow.ToCitations(await results.ReadAsync<CitationRow>());
        return new ProjectResponse(row.Id, row.Name, new TerritoryRef(row.TerritoryId, row.TerritoryPhase, row.TerritoryCode, row.TerritoryName),
            row.Description, row.Status, row.Year, resources, actors, sources, row.CreatedAt, row.UpdatedAt, row.Version);
    }

    private static ProjectSummary ToSummary(SummaryRow r) => new(r.Id, r.Name, r.TerritoryId, r.Status, r.Year, r.UpdatedAt, r.Version);

    private class SummaryRow : IListRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string? Status { get; init; }
        public int? Year { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public float Rank { get; init; }
    }

    private sealed class ProjectRow : SummaryRow
    {
        public string? Description { get; init; }
        public string TerritoryPhase { get; init; } = "";
        public string TerritoryCode { get; init; } = "";
        public string TerritoryName { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    /// <summary>The parameters of a project write, flattened for SQL.</summary>
    private sealed record ProjectWrite(
        string Id, string Name, string TerritoryId, string? Description, string? Status, int? Year,
        string[] ResourceIds, string[] ActorIds, string[] SourceIds) : IRecordWrite<ProjectWrite>
    {
        public ProjectWrite WithId(string id) => this with { Id = id };

        public static ProjectWrite From(ProjectRequest r) => new(
            r.Id ?? "", r.Name!.Trim(), r.TerritoryId!, Rules.Clean(r.Description), Rules.Clean(r.Status), r.Year,
            [.. r.ResourceIds ?? []], [.. r.ActorIds ?? []], [.. r.SourceIds ?? []]);
    }
}
