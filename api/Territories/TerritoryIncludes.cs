using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

/// <summary>
/// include= on territory reads (an item, or each row of a list page): a fixed list of related collections,
/// each read whole in the order of its relation route (/v1/territories/{id}/resources, /actors, /sessions,
/// /projects), as the rows of those lists. A page's related rows come in one query per collection, all in one batch.
/// </summary>
public static class TerritoryIncludes
{
    public const string Resources = "resources";
    public const string Actors = "actors";
    public const string Sessions = "sessions";
    public const string Projects = "projects";

    public static readonly string[] Allowed = [Resources, Actors, Sessions, Projects];

    private const string SelectResources = """
        select r.territory_id as owner, r.id, r.kind, r.name, r.territory_id, r.tags, r.updated_at, r.version
        from resources r
        where r.territory_id = any(@ids)
        order by r.id
        """;

    private const string SelectActors = """
        select t.territory_id as owner, a.id, a.type, a.category, a.name, a.role, a.organisation, a.website, a.updated_at, a.version
        from actors a join actor_territories t on t.actor_id = a.id
        where t.territory_id = any(@ids)
        order by a.id
        """;

    private const string SelectSessions = """
        select s.territory_id as owner, s.id, s.number, s.date, s.date_precision, s.title, s.format, s.territory_id, s.updated_at, s.version
        from sessions s
        where s.territory_id = any(@ids)
        order by coalesce(s.number, 2147483647), s.id
        """;

    private const string SelectProjects = """
        select p.territory_id as owner, p.id, p.name, p.territory_id, p.status, p.year, p.updated_at, p.version
        from projects p
        where p.territory_id = any(@ids)
        order by p.id
        """;

    /// <summary>Reads include=resources,actors: the names asked for, or a 400 naming <c>include</c>.</summary>
    public static ValidationProblem? Parse(HttpContext context, string? include, out HashSet<string> wanted)
    {
        wanted = new HashSet<string>(StringComparer.Ordinal);
        if (include is null) return null;
        var names = include.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.Where(n => !Allowed.Contains(n, StringComparer.Ordinal)).ToList();
        if (names.Length == 0 || unknown.Count > 0)
        {
            var what = unknown.Count > 0 ? $"Unknown related collection(s): {string.Join(", ", unknown)}. " : "";
            return Problems.Validation(context, "include", $"{what}include takes a comma-separated list of: {string.Join(", ", Allowed)}.");
        }
        wanted.UnionWith(names);
        return null;
    }

    /// <summary>
    /// The statements that read the related collections asked for, in a fixed order, with the territory ids in
    /// @ids: a caller sends them in its own batch and reads them back with <see cref="ReadManyAsync(SqlMapper.GridReader, IReadOnlyList{string}, IReadOnlySet{string})"/>.
    /// </summary>
    public static string Sql(IReadOnlySet<string> wanted) => string.Join(";\n",
        Statements.Where(s => wanted.Contains(s.Name)).Select(s => s.Sql));

    private static readonly (string Name, string Sql)[] Statements =
        [(Resources, SelectResources), (Actors, SelectActors), (Sessions, SelectSessions), (Projects, SelectProjects)];

    /// <summary>For each territory id, the related collections asked for (one round trip); null when none was.</summary>
    public static async Task<Dictionary<string, TerritoryIncluded>?> ReadManyAsync(
        NpgsqlConnection connection, IReadOnlyList<string> ids, IReadOnlySet<string> wanted, CancellationToken ct)
    {
        if (wanted.Count == 0) return null;
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql(wanted), new { ids = ids.ToArray() }, cancellationToken: ct));
        return await ReadManyAsync(results, ids, wanted);
    }

    /// <summary>The results of <see cref="Sql"/>: for each territory id, the related collections asked for; null when none was.</summary>
    public static async Task<Dictionary<string, TerritoryIncluded>?> ReadManyAsync(
        SqlMapper.GridReader results, IReadOnlyList<string> ids, IReadOnlySet<string> wanted)
    {
        if (wanted.Count == 0) return null;
        async Task<ILookup<string, TRow>?> Read<TRow>(string name) where TRow : Owned => wanted.Contains(name)
            ? (await results.ReadAsync<TRow>()).ToLookup(r => r.Owner)
            : null;
        var resources = await Read<ResourceRow>(Resources);
        var actors = await Read<ActorRow>(Actors);
        var sessions = await Read<SessionRow>(Sessions);
        var projects = await Read<ProjectRow>(Projects);
        return ids.ToDictionary(id => id, id => new TerritoryIncluded(
            resources is null ? null : [.. resources[id].Select(r => new ResourceSummary(r.Id, r.Kind, r.Name, r.TerritoryId, r.Tags, r.UpdatedAt, r.Version))],
            actors is null ? null : [.. actors[id].Select(a => new ActorSummary(a.Id, a.Type, a.Category, a.Name, a.Role, a.Organisation, a.Website, a.UpdatedAt, a.Version))],
            sessions is null ? null : [.. sessions[id].Select(x => new SessionSummary(x.Id, x.Number, x.Date, x.DatePrecision, x.Title, x.Format, x.TerritoryId, x.UpdatedAt, x.Version))],
            projects is null ? null : [.. projects[id].Select(p => new ProjectSummary(p.Id, p.Name, p.TerritoryId, p.Status, p.Year, p.UpdatedAt, p.Version))]));
    }

    private abstract class Owned
    {
        public string Owner { get; init; } = "";
    }

    private sealed class SessionRow : Owned
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

    // Rows are classes with settable properties: Dapper's constructor matching is strict about arrays and nullables.
    private sealed class ResourceRow : Owned
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string[] Tags { get; init; } = [];
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
    }

    private sealed class ActorRow : Owned
    {
        public string Id { get; init; } = "";
        public string Type { get; init; } = "";
        public string Category { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Role { get; init; }
        public string? Organisation { get; init; }
        public string? Website { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
    }

    private sealed class ProjectRow : Owned
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string? Status { get; init; }
        public int? Year { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
    }
}
