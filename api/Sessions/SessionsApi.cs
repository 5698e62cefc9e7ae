using System.Diagnostics;
using Dapper;
using FromQueryAttribute = Microsoft.AspNetCore.Mvc.FromQueryAttribute;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Territories;
using Observatoire.Contracts;

namespace Observatoire.Api.Sessions;

public static partial class SessionsApi
{
    /// <summary>The sessions, for the features every collection shares.</summary>
    public static readonly Collection Collection = new(Position: 4, Name: "sessions", Noun: "session", Tag: "Sessions",
        TagDescription: "Séances de l'observatoire: the public sessions in which the observatory studied a territory or a theme.",
        Search: new SearchProjection(Title: "c.title", Snippet: "concat_ws('. ', c.title, c.location, c.note)"),
        Records: RecordReader.Of<SessionResponse>(ReadSession), Seed: SessionsSeed.Seed);

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        app.AddCollection(Collection);
        var api = app.MapGroup("/v1/sessions").WithTags(Collection.Tag).RejectUnknownQueryParameters().ValidateRequests().WithSafeWrites();

        api.MapGet("/", ListSessions).WithSparseFields<SessionSummary>().WithName("listSessions").WithSummary("List sessions")
            .WithDescription("Séances de l'observatoire, ordered by number (sessions without a number last) then id, paged with an opaque cursor (links.next and the Link header). " +
                "Filters: territory, year, from and to (dates, inclusive), sessionFormat, speaker, updatedSince and q (French full-text search in titles, places and notes). " +
                "The total comes with Prefer: count=exact. format=csv (or Accept: text/csv) exports every matching session as CSV; format=ics (or Accept: text/calendar) " +
                "as an iCalendar feed, like /v1/sessions.ics.")
            .WithResponseExample(200, SessionExamples.Page)
            .WithResponseExample(200, SessionExamples.Csv, Exports.CsvMediaType)
            .WithResponseExample(200, SessionExamples.Calendar, Exports.CalendarMediaType)
            .WithListDocs(ListRouteDocs).CacheableRead();
        api.MapFacets(Listing, ListDocs, CountSessionFacets, SessionExamples.Facets);
        app.MapGet("/v1/sessions.ics", SessionsCalendar).WithTags("Sessions").RejectUnknownQueryParameters()
            .WithName("getSessionsCalendar").WithSummary("Subscribe to the sessions as a calendar")
            .WithDescription("The sessions as an iCalendar feed (RFC 5545, text/calendar) that a calendar application can subscribe to: one all-day event per session " +
                "held on a known day, with its title, place, territory, partner and speakers, and the URL of its first document. Sessions known only to the month " +
                "or the year, and sessions without a date, are left out. Takes the filters of /v1/sessions; the events come in date order.")
            .WithResponseExample(200, SessionExamples.Calendar, Exports.CalendarMediaType)
            .WithResponseExample(400, SessionExamples.InvalidDateProblem)
            .CacheableRead();
        api.MapGet("/{id}", GetSession).WithName("getSession").WithSummary("Get a session")
            .WithDescription("One session with its featured territory, its partner, its documents, its speakers and its sources.")
            .WithResponseExample(200, SessionExamples.Response)
            .CacheableRecordRead(Collection);
        api.MapPost("/", CreateSession).WithName("createSession").WithSummary("Create a session")
            .WithDescription("Creates a session with its documents and speakers. Its id is the one given, or else \"seance-NN\" from its number, or else generated. The number is unique.")
            .WithRequestExample(SessionExamples.Request).WithResponseExample(201, SessionExamples.Response).RequireApiKey();
        api.MapPut("/{id}", ReplaceSession).WithName("replaceSession").WithSummary("Replace a session")
            .WithDescription("Replaces every field of a session; its documents, speakers and sources are replaced with it. The id cannot change.")
            .WithRequestExample(SessionExamples.Request).WithResponseExample(200, SessionExamples.Response).RequireApiKey();
        api.MapDelete("/{id}", DeleteSession).WithName("deleteSession").WithSummary("Delete a session")
            .WithDescription("Deletes a session; its documents, speakers and source links go with it. A tombstone records the deletion for incremental sync.")
            .RequireApiKey();

