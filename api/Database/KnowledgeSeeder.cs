using System.Globalization;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

/// <summary>
/// Loads the sources of the territory lists (seeds/territories/sources.csv) and the knowledge base
/// (seeds/knowledge, see its NOTES.md) in the seeding transaction, after the territories. Same pattern as
/// the territories: COPY into temporary tables, then upserts that only rewrite a row when a value differs.
/// Links are added, never removed; a record that gains a link is touched so that its version increments.
/// </summary>
public static class KnowledgeSeeder
{
    public static async Task<string> SeedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string directory, IReadOnlyList<Seeder.SeedTerritory> territories, CancellationToken ct)
    {
        var data = Read(directory, territories);
        await connection.ExecuteAsync(CreateStaging, transaction: transaction);

        await Seeder.CopyAsync(connection, "copy seed_sources (id, url, title, publisher, seen_on) from stdin (format binary)", data.Sources, async (w, s) =>
        {
            await w.WriteAsync(s.Id, ct); await w.WriteAsync(s.Url, ct); await Text(w, s.Title, ct); await Text(w, s.Publisher, ct);
            await Seeder.WriteNullable(w, s.SeenOn, NpgsqlDbType.Date, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_actors (id, type, category, name, role, organisation, website) from stdin (format binary)", data.Actors, async (w, a) =>
        {
            await w.WriteAsync(a.Id, ct); await w.WriteAsync(a.Type, ct); await w.WriteAsync(a.Category, ct); await w.WriteAsync(a.Name, ct);
            await Text(w, a.Role, ct); await Text(w, a.Organisation, ct); await Text(w, a.Website, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_resources (id, kind, name, description, territory_id, tags) from stdin (format binary)", data.Resources, async (w, r) =>
        {
            await w.WriteAsync(r.Id, ct); await w.WriteAsync(r.Kind, ct); await w.WriteAsync(r.Name, ct); await Text(w, r.Description, ct);
            await w.WriteAsync(r.TerritoryId, ct); await w.WriteAsync(r.Tags, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_projects (id, name, territory_id, description, status, year) from stdin (format binary)", data.Projects, async (w, p) =>
        {
            await w.WriteAsync(p.Id, ct); await w.WriteAsync(p.Name, ct); await w.WriteAsync(p.TerritoryId, ct); await Text(w, p.Description, ct);
            await Text(w, p.Status, ct); await Seeder.WriteNullable(w, p.Year, NpgsqlDbType.Integer, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_sessions (id, number, date, date_precision, title, format, territory_id, partner_actor_id, location, note) from stdin (format binary)",
            data.Sessions, async (w, s) =>
            {
                await w.WriteAsync(s.Id, ct); await w.WriteAsync(s.Number, NpgsqlDbType.Integer, ct);
                await Seeder.WriteNullable(w, s.Date, NpgsqlDbType.Date, ct); await Text(w, s.DatePrecision, ct);
                await w.WriteAsync(s.Title, ct); await w.WriteAsync(s.Format, ct); await Text(w, s.TerritoryId, ct); await Text(w, s.PartnerActorId, ct);
                await Text(w, s.Location, ct); await Text(w, s.Note, ct);
            }, ct);
        await Seeder.CopyAsync(connection, "copy seed_figures (id, territory_id, label, value_text, value_numeric, unit, reference_date) from stdin (format binary)", data.Figures, async (w, f) =>
        {
            await w.WriteAsync(f.Id, ct); await w.WriteAsync(f.TerritoryId, ct); await w.WriteAsync(f.Label, ct); await w.WriteAsync(f.ValueText, ct);
            await Seeder.WriteNullable(w, f.ValueNumeric, NpgsqlDbType.Numeric, ct); await Text(w, f.Unit, ct); await Text(w, f.ReferenceDate, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_links (link, owner_id, target_id) from stdin (format binary)", data.Links, async (w, l) =>
        {
            await w.WriteAsync(l.Link, ct); await w.WriteAsync(l.OwnerId, ct); await w.WriteAsync(l.TargetId, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_session_links (session_id, position, kind, url, title) from stdin (format binary)", data.SessionLinks, async (w, l) =>
        {
            await w.WriteAsync(l.SessionId, ct); await w.WriteAsync(l.Position, NpgsqlDbType.Integer, ct); await w.WriteAsync(l.Kind, ct);
            await Text(w, l.Url, ct); await Text(w, l.Title, ct);
        }, ct);
        await Seeder.CopyAsync(connection, "copy seed_session_speakers (session_id, actor_id, role, position) from stdin (format binary)", data.Speakers, async (w, s) =>
        {
            await w.WriteAsync(s.SessionId, ct); await w.WriteAsync(s.ActorId, ct); await Text(w, s.Role, ct);
            await w.WriteAsync(s.Position, NpgsqlDbType.Integer, ct);
        }, ct);

        var written = 0;
        foreach (var upsert in Upserts)
        {
            written += await connection.ExecuteScalarAsync<int>(new CommandDefinition(upsert, transaction: transaction, cancellationToken: ct));
        }

        return $"{data.Sources.Count} sources, {data.Actors.Count} actors, {data.Resources.Count} resources, {data.Projects.Count} projects, " +
               $"{data.Sessions.Count} sessions, {data.Figures.Count} figures ({written} rows written)";
    }

    private const string CreateStaging = """
        create temporary table seed_sources (id text, url text, title text, publisher text, seen_on date) on commit drop;
        create temporary table seed_actors (id text, type text, category text, name text, role text, organisation text, website text) on commit drop;
        create temporary table seed_resources (id text, kind text, name text, description text, territory_id text, tags text[]) on commit drop;
        create temporary table seed_projects (id text, name text, territory_id text, description text, status text, year integer) on commit drop;
        create temporary table seed_sessions (id text, number integer, date date, date_precision text, title text, format text,
            territory_id text, partner_actor_id text, location text, note text) on commit drop;
        create temporary table seed_figures (id text, territory_id text, label text, value_text text, value_numeric numeric, unit text,
            reference_date text) on commit drop;
        -- Every two-column link, named by its table.
        create temporary table seed_links (link text, owner_id text, target_id text) on commit drop;
        create temporary table seed_session_links (session_id text, position integer, kind text, url text, title text) on commit drop;
        create temporary table seed_session_speakers (session_id text, actor_id text, role text, position integer) on commit drop;
        """;

    // Records first, in the order of their foreign keys, then links. Each statement returns the number of rows it wrote.
    private static readonly string[] Upserts =
    [
        """
        with written as (
            insert into sources (id, url, title, publisher, seen_on)
            select id, url, title, publisher, seen_on from seed_sources
            on conflict (id) do update set url = excluded.url, title = excluded.title, publisher = excluded.publisher, seen_on = excluded.seen_on
            where (sources.url, sources.title, sources.publisher, sources.seen_on)
                is distinct from (excluded.url, excluded.title, excluded.publisher, excluded.seen_on)
            returning 1
        ) select count(*)::int from written
        """,
        """
        with written as (
            insert into actors (id, type, category, name, role, organisation, website)
            select id, type, category, name, role, organisation, website from seed_actors
            on conflict (id) do update set type = excluded.type, category = excluded.category, name = excluded.name, role = excluded.role,
                organisation = excluded.organisation, website = excluded.website
            where (actors.type, actors.category, actors.name, actors.role, actors.organisation, actors.website)
                is distinct from (excluded.type, excluded.category, excluded.name, excluded.role, excluded.organisation, excluded.website)
            returning 1
        ) select count(*)::int from written
        """,
        """
        with written as (
            insert into resources (id, kind, name, description, territory_id, tags)
            select id, kind, name, description, territory_id, tags from seed_resources
            on conflict (id) do update set kind = excluded.kind, name = excluded.name, description = excluded.description,
                territory_id = excluded.territory_id, tags = excluded.tags
            where (resources.kind, resources.name, resources.description, resources.territory_id, resources.tags)
                is distinct from (excluded.kind, excluded.name, excluded.description, excluded.territory_id, excluded.tags)
            returning 1
        ) select count(*)::int from written
        """,
        """
        with written as (
            insert into projects (id, name, territory_id, description, status, year)
            select id, name, territory_id, description, status, year from seed_projects
            on conflict (id) do update set name = excluded.name, territory_id = excluded.territory_id, description = excluded.description,
                status = excluded.status, year = excluded.year
            where (projects.name, projects.territory_id, projects.description, projects.status, projects.year)
                is distinct from (excluded.name, excluded.territory_id, excluded.description, excluded.status, excluded.year)
            returning 1
        ) select count(*)::int from written
        """,
        """
        with written as (
            insert into sessions (id, number, date, date_precision, title, format, territory_id, partner_actor_id, location, note)
            select id, number, date, date_precision, title, format, territory_id, partner_actor_id, location, note from seed_sessions
            on conflict (id) do update set number = excluded.number, date = excluded.date, date_precision = excluded.date_precision,
                title = excluded.title, format = excluded.format, territory_id = excluded.territory_id,
                partner_actor_id = excluded.partner_actor_id, location = excluded.location, note = excluded.note
            where (sessions.number, sessions.date, sessions.date_precision, sessions.title, sessions.format, sessions.territory_id,
                   sessions.partner_actor_id, sessions.location, sessions.note)
                is distinct from (excluded.number, excluded.date, excluded.date_precision, excluded.title, excluded.format, excluded.territory_id,
                   excluded.partner_actor_id, excluded.location, excluded.note)
            returning 1
        ) select count(*)::int from written
        """,
        """
        with written as (
            insert into figures (id, territory_id, label, value_text, value_numeric, unit, reference_date)
            select id, territory_id, label, value_text, value_numeric, unit, reference_date from seed_figures
            on conflict (id) do update set territory_id = excluded.territory_id, label = excluded.label, value_text = excluded.value_text,
                value_numeric = excluded.value_numeric, unit = excluded.unit, reference_date = excluded.reference_date
            where (figures.territory_id, figures.label, figures.value_text, figures.value_numeric, figures.unit, figures.reference_date)
                is distinct from (excluded.territory_id, excluded.label, excluded.value_text, excluded.value_numeric, excluded.unit, excluded.reference_date)
            returning 1
        ) select count(*)::int from written
        """,
        AddLinks("territory_sources", "territory_id", "source_id", "territories"),
        AddLinks("actor_territories", "actor_id", "territory_id", "actors"),
        AddLinks("actor_sources", "actor_id", "source_id", "actors"),
        AddLinks("resource_actors", "resource_id", "actor_id", "resources"),
        AddLinks("resource_sources", "resource_id", "source_id", "resources"),
        AddLinks("project_resources", "project_id", "resource_id", "projects"),
        AddLinks("project_actors", "project_id", "actor_id", "projects"),
        AddLinks("project_sources", "project_id", "source_id", "projects"),
        AddLinks("session_sources", "session_id", "source_id", "sessions"),
        AddLinks("figure_sources", "figure_id", "source_id", "figures"),
        """
        with written as (
            insert into session_links (session_id, position, kind, url, title)
            select session_id, position, kind, url, title from seed_session_links
            on conflict (session_id, position) do update set kind = excluded.kind, url = excluded.url, title = excluded.title
            where (session_links.kind, session_links.url, session_links.title) is distinct from (excluded.kind, excluded.url, excluded.title)
            returning session_id
        ), touched as (
            update sessions set version = version
            where id in (select session_id from written) and change_txid <> pg_current_xact_id()
        ) select count(*)::int from written
        """,
        """
        with written as (
            insert into session_speakers (session_id, actor_id, role, position)
            select session_id, actor_id, role, position from seed_session_speakers
            on conflict (session_id, actor_id) do update set role = excluded.role, position = excluded.position
            where (session_speakers.role, session_speakers.position) is distinct from (excluded.role, excluded.position)
            returning session_id
        ), touched as (
            update sessions set version = version
            where id in (select session_id from written) and change_txid <> pg_current_xact_id()
        ) select count(*)::int from written
        """,
    ];

    // A link added to a record written in an earlier transaction touches the record (the trigger increments its version).
    private static string AddLinks(string table, string ownerColumn, string targetColumn, string ownerTable) => $"""
        with written as (
            insert into {table} ({ownerColumn}, {targetColumn})
            select owner_id, target_id from seed_links where link = '{table}'
            on conflict do nothing
            returning {ownerColumn}
        ), touched as (
            update {ownerTable} set version = version
            where id in (select {ownerColumn} from written) and change_txid <> pg_current_xact_id()
        ) select count(*)::int from written
        """;

    private static Task Text(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        Seeder.WriteNullable(w, value, NpgsqlDbType.Text, ct);

    public sealed record SeedSource(string Id, string Url, string? Title, string? Publisher, DateOnly? SeenOn);

    public sealed record SeedActor(string Id, string Type, string Category, string Name, string? Role, string? Organisation, string? Website);

    public sealed record SeedResource(string Id, string Kind, string Name, string? Description, string TerritoryId, string[] Tags);

    public sealed record SeedProject(string Id, string Name, string TerritoryId, string? Description, string? Status, int? Year);

    public sealed record SeedSession(
        string Id, int Number, DateOnly? Date, string? DatePrecision, string Title, string Format, string? TerritoryId, string? PartnerActorId,
        string? Location, string? Note);

    public sealed record SeedFigure(
        string Id, string TerritoryId, string Label, string ValueText, decimal? ValueNumeric, string? Unit, string? ReferenceDate);

    /// <summary>A row of a two-column link table, e.g. ("actor_territories", "fc-lab", "2018-ti2707").</summary>
    public sealed record SeedLink(string Link, string OwnerId, string TargetId);

    public sealed record SeedSessionLink(string SessionId, int Position, string Kind, string? Url, string? Title);

    public sealed record SeedSpeaker(string SessionId, string ActorId, string? Role, int Position);

    public sealed record KnowledgeSeed(
        List<SeedSource> Sources, List<SeedActor> Actors, List<SeedResource> Resources, List<SeedProject> Projects,
        List<SeedSession> Sessions, List<SeedFigure> Figures, List<SeedLink> Links, List<SeedSessionLink> SessionLinks, List<SeedSpeaker> Speakers);

    /// <summary>The id of the session with this number: "seance-01" … "seance-15".</summary>
    public static string SessionId(int number) => $"seance-{number:00}";

    /// <summary>Reads the seed files and checks that every id they refer to exists in them (or among the territories).</summary>
    public static KnowledgeSeed Read(string directory, IReadOnlyList<Seeder.SeedTerritory> territories)
    {
        string Knowledge(string file) => Path.Combine(directory, "knowledge", file);
        var territoryIds = territories.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var links = new List<SeedLink>();

        var sources = new List<SeedSource>();
        foreach (var r in Csv.Read(Path.Combine(directory, "territories", "sources.csv")))
        {
            sources.Add(new SeedSource(r["id"], r["url"], Csv.NullIfEmpty(r["title"]), Csv.NullIfEmpty(r["publisher"]), ParseDate(r["seen_on"])));
            var phases = Csv.List(r["phases"]);
            links.AddRange(territories.Where(t => phases.Contains(t.Phase)).Select(t => new SeedLink("territory_sources", t.Id, r["id"])));
        }
        sources.AddRange(Csv.Read(Knowledge("sources.csv")).Select(r =>
            new SeedSource(r["id"], r["url"], Csv.NullIfEmpty(r["title"]), Csv.NullIfEmpty(r["publisher"]), ParseDate(r["seen_on"]))));
        var sourceIds = Unique(sources.Select(s => s.Id), "sources");

        var actors = new List<SeedActor>();
        foreach (var r in Csv.Read(Knowledge("actors.csv")))
        {
            actors.Add(new SeedActor(r["id"], r["type"], r["category"], r["name"], Csv.NullIfEmpty(r["role"]), Csv.NullIfEmpty(r["organisation"]), Csv.NullIfEmpty(r["website"])));
            links.AddRange(Territories(r["territory_codes"]).Select(t => new SeedLink("actor_territories", r["id"], t)));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("actor_sources", r["id"], s)));
        }
        var actorIds = Unique(actors.Select(a => a.Id), "actors");
        foreach (var person in actors.Where(a => a.Type == "person"))
        {
            if (!person.Id.StartsWith(Ids.PersonPrefix, StringComparison.Ordinal) || person.Website is not null)
            {
                throw new InvalidDataException($"actors.csv: the person '{person.Id}' needs an opaque id (person-…) and no website.");
            }
        }

        var resources = new List<SeedResource>();
        foreach (var r in Csv.Read(Knowledge("resources.csv")))
        {
            resources.Add(new SeedResource(r["id"], r["kind"], r["name"], Csv.NullIfEmpty(r["description"]), Territory(r["territory_code"]), Csv.List(r["tags"])));
            links.AddRange(Csv.List(r["actor_ids"]).Select(a => new SeedLink("resource_actors", r["id"], a)));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("resource_sources", r["id"], s)));
        }
        var resourceIds = Unique(resources.Select(r => r.Id), "resources");

        var projects = new List<SeedProject>();
        foreach (var r in Csv.Read(Knowledge("projects.csv")))
        {
            projects.Add(new SeedProject(r["id"], r["name"], Territory(r["territory_code"]), Csv.NullIfEmpty(r["description"]),
                Csv.NullIfEmpty(r["status"]), ParseInt(r["year"])));
            links.AddRange(Csv.List(r["resource_ids"]).Select(x => new SeedLink("project_resources", r["id"], x)));
            links.AddRange(Csv.List(r["actor_ids"]).Select(a => new SeedLink("project_actors", r["id"], a)));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("project_sources", r["id"], s)));
        }
        Unique(projects.Select(p => p.Id), "projects");

        var sessions = new List<SeedSession>();
        foreach (var r in Csv.Read(Knowledge("sessions.csv")))
        {
            var number = ParseInt(r["number"]) ?? throw new InvalidDataException($"sessions.csv: a session has no number ('{r["title"]}').");
            var id = SessionId(number);
            var territory = Csv.NullIfEmpty(r["territory_code"]);
            sessions.Add(new SeedSession(id, number, ParseDate(r["date"]), Csv.NullIfEmpty(r["date_precision"]), r["title"], r["format"],
                territory is null ? null : Territory(territory), Csv.NullIfEmpty(r["partner_actor_id"]), Csv.NullIfEmpty(r["location"]), Csv.NullIfEmpty(r["note"])));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("session_sources", id, s)));
        }
        var sessionIds = Unique(sessions.Select(s => s.Id), "sessions");

        var sessionLinks = Csv.Read(Knowledge("session_links.csv"))
            .GroupBy(r => SessionId(int.Parse(r["session_number"], CultureInfo.InvariantCulture)))
            .SelectMany(g => g.Select((r, i) => new SeedSessionLink(g.Key, i + 1, r["kind"], Csv.NullIfEmpty(r["url"]), Csv.NullIfEmpty(r["title"]))))
            .ToList();
        var speakers = Csv.Read(Knowledge("session_speakers.csv"))
            .GroupBy(r => SessionId(int.Parse(r["session_number"], CultureInfo.InvariantCulture)))
            .SelectMany(g => g.Select((r, i) => new SeedSpeaker(g.Key, r["actor_id"], Csv.NullIfEmpty(r["role"]), i + 1)))
            .ToList();

        var figures = new List<SeedFigure>();
        foreach (var r in Csv.Read(Knowledge("figures.csv")))
        {
            figures.Add(new SeedFigure(r["id"], Territory(r["territory_code"]), r["label"], r["value_text"], ParseDecimal(r["value_numeric"]),
                Csv.NullIfEmpty(r["unit"]), Csv.NullIfEmpty(r["reference_date"])));
            links.AddRange(Csv.List(r["source_ids"]).Select(s => new SeedLink("figure_sources", r["id"], s)));
        }
        Unique(figures.Select(f => f.Id), "figures");

        // Every reference resolves within the seeds, so that a mistake names its file instead of failing a foreign key.
        void Check(string file, string what, IEnumerable<string?> ids, HashSet<string> known)
        {
            var unknown = ids.OfType<string>().Where(id => !known.Contains(id)).Distinct().ToList();
            if (unknown.Count > 0) throw new InvalidDataException($"{file}: unknown {what}: {string.Join(", ", unknown)}.");
        }
        Check("seeds", "source ids", links.Where(l => l.Link.EndsWith("_sources", StringComparison.Ordinal)).Select(l => l.TargetId), sourceIds);
        Check("seeds", "territories", resources.Select(r => r.TerritoryId).Concat(projects.Select(p => p.TerritoryId))
            .Concat(figures.Select(f => f.TerritoryId)).Concat(sessions.Select(s => s.TerritoryId))
            .Concat(links.Where(l => l.Link == "actor_territories").Select(l => l.TargetId)), territoryIds);
        Check("seeds", "actor ids", links.Where(l => l.Link is "resource_actors" or "project_actors").Select(l => l.TargetId)
            .Concat(sessions.Select(s => s.PartnerActorId)).Concat(speakers.Select(s => s.ActorId)), actorIds);
        Check("projects.csv", "resource ids", links.Where(l => l.Link == "project_resources").Select(l => l.TargetId), resourceIds);
        Check("session_links.csv / session_speakers.csv", "session numbers", sessionLinks.Select(l => l.SessionId).Concat(speakers.Select(s => s.SessionId)), sessionIds);

        return new KnowledgeSeed(sources, actors, resources, projects, sessions, figures, links, sessionLinks, speakers);
    }

    private static string Territory(string code) => Seeder.TerritoryId(Seeder.Phase1, code);

    // Facts about a studied territory belong to its 2018-2022 record.
    private static IEnumerable<string> Territories(string codes) => Csv.List(codes).Select(Territory);

    private static HashSet<string> Unique(IEnumerable<string> ids, string collection)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!set.Add(id)) throw new InvalidDataException($"{collection}: the id '{id}' appears twice.");
        }
        return set;
    }

    private static DateOnly? ParseDate(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : DateOnly.ParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int? ParseInt(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : int.Parse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static decimal? ParseDecimal(string value) =>
        string.IsNullOrWhiteSpace(value) ? null : decimal.Parse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
