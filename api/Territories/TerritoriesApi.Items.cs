// One territory: its read, its communes and its writes, each handler beside its SQL.
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Database;
using Observatoire.Api.Figures;
using Observatoire.Api.Infrastructure;
using Observatoire.Api.Sources;
using Observatoire.Contracts;

namespace Observatoire.Api.Territories;

public static partial class TerritoriesApi
{
    // A territory, its members, its links across phases (kept by the database as communes change: territory_links),
    // its sources, and then its figures: one batch, one round trip.
    private const string SelectTerritory = """
        select t.id, t.phase, t.code, t.name, t.region_codes,
               array(select coalesce(r.name, '') from unnest(t.region_codes) with ordinality as u(code, n)
                     left join regions r on r.code = u.code order by u.n) as region_names,
               t.department_codes, t.commune_count, t.population, t.latitude, t.longitude, t.studied,
               t.created_at, t.updated_at, t.version
        from territories t
        where t.id = @id;

        select g.siren, g.name, g.kind
        from territory_groupings g
        where g.territory_id = @id
        order by g.siren;

        select other.id, other.phase, other.code, other.name, l.shared_communes,
               l.territory_communes as communes_of_this, l.linked_communes as communes_of_other,
               round(l.shared_communes::numeric / l.territory_communes, 4)::float8 as share_of_this,
               round(l.shared_communes::numeric / l.linked_communes, 4)::float8 as share_of_other
        from territory_links l join territories other on other.id = l.linked_id
        where l.territory_id = @id
        order by l.shared_communes desc, other.id;

        select s.id, s.url, s.title, s.publisher, s.seen_on
        from territory_sources x join sources s on s.id = x.source_id
        where x.territory_id = @id
        order by s.id;

        """ + FiguresApi.SelectTerritoryFigures;

    // The cursor's condition only when there is a cursor, so that the first page plans as simply as the next.
    private static string SelectCommunes(bool after) => $"""
        select c.insee_code, c.name
        from territory_communes c
        where c.territory_id = @id{(after ? " and c.insee_code > @after" : "")}
        order by c.insee_code
        limit @take + 1
        """;

    private const string InsertTerritory = """
        insert into territories (id, phase, code, name, region_codes, department_codes, commune_count, population, latitude, longitude, studied)
        values (@Id, @Phase, @Code, @Name, @RegionCodes, @DepartmentCodes, @CommuneCount, @Population, @Latitude, @Longitude, @Studied)
        on conflict do nothing
        returning id
        """;

    private const string UpdateTerritory = """
        update territories set name = @Name, region_codes = @RegionCodes, department_codes = @DepartmentCodes,
            commune_count = @CommuneCount, population = @Population, latitude = @Latitude, longitude = @Longitude, studied = @Studied
        where id = @Id
        returning id
        """;

    // Member lists are replaced whole; arrays are unnested so that each list is one statement. The territories
    // whose predecessors or successors change with the communes move in the change feed by the database itself
    // (migration 0015: their territory_links rows change at commit).
    private const string ReplaceMembers = """
        delete from territory_groupings where territory_id = @Id;
        insert into territory_groupings (territory_id, siren, name, kind)
        select @Id, s, n, k from unnest(@GroupingSirens::text[], @GroupingNames::text[], @GroupingKinds::text[]) as g(s, n, k);
        delete from territory_communes where territory_id = @Id;
        insert into territory_communes (territory_id, insee_code, name)
        select @Id, c, n from unnest(@CommuneCodes::text[], @CommuneNames::text[]) as c(c, n);
        delete from territory_sources where territory_id = @Id;
        insert into territory_sources (territory_id, source_id) select @Id, unnest(@SourceIds::text[]);
        """;

    private const string DeleteTerritoryAndLeaveTombstone = """
        delete from territories where id = @id returning id
        """;

    /// <param name="id">Territory id, e.g. 2018-ti2707 or 2023-ti-2708.</param>
    /// <param name="include">Related collections to embed in included, comma-separated: resources, actors, sessions, projects (e.g. include=resources,actors). Each comes whole, as its relation route lists it (/v1/territories/{id}/resources…).</param>
    public static async Task<Results<Ok<TerritoryResponse>, NotFoundProblem, ValidationProblem>> GetTerritory(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, string? include = null)
    {
        if (TerritoryIncludes.Parse(context, include, out var wanted) is { } invalidInclude) return invalidInclude;
        await using var connection = await db.OpenConnectionAsync(ct);
        var territory = await ReadTerritory(connection, id, wanted, ct);
        return territory is null ? Problems.NoRecord(context, Collection.Noun, id) : TypedResults.Ok(territory);
    }