        app.MapGet("/v1/territories/{id}/sessions", ListTerritorySessions).WithSparseFields<SessionSummary>().WithTags("Territories").RejectUnknownQueryParameters()
            .WithName("listTerritorySessions").WithSummary("List the sessions that featured a territory")
            .WithDescription("The sessions that featured a territory, ordered by number then id, paged. Takes the filters, sorts and formats of /v1/sessions (CSV, iCalendar), territory aside.")
            .WithResponseExample(200, SessionExamples.TerritoryPage)
            .WithResponseExample(200, SessionExamples.Csv, Exports.CsvMediaType)
            .WithResponseExample(200, SessionExamples.Calendar, Exports.CalendarMediaType)
            .WithListDocs(RelationListDocs).CacheableRead();
        app.MapGet("/v1/actors/{id}/sessions", ListActorSessions).WithSparseFields<SessionSummary>().WithTags("Actors").RejectUnknownQueryParameters()
            .WithName("listActorSessions").WithSummary("List an actor's sessions")
            .WithDescription("The sessions where an actor spoke or that it co-organised, ordered by number then id, paged. Takes the filters, sorts and formats of /v1/sessions (CSV, iCalendar), speaker aside.")
            .WithResponseExample(200, SessionExamples.ActorPage)
            .WithResponseExample(200, SessionExamples.Csv, Exports.CsvMediaType)
            .WithResponseExample(200, SessionExamples.Calendar, Exports.CalendarMediaType)
            .WithListDocs(RelationListDocs).CacheableRead();
        return app;
    }

    private const string SummaryColumns = """
        s.id, s.number, s.date, s.date_precision, s.title, s.format, s.territory_id, s.updated_at, s.version
        """;

    // Each filter is a condition on its own parameter; only the filters a request gives reach the SQL. @actor is the
    // actor of /v1/actors/{id}/sessions: a speaker or the partner.
    private static readonly Dictionary<string, string> ListFilters = new()
    {
        ["territory"] = "s.territory_id = @territory",
        ["year"] = "s.date >= make_date(@year, 1, 1) and s.date < make_date(@year + 1, 1, 1)",
        ["from"] = "s.date >= @from::date",
        ["to"] = "s.date <= @to::date",
        ["sessionFormat"] = "s.format = @sessionFormat",
        ["speaker"] = "exists (select 1 from session_speakers sp where sp.session_id = s.id and sp.actor_id = @speaker)",
        ["actor"] = """
            (s.partner_actor_id = @actor
             or exists (select 1 from session_speakers sp where sp.session_id = s.id and sp.actor_id = @actor))
            """,
    };

    // Number and date may be null: such sessions sort as if after every other (last ascending, first descending),
    // which keeps the keyset comparisons total.
    private static readonly Dictionary<string, Querying.SortKey<SummaryRow>> SortKeys = new()
    {
        ["number"] = new("coalesce(s.number, 2147483647)", "integer", r => r.Number ?? int.MaxValue),
        ["date"] = new("coalesce(s.date, 'infinity'::date)", "date", r => r.Date is { } date ? date : "infinity"),
        ["title"] = new("s.title", "text", r => r.Title),
    };

    // The calendar holds the sessions known to the day, in date order, each with what its event describes.
    private static string SelectForCalendar(ListQuery<SummaryRow> list) => $"""
        select s.id, s.number, s.date, s.title, s.format, s.location, s.updated_at, s.version,
               t.name as territory_name, p.name as partner_name,
               (select l.url from session_links l where l.session_id = s.id and l.url is not null order by l.position limit 1) as url,
               array(select a.name || coalesce(' (' || sp.role || ')', '')
                     from session_speakers sp join actors a on a.id = sp.actor_id
                     where sp.session_id = s.id order by sp.position) as speakers
        from sessions s
        left join territories t on t.id = s.territory_id
        left join actors p on p.id = s.partner_actor_id
        {list.Where("s.date_precision = 'day'")}
        order by s.date, s.id
        """;

    // Besides CSV, the sessions known to the day as an iCalendar feed.
    private static readonly Listing<SummaryRow, SessionSummary> Listing = new(Collection, "s", SummaryColumns, ListFilters, SortKeys, "number", ToSummary,
        new("sessions.csv", ["id", "number", "date", "datePrecision", "title", "format", "territoryId", "updatedAt", "version"],
            r => [r.Id, r.Number, r.Date, r.DatePrecision, r.Title, r.Format, r.TerritoryId, r.UpdatedAt, r.Version]))
    {
        Other = new(ExportFormat.Calendar, (db, list) => new SessionCalendarResult(db, (connection, token) => connection
            .QueryUnbufferedAsync<CalendarRow>(SelectForCalendar(list), list.Parameters).Select(r => r.ToEvent()))),
        // The year as the year filter reads it: a session known to the year or the month is dated on its first day.
        Facets = new Dictionary<string, Facet> { ["year"] = new("extract(year from s.date)::int"), ["sessionFormat"] = new("s.format") },
    };

    /// <summary>The filters of the session list under a territory: the list's own but the territory, which its path gives.</summary>
    public record FiltersUnderTerritory
    {
        /// <summary>Only the sessions held in this year (four digits), e.g. 2020.</summary>
        [FromQuery(Name = "year")] public int? Year { get; init; }

        /// <summary>Only the sessions held on or after this day (YYYY-MM-DD).</summary>
        [FromQuery(Name = "from")] public DateOnly? From { get; init; }

        /// <summary>Only the sessions held on or before this day (YYYY-MM-DD).</summary>
        [FromQuery(Name = "to")] public DateOnly? To { get; init; }

        /// <summary>Only the sessions of this format: inaugural, territorial or thematic.</summary>
        [FromQuery(Name = "sessionFormat"), OneOf(nameof(Vocabulary.SessionFormats))] public string? SessionFormat { get; init; }

        /// <summary>Only the sessions where this actor spoke, by id, e.g. person-016.</summary>
        [FromQuery(Name = "speaker")] public string? Speaker { get; init; }
    }

    /// <summary>The filters of the session list, as the list, its calendar and its facets read them.</summary>
    public sealed record FilterParameters : FiltersUnderTerritory
    {
        /// <summary>Only the sessions that featured this territory, by id, e.g. 2018-ti5209.</summary>
        [FromQuery(Name = "territory")] public string? Territory { get; init; }
    }

    // The counts of the session list's facets, under its filters.
    internal static Task<Results<Ok<FacetCounts>, ValidationProblem>> CountSessionFacets(
        HttpContext context, NpgsqlDataSource db, [AsParameters] FilterParameters filters, [AsParameters] FacetParameters search, CancellationToken ct) =>
        Facets.ReadAsync(context, db, Listing, filters, search, () => CheckDates(context, filters), ct);

    private static readonly ListParameters.Docs ListDocs = new(
        UpdatedSince: "Only sessions changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z. updatedAt is when the writing transaction began, so a write that commits late can carry an earlier time than one already read, and deletions do not show here: to keep a copy exactly in sync, read /v1/changes.",
        Q: "Search in titles, places and notes, in French: case, accents and hyphens do not matter, \"St\" reads as Saint; words are prefixes.",
        Sort: "Sort keys, comma-separated, - for descending: number, date, title, updatedAt, id, relevance (with q). Default: number, or -relevance with q. The id always breaks ties. Sessions without a number (or a date) sort after the others ascending, before them descending.",
        Format: "json (default), csv or ics; overrides the Accept header (application/json, text/csv, text/calendar). CSV and iCalendar hold every matching session, unpaged; iCalendar only those known to the day, in date order.",
        Delimiter: "CSV delimiter: ; (default, for French spreadsheets), comma, tab or pipe.",
        Cursor: "Opaque cursor from links.next of the previous page.");

    // The list spells out how its date and format filters read the sessions; its other routes keep them short.
    private static readonly ListParameters.Docs ListRouteDocs = ListDocs with
    {
        Filters = new Dictionary<string, string>
        {
            ["from"] = "Only the sessions held on or after this day (YYYY-MM-DD). Sessions without a date never match; one known to the month or the year counts as held on the first day of it.",
            ["to"] = "Only the sessions held on or before this day (YYYY-MM-DD), with from's rules.",
            ["sessionFormat"] = "Only the sessions of this format: inaugural, territorial (about one territory) or thematic.",
        },
    };

    private static readonly ListParameters.Docs RelationListDocs = new(
        UpdatedSince: "Only sessions changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z.",
        Q: "Search in titles, places and notes, in French: case, accents and hyphens do not matter; words are prefixes.",
        Sort: "Sort keys, comma-separated, - for descending: number, date, title, updatedAt, id, relevance (with q). Default: number, or -relevance with q. The id always breaks ties.",
        Format: "json (default), csv or ics; overrides the Accept header (application/json, text/csv, text/calendar). CSV and iCalendar are unpaged.",
        Delimiter: "CSV delimiter: ; (default), comma, tab or pipe.",
        Cursor: "Opaque cursor from links.next of the previous page.");

    public static async Task<Results<Ok<Page<SessionSummary>>, CsvResult, SessionCalendarResult, ValidationProblem>> ListSessions(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FilterParameters filters, [AsParameters] ListParameters list) =>
        Lists.Unscoped(await ReadAsync(context, db, null, filters, list, ct));

    /// <param name="updatedSince">Only sessions changed after this instant: an RFC 3339 date-time with its offset, e.g. 2026-11-26T09:00:00Z.</param>
    /// <param name="q">Search in titles, places and notes, in French: case, accents and hyphens do not matter, "St" reads as Saint; words are prefixes.</param>
    public static async Task<Results<SessionCalendarResult, ValidationProblem>> SessionsCalendar(
        HttpContext context, NpgsqlDataSource db, CancellationToken ct,
        [AsParameters] FilterParameters filters, Rfc3339DateTime? updatedSince = null, string? q = null)
    {
        var answer = await ReadAsync(context, db, null, filters, new ListParameters { UpdatedSince = updatedSince, Q = q, Format = "ics" }, ct);
        return answer.Result switch
        {
            SessionCalendarResult calendar => calendar,
            ValidationProblem invalid => invalid,
            _ => throw new UnreachableException("format=ics answers a calendar or a problem."),
        };
    }

    /// <param name="id">Territory id, e.g. 2018-ti5209.</param>
    public static Task<Results<Ok<Page<SessionSummary>>, CsvResult, SessionCalendarResult, NotFoundProblem, ValidationProblem>> ListTerritorySessions(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, [AsParameters] FiltersUnderTerritory filters, [AsParameters] ListParameters list) =>
        ReadAsync(context, db, ListScope.Territory(id), filters, list, ct);

    // The list under an actor takes the list's filters but the speaker, with the territory first as the list has it: an
    // [AsParameters] record lists a derived record's own properties before its base's, so no record of the list's
    // can bind that set in that order; it names them here.
    /// <param name="id">Actor id, e.g. person-016 or ecole-de-paris-du-management.</param>
    /// <param name="territory">Only the sessions that featured this territory, by id, e.g. 2018-ti5209.</param>
    /// <param name="year">Only the sessions held in this year (four digits), e.g. 2020.</param>
    /// <param name="from">Only the sessions held on or after this day (YYYY-MM-DD).</param>
    /// <param name="to">Only the sessions held on or before this day (YYYY-MM-DD).</param>
    /// <param name="sessionFormat">Only the sessions of this format: inaugural, territorial or thematic.</param>
    public static Task<Results<Ok<Page<SessionSummary>>, CsvResult, SessionCalendarResult, NotFoundProblem, ValidationProblem>> ListActorSessions(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, string? territory, int? year, DateOnly? from, DateOnly? to,
        [OneOf(nameof(Vocabulary.SessionFormats))] string? sessionFormat, [AsParameters] ListParameters list) =>
        ReadAsync(context, db, ListScope.Actor(id),
            new FilterParameters { Territory = territory, Year = year, From = from, To = to, SessionFormat = sessionFormat }, list, ct);

    /// <summary>A session list in any of its representations; <paramref name="scope"/>, the territory or actor of a relation route, sets that filter.</summary>
    private static Task<Results<Ok<Page<SessionSummary>>, CsvResult, SessionCalendarResult, NotFoundProblem, ValidationProblem>> ReadAsync(
        HttpContext context, NpgsqlDataSource db, ListScope? scope, FiltersUnderTerritory filters, ListParameters list, CancellationToken ct) =>
        Lists.ReadAsync<SummaryRow, SessionSummary, SessionCalendarResult>(context, db, Listing, list, filters, scope, () => CheckDates(context, filters), ct);

    private static ValidationProblem? CheckDates(HttpContext context, FiltersUnderTerritory filters)
    {
        if (filters.Year is < 1000 or > 9999) return Problems.Validation(context, "year", "year must be a year of four digits, e.g. 2020.");
        return filters.From is { } first && filters.To is { } last && last < first
            ? Problems.Validation(context, "to", "to must not be before from: both days are included.")
            : null;
    }

    private static SessionSummary ToSummary(SummaryRow r) =>
        new(r.Id, r.Number, r.Date, r.DatePrecision, r.Title, r.Format, r.TerritoryId, r.UpdatedAt, r.Version);

    private class SummaryRow : IListRow
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
        public float Rank { get; init; }
    }

    private sealed class CalendarRow
    {
        public string Id { get; init; } = "";
        public int? Number { get; init; }
        public DateOnly Date { get; init; }
        public string Title { get; init; } = "";
        public string Format { get; init; } = "";
        public string? Location { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
        public string? TerritoryName { get; init; }
        public string? PartnerName { get; init; }
        public string? Url { get; init; }
        public string[] Speakers { get; init; } = [];

        public SessionCalendar.Event ToEvent() => new(
            Id, Date, Title, Location, SessionCalendar.Describe(Number, Format, TerritoryName, PartnerName, Speakers), Url, UpdatedAt, Version);
    }
}
