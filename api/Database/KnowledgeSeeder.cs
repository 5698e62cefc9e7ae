using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Observatoire.Api.Database;

/// <summary>
/// Loads the sources of the territory lists (seeds/territories/sources.csv) and the knowledge base
/// (seeds/knowledge, see its NOTES.md) in the seeding transaction, after the territories. Same pattern as
/// the territories: COPY into temporary tables, then upserts that only rewrite a row when a value differs.
/// Links are added, never removed; a record that gains a link is touched so that its version increments.
/// </summary>
public static partial class KnowledgeSeeder
{
    public static async Task<string> SeedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string directory, IReadOnlyList<Seeder.SeedTerritory> territories, CancellationToken ct)
    {
        var data = Read(directory, territories);
        await connection.ExecuteAsync(CreateStaging, transaction: transaction);

        await Seeder.CopyAsync(connection, "copy seed_sources (id, url, title, publisher, seen_on, vintage) from stdin (format binary)", data.Sources, async (w, s) =>
        {
            await w.WriteAsync(s.Id, ct); await w.WriteAsync(s.Url, ct); await Text(w, s.Title, ct); await Text(w, s.Publisher, ct);
            await Seeder.WriteNullable(w, s.SeenOn, NpgsqlDbType.Date, ct);
            await Seeder.WriteNullable(w, s.Vintage, NpgsqlDbType.Date, ct);
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
        create temporary table seed_sources (id text, url text, title text, publisher text, seen_on date, vintage date) on commit drop;
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
            insert into sources (id, url, title, publisher, seen_on, vintage)
            select id, url, title, publisher, seen_on, vintage from seed_sources
            on conflict (id) do update set url = excluded.url, title = excluded.title, publisher = excluded.publisher, seen_on = excluded.seen_on,
                vintage = excluded.vintage
            where (sources.url, sources.title, sources.publisher, sources.seen_on, sources.vintage)
                is distinct from (excluded.url, excluded.title, excluded.publisher, excluded.seen_on, excluded.vintage)
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
}
