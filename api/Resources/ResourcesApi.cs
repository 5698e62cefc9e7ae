using System.ComponentModel;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Resources;

public static class ResourcesApi
{
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/resources").WithTags("Resources");

        api.MapGet("/", ListResources).WithName("listResources").WithSummary("List resources")
            .WithDescription("Ressources territoriales, ordered by id, paged with an opaque cursor (links.next and the Link header). Filters: territory (an id) and kind (natural, material, immaterial, human, financial or network).");
        api.MapGet("/{id}", GetResource).WithName("getResource").WithSummary("Get a resource")
            .WithDescription("One resource with its territory, the actors that carry it, the projects that combine it and its sources.");
        api.MapPost("/", CreateResource).WithName("createResource").WithSummary("Create a resource")
            .WithDescription("Creates a resource. Its id is the one given, or else generated from its name.")
            .WithRequestExample(ResourceExamples.Request).RequireApiKey();
        api.MapPut("/{id}", ReplaceResource).WithName("replaceResource").WithSummary("Replace a resource")
            .WithDescription("Replaces every field of a resource, its actors and sources included. The id cannot change.")
            .WithRequestExample(ResourceExamples.Request).RequireApiKey();
        api.MapDelete("/{id}", DeleteResource).WithName("deleteResource").WithSummary("Delete a resource")
            .WithDescription("Deletes a resource with its links to actors and sources; a tombstone records the deletion for incremental sync. A resource that a project combines is not deleted: 409, with those projects in referencedBy ([{collection, id}]).")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/resources", ListTerritoryResources).WithTags("Territories")
            .WithName("listTerritoryResources").WithSummary("List a territory's resources")
            .WithDescription("The resources a territory mobilises, ordered by id, paged. Filter: kind. Facts about a studied territory belong to its 2018-2022 record.");
        return app;
    }

    public static readonly string[] Kinds = ["natural", "material", "immaterial", "human", "financial", "network"];

    private const string SelectSummaries = """
        select r.id, r.kind, r.name, r.territory_id, r.tags, r.updated_at, r.version
        from resources r
        where (@territory::text is null or r.territory_id = @territory)
          and (@kind::text is null or r.kind = @kind)
          and (@after::text is null or r.id > @after)
        order by r.id
        limit @take + 1
        """;

    private const string SelectResource = """
        select r.id, r.kind, r.name, r.description, r.tags, r.created_at, r.updated_at, r.version,
               t.id as territory_id, t.phase as territory_phase, t.code as territory_code, t.name as territory_name
        from resources r join territories t on t.id = r.territory_id
        where r.id = @id;

        select a.id, a.name, a.type
        from resource_actors x join actors a on a.id = x.actor_id
        where x.resource_id = @id
        order by a.id;

        select project_id from project_resources where resource_id = @id order by 1;

        select s.id, s.url, s.title, s.publisher, s.seen_on
        from resource_sources x join sources s on s.id = x.source_id
        where x.resource_id = @id
        order by s.id;
        """;

    private const string InsertResource = """
        with inserted as (
            insert into resources (id, kind, name, description, territory_id, tags)
            values (@Id, @Kind, @Name, @Description, @TerritoryId, @Tags)
            on conflict (id) do nothing
            returning id
        ), revived as (
            delete from tombstones where entity = 'resources' and id in (select id from inserted)
        )
        select id from inserted
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
        with deleted as (delete from resources where id = @id returning id)
        insert into tombstones (entity, id) select 'resources', id from deleted
        on conflict (entity, id) do update
            set deleted_at = excluded.deleted_at, change_txid = excluded.change_txid, change_seq = excluded.change_seq
        returning id
        """;

    public static async Task<Results<Ok<Page<ResourceSummary>>, ValidationProblem>> ListResources(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct,
        int? limit = null, string? cursor = null,
        [Description("Only the resources of this territory, by id, e.g. 2018-ti2707.")] string? territory = null,
        [Description("Only the resources of this kind: natural, material, immaterial, human, financial or network.")] string? kind = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        if (CheckKind(context, kind) is { } badKind) return badKind;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await QuerySummaries(connection, territory, kind, after?[0], take, ct);
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Id], ToSummary));
    }

    public static async Task<Results<Ok<Page<ResourceSummary>>, NotFoundProblem, ValidationProblem>> ListTerritoryResources(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null,
        [Description("Only the resources of this kind: natural, material, immaterial, human, financial or network.")] string? kind = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        if (CheckKind(context, kind) is { } badKind) return badKind;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await QuerySummaries(connection, id, kind, after?[0], take, ct);
        if (rows.Count == 0 && !await References.TerritoryExistsAsync(connection, id, ct))
        {
            return Problems.NotFound(context, $"No territory has the id '{id}'.");
        }
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Id], ToSummary));
    }

    public static async Task<Results<Ok<ResourceResponse>, NotFoundProblem>> GetResource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var resource = await ReadResource(db, id, ct);
        if (resource is null) return Problems.NotFound(context, $"No resource has the id '{id}'.");
        context.Response.Headers.ETag = $"\"{resource.Version}\"";
        return TypedResults.Ok(resource);
    }

    public static async Task<Results<Created<ResourceResponse>, ValidationProblem, ConflictProblem>> CreateResource(
        ResourceRequest request, IValidator<ResourceRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await Validate(request, validator, context, db, ct) is { } invalid) return invalid;
        var write = ResourceWrite.From(request);

        string? id;
        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            id = await Ids.ClaimAsync(request.Id, () => Ids.Slug(write.Name), candidate =>
                connection.ExecuteScalarAsync<string?>(new CommandDefinition(InsertResource, write with { Id = candidate }, transaction, cancellationToken: ct)));
            if (id is null)
            {
                return Problems.Conflict(context, $"A resource with the id '{request.Id}' already exists.", new Dictionary<string, object?> { ["existingId"] = request.Id });
            }
            await connection.ExecuteAsync(new CommandDefinition(ReplaceLinks, write with { Id = id }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }

        var created = (await ReadResource(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{created.Version}\"";
        return TypedResults.Created($"/v1/resources/{id}", created);
    }

    public static async Task<Results<Ok<ResourceResponse>, ValidationProblem, NotFoundProblem>> ReplaceResource(
        string id, ResourceRequest request, IValidator<ResourceRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await Validate(request, validator, context, db, ct) is { } invalid) return invalid;
        if (Ids.CheckUnchanged(context, request.Id, id) is { } changed) return changed;
        var write = ResourceWrite.From(request) with { Id = id };

        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(UpdateResource, write, transaction, cancellationToken: ct));
            if (updated is null) return Problems.NotFound(context, $"No resource has the id '{id}'.");
            await connection.ExecuteAsync(new CommandDefinition(ReplaceLinks, write, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }

        var replaced = (await ReadResource(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{replaced.Version}\"";
        return TypedResults.Ok(replaced);
    }

    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteResource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.DeleteUnlessReferencedAsync(context, db, Collections.Resources, id, DeleteResourceAndLeaveTombstone, ct);

    private static ValidationProblem? CheckKind(HttpContext context, string? kind) =>
        kind is null || Kinds.Contains(kind) ? null : Problems.Validation(context, "kind", $"kind must be one of: {string.Join(", ", Kinds)}.");

    private static async Task<ValidationProblem?> Validate(
        ResourceRequest request, IValidator<ResourceRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(request, ct);
        if (!result.IsValid) return Problems.Validation(context, result.ToDictionary());
        return await References.CheckAsync(context, db, ct,
            References.Field.One("territoryId", Collections.Territories, request.TerritoryId),
            new References.Field("actorIds", Collections.Actors, request.ActorIds),
            new References.Field("sourceIds", Collections.Sources, request.SourceIds));
    }

    private static async Task<List<SummaryRow>> QuerySummaries(
        NpgsqlConnection connection, string? territory, string? kind, string? after, int take, CancellationToken ct) =>
        (await connection.QueryAsync<SummaryRow>(new CommandDefinition(SelectSummaries, new { territory, kind, after, take }, cancellationToken: ct))).AsList();

    private static async Task<ResourceResponse?> ReadResource(NpgsqlDataSource db, string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
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

    private class SummaryRow
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string[] Tags { get; init; } = [];
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
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
        string Id, string Kind, string Name, string? Description, string TerritoryId, string[] Tags, string[] ActorIds, string[] SourceIds)
    {
        public static ResourceWrite From(ResourceRequest r) => new(
            r.Id ?? "", r.Kind!, r.Name!.Trim(), Rules.Clean(r.Description), r.TerritoryId!,
            [.. (r.Tags ?? []).Select(t => t.Trim())], [.. r.ActorIds ?? []], [.. r.SourceIds ?? []]);
    }
}
