using System.ComponentModel;
using System.Globalization;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Sessions;

public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/sessions").WithTags("Sessions");

        api.MapGet("/", ListSessions).WithName("listSessions").WithSummary("List sessions")
            .WithDescription("Séances de l'observatoire, ordered by number (sessions without a number last) then id, paged with an opaque cursor (links.next and the Link header). Filters: territory (an id: the sessions that featured it) and year (of the session's date).");
        api.MapGet("/{id}", GetSession).WithName("getSession").WithSummary("Get a session")
            .WithDescription("One session with its featured territory, its partner, its documents, its speakers and its sources.");
        api.MapPost("/", CreateSession).WithName("createSession").WithSummary("Create a session")
            .WithDescription("Creates a session with its documents and speakers. Its id is the one given, or else \"seance-NN\" from its number, or else generated. The number is unique.")
            .WithRequestExample(SessionExamples.Request).RequireApiKey();
        api.MapPut("/{id}", ReplaceSession).WithName("replaceSession").WithSummary("Replace a session")
            .WithDescription("Replaces every field of a session; its documents, speakers and sources are replaced with it. The id cannot change.")
            .WithRequestExample(SessionExamples.Request).RequireApiKey();
        api.MapDelete("/{id}", DeleteSession).WithName("deleteSession").WithSummary("Delete a session")
            .WithDescription("Deletes a session; its documents, speakers and source links go with it. A tombstone records the deletion for incremental sync.")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/sessions", ListTerritorySessions).WithTags("Territories")
            .WithName("listTerritorySessions").WithSummary("List the sessions that featured a territory")
            .WithDescription("The sessions that featured a territory, ordered by number then id, paged. Filter: year.");
        app.MapGet("/v1/actors/{id}/sessions", ListActorSessions).WithTags("Actors")
            .WithName("listActorSessions").WithSummary("List an actor's sessions")
            .WithDescription("The sessions where an actor spoke or that it co-organised, ordered by number then id, paged. Filter: year.");
        return app;
    }

    public static readonly string[] Formats = ["inaugural", "territorial", "thematic"];
    public static readonly string[] DatePrecisions = ["day", "month", "year"];
    public static readonly string[] LinkKinds = ["presentation", "report", "video", "minutes"];

    private const string SelectSummaries = """
        select s.id, s.number, s.date, s.date_precision, s.title, s.format, s.territory_id, s.updated_at, s.version
        from sessions s
        where (@territory::text is null or s.territory_id = @territory)
          and (@year::int is null or (s.date >= make_date(@year, 1, 1) and s.date < make_date(@year + 1, 1, 1)))
          and (@actor::text is null or s.partner_actor_id = @actor
               or exists (select 1 from session_speakers sp where sp.session_id = s.id and sp.actor_id = @actor))
          and (@afterId::text is null
               or (@afterNumber::int is null and s.number is null and s.id > @afterId)
               or (@afterNumber::int is not null
                   and (s.number is null or s.number > @afterNumber or (s.number = @afterNumber and s.id > @afterId))))
        order by s.number nulls last, s.id
        limit @take + 1
        """;

    private const string SelectSession = """
        select s.id, s.number, s.date, s.date_precision, s.title, s.format, s.location, s.note, s.created_at, s.updated_at, s.version,
               t.id as territory_id, t.phase as territory_phase, t.code as territory_code, t.name as territory_name,
               p.id as partner_id, p.name as partner_name, p.type as partner_type
        from sessions s
        left join territories t on t.id = s.territory_id
        left join actors p on p.id = s.partner_actor_id
        where s.id = @id;

        select l.kind, l.url, l.title
        from session_links l
        where l.session_id = @id
        order by l.position;

        select a.id, a.name, a.type, sp.role
        from session_speakers sp join actors a on a.id = sp.actor_id
        where sp.session_id = @id
        order by sp.position;

        select s.id, s.url, s.title, s.publisher, s.seen_on
        from session_sources x join sources s on s.id = x.source_id
        where x.session_id = @id
        order by s.id;
        """;

    private const string InsertSession = """
        with inserted as (
            insert into sessions (id, number, date, date_precision, title, format, territory_id, partner_actor_id, location, note)
            values (@Id, @Number, @Date::date, @DatePrecision, @Title, @Format, @TerritoryId, @PartnerActorId, @Location, @Note)
            on conflict (id) do nothing
            returning id
        ), revived as (
            delete from tombstones where entity = 'sessions' and id in (select id from inserted)
        )
        select id from inserted
        """;

    private const string UpdateSession = """
        update sessions set number = @Number, date = @Date::date, date_precision = @DatePrecision, title = @Title, format = @Format,
            territory_id = @TerritoryId, partner_actor_id = @PartnerActorId, location = @Location, note = @Note
        where id = @Id
        returning id
        """;

    // A session owns its documents, speakers and source links: they are replaced whole, in order.
    private const string ReplaceOwned = """
        delete from session_links where session_id = @Id;
        insert into session_links (session_id, position, kind, url, title)
        select @Id, l.n, l.kind, l.url, l.title
        from unnest(@LinkKinds::text[], @LinkUrls::text[], @LinkTitles::text[]) with ordinality as l(kind, url, title, n);
        delete from session_speakers where session_id = @Id;
        insert into session_speakers (session_id, actor_id, role, position)
        select @Id, s.actor_id, s.role, s.n
        from unnest(@SpeakerActorIds::text[], @SpeakerRoles::text[]) with ordinality as s(actor_id, role, n);
        delete from session_sources where session_id = @Id;
        insert into session_sources (session_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string SessionWithNumber = "select id from sessions where number = @number";

    private const string DeleteSessionAndLeaveTombstone = """
        with deleted as (delete from sessions where id = @id returning id)
        insert into tombstones (entity, id) select 'sessions', id from deleted
        on conflict (entity, id) do update
            set deleted_at = excluded.deleted_at, change_txid = excluded.change_txid, change_seq = excluded.change_seq
        returning id
        """;

    private const string NumberConstraint = "sessions_number_key";

    public static async Task<Results<Ok<Page<SessionSummary>>, ValidationProblem>> ListSessions(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct,
        int? limit = null, string? cursor = null,
        [Description("Only the sessions that featured this territory, by id, e.g. 2018-ti2707.")] string? territory = null,
        [Description("Only the sessions held in this year (four digits), e.g. 2020.")] int? year = null)
    {
        var (invalid, page) = await PageOf(context, db, ct, limit, cursor, territory, null, year);
        return invalid is null ? TypedResults.Ok(page!) : invalid;
    }

    public static async Task<Results<Ok<Page<SessionSummary>>, NotFoundProblem, ValidationProblem>> ListTerritorySessions(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null,
        [Description("Only the sessions held in this year (four digits), e.g. 2020.")] int? year = null)
    {
        var (invalid, page) = await PageOf(context, db, ct, limit, cursor, id, null, year);
        if (invalid is not null) return invalid;
        if (page!.Items.Count == 0)
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            if (!await References.TerritoryExistsAsync(connection, id, ct)) return Problems.NotFound(context, $"No territory has the id '{id}'.");
        }
        return TypedResults.Ok(page!);
    }

    public static async Task<Results<Ok<Page<SessionSummary>>, NotFoundProblem, ValidationProblem>> ListActorSessions(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null,
        [Description("Only the sessions held in this year (four digits), e.g. 2020.")] int? year = null)
    {
        var (invalid, page) = await PageOf(context, db, ct, limit, cursor, null, id, year);
        if (invalid is not null) return invalid;
        if (page!.Items.Count == 0)
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            if (!await References.ActorExistsAsync(connection, id, ct)) return Problems.NotFound(context, $"No actor has the id '{id}'.");
        }
        return TypedResults.Ok(page!);
    }

    public static async Task<Results<Ok<SessionResponse>, NotFoundProblem>> GetSession(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var session = await ReadSession(db, id, ct);
        if (session is null) return Problems.NotFound(context, $"No session has the id '{id}'.");
        context.Response.Headers.ETag = $"\"{session.Version}\"";
        return TypedResults.Ok(session);
    }

    public static async Task<Results<Created<SessionResponse>, ValidationProblem, ConflictProblem>> CreateSession(
        SessionRequest request, IValidator<SessionRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await Validate(request, validator, context, db, ct) is { } invalid) return invalid;
        var write = SessionWrite.From(request);

        string? id;
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            id = await Ids.ClaimAsync(request.Id, () => write.Number is { } n ? $"seance-{n:00}" : $"seance-{Ids.RandomChars(8)}", candidate =>
                connection.ExecuteScalarAsync<string?>(new CommandDefinition(InsertSession, write with { Id = candidate }, transaction, cancellationToken: ct)));
            if (id is null)
            {
                return Problems.Conflict(context, $"A session with the id '{request.Id}' already exists.", new Dictionary<string, object?> { ["existingId"] = request.Id });
            }
            await connection.ExecuteAsync(new CommandDefinition(ReplaceOwned, write with { Id = id }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == NumberConstraint)
        {
            return await NumberTaken(context, db, write.Number!.Value, ct);
        }

        var created = (await ReadSession(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{created.Version}\"";
        return TypedResults.Created($"/v1/sessions/{id}", created);
    }

    public static async Task<Results<Ok<SessionResponse>, ValidationProblem, NotFoundProblem, ConflictProblem>> ReplaceSession(
        string id, SessionRequest request, IValidator<SessionRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await Validate(request, validator, context, db, ct) is { } invalid) return invalid;
        if (Ids.CheckUnchanged(context, request.Id, id) is { } changed) return changed;
        var write = SessionWrite.From(request) with { Id = id };

        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var updated = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(UpdateSession, write, transaction, cancellationToken: ct));
            if (updated is null) return Problems.NotFound(context, $"No session has the id '{id}'.");
            await connection.ExecuteAsync(new CommandDefinition(ReplaceOwned, write, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == NumberConstraint)
        {
            return await NumberTaken(context, db, write.Number!.Value, ct);
        }

        var replaced = (await ReadSession(db, id, ct))!;
        context.Response.Headers.ETag = $"\"{replaced.Version}\"";
        return TypedResults.Ok(replaced);
    }

    public static Task<Results<NoContent, NotFoundProblem>> DeleteSession(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        References.DeleteAsync(context, db, Collections.Sessions, id, DeleteSessionAndLeaveTombstone, ct);

    // One page of sessions, ordered by number (nulls last) then id: the cursor carries both.
    private static async Task<(ValidationProblem? Invalid, Page<SessionSummary>? Page)> PageOf(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit, string? cursor, string? territory, string? actor, int? year)
    {
        if (Paging.Validate(context, limit, cursor, 2, out var take, out var after) is { } invalid) return (invalid, null);
        if (year is < 1000 or > 9999) return (Problems.Validation(context, "year", "year must be a year of four digits, e.g. 2020."), null);
        int? afterNumber = after is null || after[0].Length == 0 ? null : int.Parse(after[0], CultureInfo.InvariantCulture);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<SummaryRow>(new CommandDefinition(SelectSummaries,
            new { territory, actor, year, afterNumber, afterId = after?[1], take }, cancellationToken: ct))).AsList();
        return (null, Paging.ToPage(context, rows, take, r => [r.Number?.ToString(CultureInfo.InvariantCulture) ?? "", r.Id], ToSummary));
    }

    private static async Task<ConflictProblem> NumberTaken(HttpContext context, NpgsqlDataSource db, int number, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var existing = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(SessionWithNumber, new { number }, cancellationToken: ct));
        return Problems.Conflict(context, $"The session '{existing}' already has the number {number}.", new Dictionary<string, object?> { ["existingId"] = existing });
    }

    private static async Task<ValidationProblem?> Validate(
        SessionRequest request, IValidator<SessionRequest> validator, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(request, ct);
        if (!result.IsValid) return Problems.Validation(context, result.ToDictionary());
        var speakers = request.Speakers ?? [];
        return await References.CheckAsync(context, db, ct,
        [
            References.Field.One("territoryId", Collections.Territories, request.TerritoryId),
            References.Field.One("partnerActorId", Collections.Actors, request.PartnerActorId),
            new References.Field("sourceIds", Collections.Sources, request.SourceIds),
            .. speakers.Select((s, i) => References.Field.One($"speakers[{i}].actorId", Collections.Actors, s.ActorId)),
        ]);
    }

    private static async Task<SessionResponse?> ReadSession(NpgsqlDataSource db, string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(SelectSession, new { id }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<SessionRow>();
        if (row is null) return null;
        var links = (await results.ReadAsync<SessionLink>()).AsList();
        var speakers = (await results.ReadAsync<SpeakerRow>()).Select(s => new SessionSpeaker(new ActorRef(s.Id, s.Name, s.Type), s.Role)).ToList();
        var sources = CitationRow.ToCitations(await results.ReadAsync<CitationRow>());
        return new SessionResponse(row.Id, row.Number, row.Date, row.DatePrecision, row.Title, row.Format,
            row.TerritoryId is null ? null : new TerritoryRef(row.TerritoryId, row.TerritoryPhase!, row.TerritoryCode!, row.TerritoryName!),
            row.PartnerId is null ? null : new ActorRef(row.PartnerId, row.PartnerName!, row.PartnerType!),
            row.Location, row.Note, links, speakers, sources, row.CreatedAt, row.UpdatedAt, row.Version);
    }

    private static SessionSummary ToSummary(SummaryRow r) =>
        new(r.Id, r.Number, r.Date, r.DatePrecision, r.Title, r.Format, r.TerritoryId, r.UpdatedAt, r.Version);

    private class SummaryRow
    {
        public string Id { get; init; } = "";
        public int? Number { get; init; }
        public DateOnly? Date { get; init; }
        public string? DatePrecision { get; init; }
        public string Title { get; init; } = "";
        public string Format { get; init; } = "";
        public string? TerritoryId { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
    }

    private sealed class SessionRow : SummaryRow
    {
        public string? TerritoryPhase { get; init; }
        public string? TerritoryCode { get; init; }
        public string? TerritoryName { get; init; }
        public string? PartnerId { get; init; }
        public string? PartnerName { get; init; }
        public string? PartnerType { get; init; }
        public string? Location { get; init; }
        public string? Note { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    private sealed class SpeakerRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string Type { get; init; } = "";
        public string? Role { get; init; }
    }

    /// <summary>The parameters of a session write, flattened for SQL.</summary>
    private sealed record SessionWrite(
        string Id, int? Number, DateOnly? Date, string? DatePrecision, string Title, string Format, string? TerritoryId, string? PartnerActorId,
        string? Location, string? Note, string[] LinkKinds, string?[] LinkUrls, string?[] LinkTitles,
        string[] SpeakerActorIds, string?[] SpeakerRoles, string[] SourceIds)
    {
        public static SessionWrite From(SessionRequest r)
        {
            var links = r.Links ?? [];
            var speakers = r.Speakers ?? [];
            return new SessionWrite(
                r.Id ?? "", r.Number, r.Date, r.Date is null ? null : r.DatePrecision ?? "day", r.Title!.Trim(), r.Format!,
                r.TerritoryId, r.PartnerActorId, Rules.Clean(r.Location), Rules.Clean(r.Note),
                [.. links.Select(l => l.Kind!)], [.. links.Select(l => Rules.Clean(l.Url))], [.. links.Select(l => Rules.Clean(l.Title))],
                [.. speakers.Select(s => s.ActorId!)], [.. speakers.Select(s => Rules.Clean(s.Role))], [.. r.SourceIds ?? []]);
        }
    }
}
