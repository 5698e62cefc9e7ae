using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Sources;

public static class SourcesApi
{
    public static IEndpointRouteBuilder MapSourcesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/sources").WithTags("Sources");

        api.MapGet("/", ListSources).WithName("listSources").WithSummary("List sources")
            .WithDescription("The public pages, documents, repositories and packages that facts come from, ordered by id, paged with an opaque cursor (links.next and the Link header).");
        api.MapGet("/{id}", GetSource).WithName("getSource").WithSummary("Get a source")
            .WithDescription("One source. The records citing it list it in their sources.");
        api.MapPost("/", CreateSource).WithName("createSource").WithSummary("Create a source")
            .WithDescription("Creates a source. Its id is the one given, or else generated from the title (or the URL's host).")
            .WithRequestExample(SourceExamples.Request).RequireApiKey();
        api.MapPut("/{id}", ReplaceSource).WithName("replaceSource").WithSummary("Replace a source")
            .WithDescription("Replaces every field of a source. The id cannot change.")
            .WithRequestExample(SourceExamples.Request).RequireApiKey();
        api.MapDelete("/{id}", DeleteSource).WithName("deleteSource").WithSummary("Delete a source")
            .WithDescription("Deletes a source that no record cites; a tombstone records the deletion for incremental sync. A cited source is not deleted: 409, with the citing records in referencedBy ([{collection, id}]).")
            .RequireApiKey();
        return app;
    }

    private const string SelectSources = """
        select s.id, s.url, s.title, s.publisher, s.seen_on, s.created_at, s.updated_at, s.version
        from sources s
        where (@after::text is null or s.id > @after)
        order by s.id
        limit @take + 1
        """;

    private const string SelectSource = """
        select s.id, s.url, s.title, s.publisher, s.seen_on, s.created_at, s.updated_at, s.version
        from sources s
        where s.id = @id
        """;

    private const string InsertSource = """
        with inserted as (
            insert into sources (id, url, title, publisher, seen_on)
            values (@Id, @Url, @Title, @Publisher, @SeenOn)
            on conflict (id) do nothing
            returning id
        ), revived as (
            delete from tombstones where entity = 'sources' and id in (select id from inserted)
        )
        select id from inserted
        """;

    private const string UpdateSource = """
        update sources set url = @Url, title = @Title, publisher = @Publisher, seen_on = @SeenOn
        where id = @Id
        returning id
        """;

    private const string DeleteSourceAndLeaveTombstone = """
        with deleted as (delete from sources where id = @id returning id)
        insert into tombstones (entity, id) select 'sources', id from deleted
        on conflict (entity, id) do update
            set deleted_at = excluded.deleted_at, change_txid = excluded.change_txid, change_seq = excluded.change_seq
        returning id
        """;

    public static async Task<Results<Ok<Page<SourceResponse>>, ValidationProblem>> ListSources(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<SourceRow>(new CommandDefinition(SelectSources, new { after = after?[0], take }, cancellationToken: ct))).AsList();
        return TypedResults.Ok(Paging.ToPage(context, rows, take, r => [r.Id], r => r.ToResponse()));
    }

    public static async Task<Results<Ok<SourceResponse>, NotFoundProblem>> GetSource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var source = await ReadSource(db, id, ct);
        if (source is null) return Problems.NotFound(context, $"No source has the id '{id}'.");
        context.Response.Headers.ETag = $"\"{source.Version}\"";
        return TypedResults.Ok(source);
    }

    public static async Task<Results<Created<SourceResponse>, ValidationProblem, ConflictProblem>> CreateSource(
        SourceRequest request, IValidator<SourceRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(request, ct);
        if (!result.IsValid) return Problems.Validation(context, result.ToDictionary());
        var write = SourceWrite.From(request);

        string? id;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            id = await Ids.ClaimAsync(request.Id, () => Ids.Slug(write.Title ?? HostOf(write.Url)), candidate =>
                connection.ExecuteScalarAsync<string?>(new CommandDefinition(InsertSource, write with { Id = candidate }, cancellationToken: ct)));
        }
        if (id is null)
        {
            return Problems.Conflict(context, $"A source with the id '{request.Id}' already exists.", new Dictionary<string, object?> { ["existingId"] = request.Id });
        }

        var created = (await ReadSource(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{created.Version}\"";
        return TypedResults.Created($"/v1/sources/{id}", created);
    }

    public static async Task<Results<Ok<SourceResponse>, ValidationProblem, NotFoundProblem>> ReplaceSource(
        string id, SourceRequest request, IValidator<SourceRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(request, ct);
        if (!result.IsValid) return Problems.Validation(context, result.ToDictionary());
        if (Ids.CheckUnchanged(context, request.Id, id) is { } changed) return changed;
        var write = SourceWrite.From(request) with { Id = id };

        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(UpdateSource, write, cancellationToken: ct));
            if (updated is null) return Problems.NotFound(context, $"No source has the id '{id}'.");
        }

        var replaced = (await ReadSource(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{replaced.Version}\"";
        return TypedResults.Ok(replaced);
    }

    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteSource(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.DeleteUnlessReferencedAsync(context, db, Collections.Sources, id, DeleteSourceAndLeaveTombstone, ct);

    private static async Task<SourceResponse?> ReadSource(NpgsqlDataSource db, string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SourceRow>(new CommandDefinition(SelectSource, new { id }, cancellationToken: ct));
        return row?.ToResponse();
    }

    private static string HostOf(string url)
    {
        var host = new Uri(url).Host;
        return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
    }

    private sealed class SourceRow
    {
        public string Id { get; init; } = "";
        public string Url { get; init; } = "";
        public string? Title { get; init; }
        public string? Publisher { get; init; }
        public DateOnly? SeenOn { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }

        public SourceResponse ToResponse() => new(Id, Url, Title, Publisher, SeenOn, CreatedAt, UpdatedAt, Version);
    }

    /// <summary>The parameters of a source write.</summary>
    private sealed record SourceWrite(string Id, string Url, string? Title, string? Publisher, DateOnly? SeenOn)
    {
        public static SourceWrite From(SourceRequest r) =>
            new(r.Id ?? "", r.Url!.Trim(), Rules.Clean(r.Title), Rules.Clean(r.Publisher), r.SeenOn);
    }
}
