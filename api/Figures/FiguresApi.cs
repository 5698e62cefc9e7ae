using System.ComponentModel;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Figures;

public static class FiguresApi
{
    public static IEndpointRouteBuilder MapFiguresApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/figures").WithTags("Figures");

        api.MapGet("/", ListFigures).WithName("listFigures").WithSummary("List key figures")
            .WithDescription("Key figures on territories, each with its sources, ordered by id, paged with an opaque cursor (links.next and the Link header). Filter: territory (an id).");
        api.MapGet("/{id}", GetFigure).WithName("getFigure").WithSummary("Get a key figure")
            .WithDescription("One key figure with its sources.");
        api.MapPost("/", CreateFigure).WithName("createFigure").WithSummary("Create a key figure")
            .WithDescription("Creates a key figure on a territory. Its id is the one given, or else generated from its label.")
            .WithRequestExample(FigureExamples.Request).RequireApiKey();
        api.MapPut("/{id}", ReplaceFigure).WithName("replaceFigure").WithSummary("Replace a key figure")
            .WithDescription("Replaces every field of a key figure, its sources included. The id cannot change.")
            .WithRequestExample(FigureExamples.Request).RequireApiKey();
        api.MapDelete("/{id}", DeleteFigure).WithName("deleteFigure").WithSummary("Delete a key figure")
            .WithDescription("Deletes a key figure with its links to sources; a tombstone records the deletion for incremental sync.")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/figures", ListTerritoryFigures).WithTags("Territories")
            .WithName("listTerritoryFigures").WithSummary("List a territory's key figures")
            .WithDescription("The key figures on a territory, each with its sources, ordered by id, paged. The territory's item lists them too. Facts about a studied territory belong to its 2018-2022 record.");
        return app;
    }

    private const string SelectFigures = """
        select f.id, f.territory_id, f.label, f.value_text, f.value_numeric, f.unit, f.reference_date, f.created_at, f.updated_at, f.version
        from figures f
        where (@territory::text is null or f.territory_id = @territory)
          and (@after::text is null or f.id > @after)
        order by f.id
        limit @take + 1
        """;

    private const string SelectFigure = """
        select f.id, f.territory_id, f.label, f.value_text, f.value_numeric, f.unit, f.reference_date, f.created_at, f.updated_at, f.version
        from figures f
        where f.id = @id
        """;

    private const string SelectTerritoryFigures = """
        select f.id, f.territory_id, f.label, f.value_text, f.value_numeric, f.unit, f.reference_date, f.created_at, f.updated_at, f.version
        from figures f
        where f.territory_id = @id
        order by f.id
        """;

    private const string SelectCitations = """
        select x.figure_id as owner_id, s.id, s.url, s.title, s.publisher, s.seen_on
        from figure_sources x join sources s on s.id = x.source_id
        where x.figure_id = any(@ids)
        order by x.figure_id, s.id
        """;

    private const string InsertFigure = """
        with inserted as (
            insert into figures (id, territory_id, label, value_text, value_numeric, unit, reference_date)
            values (@Id, @TerritoryId, @Label, @ValueText, @ValueNumeric, @Unit, @ReferenceDate)
            on conflict (id) do nothing
            returning id
        ), revived as (
            delete from tombstones where entity = 'figures' and id in (select id from inserted)
        )
        select id from inserted
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
        with deleted as (delete from figures where id = @id returning id)
        insert into tombstones (entity, id) select 'figures', id from deleted
        on conflict (entity, id) do update
            set deleted_at = excluded.deleted_at, change_txid = excluded.change_txid, change_seq = excluded.change_seq
        returning id
        """;

    public static async Task<Results<Ok<Page<FigureResponse>>, ValidationProblem>> ListFigures(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null,
        [Description("Only the key figures on this territory, by id, e.g. 2018-ti2707.")] string? territory = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var figures = await QueryFigures(connection, SelectFigures, new { territory, after = after?[0], take }, ct);
        return TypedResults.Ok(Paging.ToPage(context, figures, take, f => [f.Id], f => f));
    }

    public static async Task<Results<Ok<Page<FigureResponse>>, NotFoundProblem, ValidationProblem>> ListTerritoryFigures(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var figures = await QueryFigures(connection, SelectFigures, new { territory = id, after = after?[0], take }, ct);
        if (figures.Count == 0 && !await References.TerritoryExistsAsync(connection, id, ct))
        {
            return Problems.NotFound(context, $"No territory has the id '{id}'.");
        }
        return TypedResults.Ok(Paging.ToPage(context, figures, take, f => [f.Id], f => f));
    }

    public static async Task<Results<Ok<FigureResponse>, NotFoundProblem>> GetFigure(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var figure = await ReadFigure(db, id, ct);
        if (figure is null) return Problems.NotFound(context, $"No figure has the id '{id}'.");
        context.Response.Headers.ETag = $"\"{figure.Version}\"";
        return TypedResults.Ok(figure);
    }

    public static async Task<Results<Created<FigureResponse>, ValidationProblem, ConflictProblem>> CreateFigure(
        FigureRequest request, IValidator<FigureRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await Validate(request, validator, context, db, ct) is { } invalid) return invalid;
        var write = FigureWrite.From(request);

        string? id;
        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            id = await Ids.ClaimAsync(request.Id, () => Ids.Slug(write.Label), candidate =>
                connection.ExecuteScalarAsync<string?>(new CommandDefinition(InsertFigure, write with { Id = candidate }, transaction, cancellationToken: ct)));
            if (id is null)
            {
                return Problems.Conflict(context, $"A figure with the id '{request.Id}' already exists.", new Dictionary<string, object?> { ["existingId"] = request.Id });
            }
            await connection.ExecuteAsync(new CommandDefinition(ReplaceLinks, write with { Id = id }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }

        var created = (await ReadFigure(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{created.Version}\"";
        return TypedResults.Created($"/v1/figures/{id}", created);
    }

    public static async Task<Results<Ok<FigureResponse>, ValidationProblem, NotFoundProblem>> ReplaceFigure(
        string id, FigureRequest request, IValidator<FigureRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await Validate(request, validator, context, db, ct) is { } invalid) return invalid;
        if (Ids.CheckUnchanged(context, request.Id, id) is { } changed) return changed;
        var write = FigureWrite.From(request) with { Id = id };

        await using (var connection = await db.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(UpdateFigure, write, transaction, cancellationToken: ct));
            if (updated is null) return Problems.NotFound(context, $"No figure has the id '{id}'.");
            await connection.ExecuteAsync(new CommandDefinition(ReplaceLinks, write, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }

        var replaced = (await ReadFigure(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{replaced.Version}\"";
        return TypedResults.Ok(replaced);
    }

    public static Task<Results<NoContent, NotFoundProblem>> DeleteFigure(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.DeleteAsync(context, db, Collections.Figures, id, DeleteFigureAndLeaveTombstone, ct);

    /// <summary>Every key figure on a territory, with its sources (for the territory's item).</summary>
    public static Task<List<FigureResponse>> ReadTerritoryFiguresAsync(NpgsqlConnection connection, string territoryId, CancellationToken ct) =>
        QueryFigures(connection, SelectTerritoryFigures, new { id = territoryId }, ct);

    private static async Task<ValidationProblem?> Validate(
        FigureRequest request, IValidator<FigureRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(request, ct);
        if (!result.IsValid) return Problems.Validation(context, result.ToDictionary());
        return await References.CheckAsync(context, db, ct,
            References.Field.One("territoryId", Collections.Territories, request.TerritoryId),
            new References.Field("sourceIds", Collections.Sources, request.SourceIds));
    }

    private static async Task<FigureResponse?> ReadFigure(NpgsqlDataSource db, string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await QueryFigures(connection, SelectFigure, new { id }, ct)).SingleOrDefault();
    }

    // Figures and their citations in two queries, whatever the number of figures.
    private static async Task<List<FigureResponse>> QueryFigures(NpgsqlConnection connection, string sql, object parameters, CancellationToken ct)
    {
        var rows = (await connection.QueryAsync<FigureRow>(new CommandDefinition(sql, parameters, cancellationToken: ct))).AsList();
        if (rows.Count == 0) return [];
        var citations = (await connection.QueryAsync<CitationRow>(new CommandDefinition(SelectCitations, new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct)))
            .ToLookup(c => c.OwnerId);
        return [.. rows.Select(r => new FigureResponse(r.Id, r.TerritoryId, r.Label, r.ValueText, r.ValueNumeric, r.Unit, r.ReferenceDate,
            CitationRow.ToCitations(citations[r.Id]), r.CreatedAt, r.UpdatedAt, r.Version))];
    }

    private sealed class FigureRow
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
    }

    /// <summary>The parameters of a figure write, flattened for SQL.</summary>
    private sealed record FigureWrite(
        string Id, string TerritoryId, string Label, string ValueText, decimal? ValueNumeric, string? Unit, string? ReferenceDate, string[] SourceIds)
    {
        public static FigureWrite From(FigureRequest r) => new(
            r.Id ?? "", r.TerritoryId!, r.Label!.Trim(), r.ValueText!.Trim(), r.ValueNumeric, Rules.Clean(r.Unit), Rules.Clean(r.ReferenceDate),
            [.. r.SourceIds ?? []]);
    }
}