    /// <param name="id">Territory id, e.g. 2018-ti2707.</param>
    /// <param name="limit">Page size, 1 to 200 (default 50).</param>
    /// <param name="cursor">Opaque cursor from links.next of the previous page.</param>
    public static async Task<Results<Ok<Page<Commune>>, NotFoundProblem, ValidationProblem>> ListTerritoryCommunes(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct, int? limit = null, string? cursor = null)
    {
        if (Paging.Validate(context, limit, cursor, 1, out var take, out var after) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Commune>(new CommandDefinition(SelectCommunes(after is not null), new { id, after = after?[0], take }, cancellationToken: ct))).AsList();
        if (rows.Count == 0 && !await References.TerritoryExistsAsync(connection, id, ct))
        {
            return Problems.NoRecord(context, Collection.Noun, id);
        }
        return TypedResults.Ok(Paging.ToPage(context, rows, take, c => [c.InseeCode], c => c));
    }

    private static readonly Writes<TerritoryResponse> Write = new(Collection, InsertTerritory, UpdateTerritory, ReplaceMembers, DeleteTerritoryAndLeaveTombstone, ReadTerritory);

    public static Task<Results<Created<TerritoryResponse>, ValidationProblem, ConflictProblem>> CreateTerritory(
        TerritoryRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        // The id is derived from the phase and the code, so it is always the one requested.
        var write = TerritoryWrite.From(request);
        return Write.CreateAsync(context, db, write.Id, () => write.Id, _ => write, ct,
            takenDetail: $"A territory with code '{write.Code}' already exists in phase {write.Phase}.");
    }

    /// <param name="id">Territory id; it must be the one the body's phase and code give.</param>
    public static async Task<Results<Ok<TerritoryResponse>, ValidationProblem, NotFoundProblem, PreconditionFailedProblem>> ReplaceTerritory(
        string id, TerritoryRequest request, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        var write = TerritoryWrite.From(request);
        if (write.Id != id)
        {
            return Problems.Validation(context, "code",
                $"Phase {write.Phase} and code '{write.Code}' identify the territory '{write.Id}', not '{id}': the phase and the code cannot change.");
        }
        return await Write.ReplaceAsync(context, db, id, write, ct);
    }

    /// <param name="id">Territory id.</param>
    public static Task<Results<NoContent, NotFoundProblem, ConflictProblem, PreconditionFailedProblem>> DeleteTerritory(
        string id, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        Write.DeleteUnlessReferencedAsync(context, db, id, ct);

    private static Task<TerritoryResponse?> ReadTerritory(NpgsqlConnection connection, string id, CancellationToken ct) =>
        ReadTerritory(connection, id, new HashSet<string>(), ct);

    // The included collections asked for join the same batch.
    private static async Task<TerritoryResponse?> ReadTerritory(NpgsqlConnection connection, string id, IReadOnlySet<string> wanted, CancellationToken ct)
    {
        var sql = wanted.Count == 0 ? SelectTerritory : SelectTerritory + ";\n" + TerritoryIncludes.Sql(wanted);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, new { id, ids = new[] { id } }, cancellationToken: ct));
        var row = await results.ReadSingleOrDefaultAsync<TerritoryRow>();
        if (row is null) return null;
        var groupings = (await results.ReadAsync<Grouping>()).AsList();
        var links = (await results.ReadAsync<TerritoryLink>()).AsList();
        var sources = CitationRow.ToCitations(await results.ReadAsync<CitationRow>());
        var figures = await FiguresApi.ReadTerritoryFiguresAsync(results);
        var included = await TerritoryIncludes.ReadManyAsync(results, [id], wanted);
        return new TerritoryResponse(
            row.Id, row.Phase, row.Code, row.Name, Regions(row.RegionCodes, row.RegionNames), row.DepartmentCodes, row.CommuneCount,
            row.Population, Point(row.Latitude, row.Longitude), row.Studied, groupings,
            [.. links.Where(l => string.CompareOrdinal(l.Phase, row.Phase) < 0)],
            [.. links.Where(l => string.CompareOrdinal(l.Phase, row.Phase) > 0)],
            figures, sources, row.CreatedAt, row.UpdatedAt, row.Version) { Included = included?[id] };
    }

    private sealed class TerritoryRow : SummaryRow
    {
        public int? Population { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    /// <summary>The parameters of a territory write, flattened for SQL.</summary>
    private sealed record TerritoryWrite(
        string Id, string Phase, string Code, string Name, string[] RegionCodes, string[] DepartmentCodes, int CommuneCount,
        int? Population, double? Latitude, double? Longitude, bool Studied,
        string[] GroupingSirens, string[] GroupingNames, string?[] GroupingKinds, string[] CommuneCodes, string[] CommuneNames,
        string[] SourceIds)
    {
        public static TerritoryWrite From(TerritoryRequest r)
        {
            var groupings = r.Groupings ?? [];
            var communes = r.Communes ?? [];
            return new TerritoryWrite(
                Seeder.TerritoryId(r.Phase!, r.Code!), r.Phase!, r.Code!, r.Name!.Trim(), [.. r.RegionCodes!], [.. r.DepartmentCodes!],
                communes.Count, r.Population, r.Point?.Latitude, r.Point?.Longitude, r.Studied ?? false,
                [.. groupings.Select(g => g.Siren)], [.. groupings.Select(g => g.Name)], [.. groupings.Select(g => g.Kind)],
                [.. communes.Select(c => c.InseeCode)], [.. communes.Select(c => c.Name)], [.. r.SourceIds ?? []]);
        }
    }
}
