using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>The collections of the API; their names are also the tables' and the tombstones' entity names.</summary>
public static class Collections
{
    public const string Territories = "territories";
    public const string Sources = "sources";
    public const string Actors = "actors";
    public const string Resources = "resources";
    public const string Projects = "projects";
    public const string Sessions = "sessions";
    public const string Figures = "figures";

    /// <summary>"actors" -> "actor", for messages.</summary>
    public static string Noun(string collection) => collection switch
    {
        Territories => "territory",
        Sources => "source",
        Actors => "actor",
        Resources => "resource",
        Projects => "project",
        Sessions => "session",
        Figures => "figure",
        _ => throw new ArgumentOutOfRangeException(nameof(collection), collection, null),
    };
}

/// <summary>A record that refers to another one, listed in the 409 problem of a refused delete.</summary>
/// <param name="Collection">The collection of the referring record, e.g. "sessions".</param>
/// <param name="Id">Its id.</param>
public sealed record ReferringRecord(string Collection, string Id);

/// <summary>
/// The links between records, seen from the referenced side: checks that referenced ids exist before a
/// write (400 naming the field), and refuses to delete a record that others refer to (409 listing them).
/// </summary>
public static class References
{
    public const int MaxListed = 100;

    private const string UnknownTerritories = "select array(select unnest(@ids::text[]) except select id from territories)";
    private const string UnknownSources = "select array(select unnest(@ids::text[]) except select id from sources)";
    private const string UnknownActors = "select array(select unnest(@ids::text[]) except select id from actors)";
    private const string UnknownResources = "select array(select unnest(@ids::text[]) except select id from resources)";
    private const string UnknownProjects = "select array(select unnest(@ids::text[]) except select id from projects)";
    private const string UnknownSessions = "select array(select unnest(@ids::text[]) except select id from sessions)";
    private const string UnknownFigures = "select array(select unnest(@ids::text[]) except select id from figures)";

    // What refers to a record, by the collection of the record. Links a record owns (its sources, an
    // actor's territories, a session's speakers) are listed under the owning record.
    private const string ReferringToTerritory = """
        select 'actors' as collection, actor_id as id from actor_territories where territory_id = @id
        union all select 'resources', id from resources where territory_id = @id
        union all select 'projects', id from projects where territory_id = @id
        union all select 'sessions', id from sessions where territory_id = @id
        union all select 'figures', id from figures where territory_id = @id
        order by 1, 2
        """;

    private const string ReferringToActor = """
        select distinct collection, id from (
            select 'resources' as collection, resource_id as id from resource_actors where actor_id = @id
            union all select 'projects', project_id from project_actors where actor_id = @id
            union all select 'sessions', session_id from session_speakers where actor_id = @id
            union all select 'sessions', id from sessions where partner_actor_id = @id
        ) r
        order by 1, 2
        """;

    private const string ReferringToResource = """
        select 'projects' as collection, project_id as id from project_resources where resource_id = @id
        order by 1, 2
        """;

    private const string ReferringToSource = """
        select 'territories' as collection, territory_id as id from territory_sources where source_id = @id
        union all select 'actors', actor_id from actor_sources where source_id = @id
        union all select 'resources', resource_id from resource_sources where source_id = @id
        union all select 'projects', project_id from project_sources where source_id = @id
        union all select 'sessions', session_id from session_sources where source_id = @id
        union all select 'figures', figure_id from figure_sources where source_id = @id
        order by 1, 2
        """;

    private const string TerritoryExists = "select exists (select 1 from territories where id = @id)";
    private const string ActorExists = "select exists (select 1 from actors where id = @id)";

    /// <summary>One field of a write that refers to records of a collection.</summary>
    public sealed record Field(string Name, string Collection, IReadOnlyCollection<string?>? Ids)
    {
        public static Field One(string name, string collection, string? id) => new(name, collection, id is null ? null : [id]);
    }

