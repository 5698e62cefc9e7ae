// One session: its read and its writes, each handler beside its SQL.
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Sessions;

public static partial class SessionsApi
{
    private static readonly string SelectSession = $"""
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

        {Citations.OfRecord("session_sources", "session_id")};
        """;

    private const string InsertSession = """
        insert into sessions (id, number, date, date_precision, title, format, territory_id, partner_actor_id, location, note)
        values (@Id, @Number, @Date::date, @DatePrecision, @Title, @Format, @TerritoryId, @PartnerActorId, @Location, @Note)
        on conflict (id) do nothing
        returning id
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
        delete from sessions where id = @id returning id
        """;

    private const string NumberConstraint = "sessions_number_key";

    /// <param name="id">Session id, e.g. seance-09.</param>
    public static Task<Results<Ok<SessionResponse>, NotFoundProblem>> GetSession(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) => Write.GetAsync(context, db, id, ct);

    private static readonly Writes<SessionResponse> Write = new(Collection, InsertSession, UpdateSession, ReplaceOwned, DeleteSessionAndLeaveTombstone, ReadSession);

    public static Task<Results<Created<SessionResponse>, ValidationProblem, ConflictProblem>> CreateSession(
        SessionRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.CreateAsync(context, db, request.Id, SessionWrite.From(request),
            write => write.Number is { } n ? $"seance-{n:00}" : $"seance-{Ids.RandomChars(8)}", ct, NumberUnique(context, db, request, ct));

    public static Task<Results<Ok<SessionResponse>, ValidationProblem, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> ReplaceSession(
        string id, SessionRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.ReplaceAsync(context, db, id, request.Id, SessionWrite.From(request), ct, check: null, unique: NumberUnique(context, db, request, ct));

    // The number is unique: a taken one is a 409 naming the session that has it.
    private static Writes<SessionResponse>.Unique NumberUnique(HttpContext context, NpgsqlDataSource db, SessionRequest request, CancellationToken ct) =>
        new(NumberConstraint, () => NumberTaken(context, db, request.Number!.Value, ct));

    public static Task<Results<NoContent, NotFoundProblem, PreconditionFailedProblem>> DeleteSession(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteAsync(context, db, id, ct);

    /// <summary>The 409 of a create or replace whose number another session holds, naming that session.</summary>
    private static async Task<ConflictProblem> NumberTaken(HttpContext context, NpgsqlDataSource db, int number, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var existing = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(SessionWithNumber, new { number }, cancellationToken: ct));
        return Problems.Conflict(context, $"The session '{existing}' already has the number {number}.", new Dictionary<string, object?> { ["existingId"] = existing });
    }

    private static async Task<SessionResponse?> ReadSession(NpgsqlConnection connection, string id, CancellationToken ct)
    {
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
        string[] SpeakerActorIds, string?[] SpeakerRoles, string[] SourceIds) : IRecordWrite<SessionWrite>
    {
        public SessionWrite WithId(string id) => this with { Id = id };

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
