using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sessions;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

/// <summary>
/// include= on a territory read: a fixed list of related collections, each read whole in the order of its
/// relation route (/v1/territories/{id}/resources, /actors, /sessions, /projects), as the rows of those lists.
/// </summary>
public static class TerritoryIncludes
{
    public const string Resources = "resources";
    public const string Actors = "actors";
    public const string Sessions = "sessions";
    public const string Projects = "projects";

    public static readonly string[] Allowed = [Resources, Actors, Sessions, Projects];

    private const string SelectResources = """
        select r.id, r.kind, r.name, r.territory_id, r.tags, r.updated_at, r.version
        from resources r
        where r.territory_id = @id
        order by r.id
        """;

    private const string SelectActors = """
        select a.id, a.type, a.category, a.name, a.role, a.organisation, a.website, a.updated_at, a.version
        from actors a
        where exists (select 1 from actor_territories t where t.actor_id = a.id and t.territory_id = @id)
        order by a.id
        """;

    private const string SelectProjects = """
        select p.id, p.name, p.territory_id, p.status, p.year, p.updated_at, p.version
        from projects p
        where p.territory_id = @id
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

    /// <summary>The related collections asked for; null when none was.</summary>
    public static async Task<TerritoryIncluded?> ReadAsync(NpgsqlConnection connection, string id, IReadOnlySet<string> wanted, CancellationToken ct)
    {
        if (wanted.Count == 0) return null;
        List<ResourceSummary>? resources = null;
        List<ActorSummary>? actors = null;
        List<SessionSummary>? sessions = null;
        List<ProjectSummary>? projects = null;
        if (wanted.Contains(Resources))
        {
            resources = [.. (await connection.QueryAsync<ResourceRow>(new CommandDefinition(SelectResources, new { id }, cancellationToken: ct)))
                .Select(r => new ResourceSummary(r.Id, r.Kind, r.Name, r.TerritoryId, r.Tags, r.UpdatedAt, r.Version))];
        }
        if (wanted.Contains(Actors))
        {
            actors = [.. (await connection.QueryAsync<ActorRow>(new CommandDefinition(SelectActors, new { id }, cancellationToken: ct)))
                .Select(a => new ActorSummary(a.Id, a.Type, a.Category, a.Name, a.Role, a.Organisation, a.Website, a.UpdatedAt, a.Version))];
        }
        if (wanted.Contains(Sessions)) sessions = await SessionsApi.TerritorySessionsAsync(connection, id, ct);
        if (wanted.Contains(Projects))
        {
            projects = [.. (await connection.QueryAsync<ProjectRow>(new CommandDefinition(SelectProjects, new { id }, cancellationToken: ct)))
                .Select(p => new ProjectSummary(p.Id, p.Name, p.TerritoryId, p.Status, p.Year, p.UpdatedAt, p.Version))];
        }
        return new TerritoryIncluded(resources, actors, sessions, projects);
    }

    // Rows are classes with settable properties: Dapper's constructor matching is strict about arrays and nullables.
    private sealed class ResourceRow
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string TerritoryId { get; init; } = "";
        public string[] Tags { get; init; } = [];
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }
    }

    private sealed class ActorRow
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

    private sealed class ProjectRow
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