    /// <summary>
    /// Checks that every id the fields refer to exists: one query per collection. The problem names each
    /// field with its unknown ids.
    /// </summary>
    public static async Task<ValidationProblem?> CheckAsync(HttpContext context, NpgsqlDataSource db, CancellationToken ct, params Field[] fields)
    {
        var wanted = fields.Where(f => f.Ids is { Count: > 0 }).ToList();
        if (wanted.Count == 0) return null;

        var unknown = new HashSet<(string Collection, string Id)>();
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            foreach (var collection in wanted.GroupBy(f => f.Collection))
            {
                var ids = collection.SelectMany(f => f.Ids!).OfType<string>().Distinct().ToArray();
                var missing = await connection.ExecuteScalarAsync<string[]>(new CommandDefinition(UnknownSql(collection.Key), new { ids }, cancellationToken: ct));
                foreach (var id in missing ?? []) unknown.Add((collection.Key, id));
            }
        }

        var errors = new Dictionary<string, string[]>();
        foreach (var field in wanted)
        {
            var missing = field.Ids!.OfType<string>().Where(id => unknown.Contains((field.Collection, id))).Distinct().ToList();
            if (missing.Count == 0) continue;
            var noun = Collections.Noun(field.Collection);
            errors[field.Name] = [missing.Count == 1 ? $"No {noun} has the id '{missing[0]}'." : $"Unknown {noun} ids: {string.Join(", ", missing)}."];
        }
        return errors.Count == 0 ? null : Problems.Validation(context, errors);
    }

    public static async Task<bool> TerritoryExistsAsync(NpgsqlConnection connection, string id, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TerritoryExists, new { id }, cancellationToken: ct));

    public static async Task<bool> ActorExistsAsync(NpgsqlConnection connection, string id, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(ActorExists, new { id }, cancellationToken: ct));

    /// <summary>
    /// Runs <paramref name="deleteSql"/> (which deletes the record with @id, leaves its tombstone and returns its
    /// id) for a collection that no other record refers to. 404 when nothing was deleted.
    /// </summary>
    public static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(
        HttpContext context, NpgsqlDataSource db, string collection, string id, string deleteSql, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(deleteSql, new { id }, cancellationToken: ct));
        return deleted is null ? Problems.NotFound(context, $"No {Collections.Noun(collection)} has the id '{id}'.") : TypedResults.NoContent();
    }

    /// <summary>
    /// As <see cref="DeleteAsync"/>, for a collection other records refer to: when the database refuses the
    /// delete because of them, 409 listing the referring records (under "referencedBy").
    /// </summary>
    public static async Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteUnlessReferencedAsync(
        HttpContext context, NpgsqlDataSource db, string collection, string id, string deleteSql, CancellationToken ct)
    {
        var noun = Collections.Noun(collection);
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var deleted = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(deleteSql, new { id }, cancellationToken: ct));
            return deleted is null ? Problems.NotFound(context, $"No {noun} has the id '{id}'.") : TypedResults.NoContent();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            var referring = (await connection.QueryAsync<ReferringRow>(
                new CommandDefinition(ReferringSql(collection), new { id }, cancellationToken: ct))).AsList();
            var listed = referring.Take(MaxListed).Select(r => new ReferringRecord(r.Collection, r.Id)).ToList();
            var detail = referring.Count switch
            {
                0 => $"Other records refer to the {noun} '{id}': remove those references first.",
                1 => $"The {noun} '{id}' is referred to by {referring[0].Collection}/{referring[0].Id}: remove that reference first.",
                _ => $"The {noun} '{id}' is referred to by {referring.Count} records{(referring.Count > MaxListed ? $" (the first {MaxListed} are listed)" : "")}: remove those references first.",
            };
            return Problems.Conflict(context, detail, new Dictionary<string, object?> { ["referencedBy"] = listed });
        }
    }

    private static string UnknownSql(string collection) => collection switch
    {
        Collections.Territories => UnknownTerritories,
        Collections.Sources => UnknownSources,
        Collections.Actors => UnknownActors,
        Collections.Resources => UnknownResources,
        Collections.Projects => UnknownProjects,
        Collections.Sessions => UnknownSessions,
        Collections.Figures => UnknownFigures,
        _ => throw new ArgumentOutOfRangeException(nameof(collection), collection, null),
    };

    private static string ReferringSql(string collection) => collection switch
    {
        Collections.Territories => ReferringToTerritory,
        Collections.Actors => ReferringToActor,
        Collections.Resources => ReferringToResource,
        Collections.Sources => ReferringToSource,
        _ => throw new ArgumentOutOfRangeException(nameof(collection), collection, "Nothing refers to this collection."),
    };

    private sealed class ReferringRow
    {
        public string Collection { get; init; } = "";
        public string Id { get; init; } = "";
    }
}
