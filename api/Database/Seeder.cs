using System.Globalization;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

/// <summary>
/// Loads seeds/ into the database. One code path for the local default, the tests and a production
/// import (<c>dotnet run --project api -- seed</c>). Idempotent: rows are upserted and only rewritten
/// when a value differs, so loading twice leaves the same database (versions included).
/// </summary>
public static class Seeder
{
    public const string Phase1 = "2018-2022";
    public const string Phase2 = "2023-2027";

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "seeds");

    /// <summary>The stable id of a territory: the first year of its phase and its programme code as a slug.</summary>
    public static string TerritoryId(string phase, string code) => $"{phase[..4]}-{code.ToLowerInvariant()}";

    public static async Task<bool> IsEmptyAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        // A database that has territories but no sources predates the knowledge base: it is loaded too.
        return !await connection.ExecuteScalarAsync<bool>("select exists (select 1 from territories) and exists (select 1 from sources)");
    }

    /// <summary>
    /// Loads the territories, then what each registered collection declares as its <see cref="Collection.Seed"/>,
    /// in one transaction. Every file is read and checked before anything is written.
    /// </summary>
    public static async Task<string> SeedAsync(NpgsqlDataSource dataSource, CollectionRegistry collections, string directory, CancellationToken ct = default)
    {
        var territories = ReadTerritories(Path.Combine(directory, "territories"));
        var seeds = SeedSet.ReadAll(collections, directory, territories);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await connection.ExecuteAsync(UpsertRegions, ReadRegions(Path.Combine(directory, "territories")), transaction);
        await connection.ExecuteAsync(CreateStaging, transaction: transaction);
        await CopyAsync(connection, "copy seed_territories (id, phase, code, name, region_codes, department_codes, commune_count, population, latitude, longitude, studied) from stdin (format binary)",
            territories, async (w, t) =>
            {
                await w.WriteAsync(t.Id, ct); await w.WriteAsync(t.Phase, ct); await w.WriteAsync(t.Code, ct); await w.WriteAsync(t.Name, ct);
                await w.WriteAsync(t.RegionCodes, ct); await w.WriteAsync(t.DepartmentCodes, ct); await w.WriteAsync(t.Communes.Count, ct);
                await WriteNullable(w, t.Population, NpgsqlDbType.Integer, ct);
                await WriteNullable(w, t.Latitude, NpgsqlDbType.Double, ct);
                await WriteNullable(w, t.Longitude, NpgsqlDbType.Double, ct);
                await w.WriteAsync(t.Studied, ct);
            }, ct);
        await CopyAsync(connection, "copy seed_territory_groupings (territory_id, siren, name, kind) from stdin (format binary)",
            territories.SelectMany(t => t.Groupings.Select(g => (t.Id, g))), async (w, x) =>
            {
                await w.WriteAsync(x.Id, ct); await w.WriteAsync(x.g.Siren, ct); await w.WriteAsync(x.g.Name, ct);
                await WriteNullable(w, x.g.Kind, NpgsqlDbType.Text, ct);
            }, ct);
        await CopyAsync(connection, "copy seed_territory_communes (territory_id, insee_code, name) from stdin (format binary)",
            territories.SelectMany(t => t.Communes.Select(c => (t.Id, c))), async (w, x) =>
            {
                await w.WriteAsync(x.Id, ct); await w.WriteAsync(x.c.InseeCode, ct); await w.WriteAsync(x.c.Name, ct);
            }, ct);

        await CopyAsync(connection, "copy seed_territory_contours (territory_id, geometry) from stdin (format binary)",
            ReadContours(Path.Combine(directory, "geo")), async (w, x) =>
            {
                await w.WriteAsync(x.Id, ct); await w.WriteAsync(x.Geometry, NpgsqlDbType.Jsonb, ct);
            }, ct);

        var changed = await connection.ExecuteAsync(UpsertTerritories, transaction: transaction);
        await connection.ExecuteAsync(UpsertTerritoryChildren, transaction: transaction);
        var knowledge = await seeds.WriteAsync(connection, transaction, ct);
        await transaction.CommitAsync(ct);
        return $"{territories.Count} territories ({changed} written); {knowledge}";
    }

    private const string UpsertRegions = """
        insert into regions (code, name) values (@Code, @Name)
        on conflict (code) do update set name = excluded.name where regions.name is distinct from excluded.name
        """;

    private const string CreateStaging = """
        create temporary table seed_territories (like territories including defaults) on commit drop;
        alter table seed_territories alter column created_at drop not null, alter column updated_at drop not null,
            alter column version drop not null, alter column change_txid drop not null, alter column change_seq drop not null;
        create temporary table seed_territory_groupings (like territory_groupings) on commit drop;
        create temporary table seed_territory_communes (like territory_communes) on commit drop;
        create temporary table seed_territory_contours (like territory_contours) on commit drop;
        """;

    private const string UpsertTerritories = """
        insert into territories (id, phase, code, name, region_codes, department_codes, commune_count, population, latitude, longitude, studied)
        select id, phase, code, name, region_codes, department_codes, commune_count, population, latitude, longitude, studied
        from seed_territories
        on conflict (id) do update set
            phase = excluded.phase, code = excluded.code, name = excluded.name, region_codes = excluded.region_codes,
            department_codes = excluded.department_codes, commune_count = excluded.commune_count, population = excluded.population,
            latitude = excluded.latitude, longitude = excluded.longitude, studied = excluded.studied
        where (territories.phase, territories.code, territories.name, territories.region_codes, territories.department_codes,
               territories.commune_count, territories.population, territories.latitude, territories.longitude, territories.studied)
            is distinct from
              (excluded.phase, excluded.code, excluded.name, excluded.region_codes, excluded.department_codes,
               excluded.commune_count, excluded.population, excluded.latitude, excluded.longitude, excluded.studied)
        """;

    // The seeds are the truth for the territories they hold: members they no longer list are removed.
    // A territory whose members change gets its row rewritten (its version moves, the change feed shows it),
    // and so do the territories sharing a changed commune, whose derived links may change. Rows created by this
    // load (created_at = now()) are left at their first version.
    private const string UpsertTerritoryChildren = """
        with groupings as (
            insert into territory_groupings (territory_id, siren, name, kind)
            select territory_id, siren, name, kind from seed_territory_groupings
            on conflict (territory_id, siren) do update set name = excluded.name, kind = excluded.kind
            where (territory_groupings.name, territory_groupings.kind) is distinct from (excluded.name, excluded.kind)
            returning territory_id
        ), communes as (
            insert into territory_communes (territory_id, insee_code, name)
            select territory_id, insee_code, name from seed_territory_communes
            on conflict (territory_id, insee_code) do update set name = excluded.name
            where territory_communes.name is distinct from excluded.name
            returning territory_id, insee_code
        ), dropped_groupings as (
            delete from territory_groupings g using seed_territories s
            where g.territory_id = s.id
              and not exists (select 1 from seed_territory_groupings x where x.territory_id = g.territory_id and x.siren = g.siren)
            returning g.territory_id
        ), dropped_communes as (
            delete from territory_communes c using seed_territories s
            where c.territory_id = s.id
              and not exists (select 1 from seed_territory_communes x where x.territory_id = c.territory_id and x.insee_code = c.insee_code)
            returning c.territory_id, c.insee_code
        ), contours as (
            insert into territory_contours (territory_id, geometry)
            select territory_id, geometry from seed_territory_contours
            where territory_id in (select id from territories)
            on conflict (territory_id) do update set geometry = excluded.geometry
            where territory_contours.geometry is distinct from excluded.geometry
            returning territory_id
        )
        update territories t set name = t.name
        where t.created_at < now()
          and t.id in (select territory_id from groupings
                       union select territory_id from dropped_groupings
                       union select territory_id from contours
                       union select territory_id from communes
                       union select territory_id from dropped_communes
                       union select c.territory_id from territory_communes c
                             where c.insee_code in (select insee_code from communes union select insee_code from dropped_communes));
        """;

    internal static async Task CopyAsync<T>(NpgsqlConnection connection, string copy, IEnumerable<T> rows,
        Func<NpgsqlBinaryImporter, T, Task> write, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync(copy, ct);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            await write(importer, row);
        }
        await importer.CompleteAsync(ct);
    }

    internal static async Task WriteNullable<T>(NpgsqlBinaryImporter w, T? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null) await w.WriteNullAsync(ct);
        else await w.WriteAsync(value, type, ct);
    }

    private static IEnumerable<object> ReadRegions(string directory) =>
        Csv.Read(Path.Combine(directory, "regions.csv")).Select(r => new { Code = r["code_region"], Name = r["nom_region"] }).ToList();

    public sealed record SeedTerritory(
        string Id, string Phase, string Code, string Name, string[] RegionCodes, string[] DepartmentCodes,
        int? Population, double? Latitude, double? Longitude, bool Studied,
        IReadOnlyList<SeedGrouping> Groupings, IReadOnlyList<SeedCommune> Communes);

    public sealed record SeedGrouping(string Siren, string Name, string? Kind);

    public sealed record SeedCommune(string InseeCode, string Name);

    /// <summary>Both phases of the programme, read from the sourced files in seeds/territories (see seeds/SOURCES.md).</summary>
    public static List<SeedTerritory> ReadTerritories(string directory)
    {
        string PathOf(string file) => Path.Combine(directory, file);
        var communeNames = Csv.Read(PathOf("communes_centroides.csv")).ToDictionary(r => r["code_commune"], r => r["nom_commune"]);
        var studied = Csv.Read(PathOf("territoires_etudies.csv")).Select(r => r["code_ti"]).ToHashSet();
        var points2018 = Csv.Read(PathOf("territoires_industrie_2018_centroids.csv")).ToDictionary(r => r["code_ti"]);

        var communes2018 = Csv.Read(PathOf("territoires_industrie_2018_communes.csv"))
            .GroupBy(r => r["code_ti"])
            .ToDictionary(g => g.Key, g => g
                // The 2018 list uses the codes of its day; communes merged since then share one current code.
                .GroupBy(r => r["code_commune_2026"])
                .Select(c => new SeedCommune(c.Key, communeNames.GetValueOrDefault(c.Key) ?? c.First()["nom_commune"]))
                .OrderBy(c => c.InseeCode, StringComparer.Ordinal).ToList());
        var groupings2018 = Csv.Read(PathOf("territoires_industrie_2018_epci.csv"))
            .Where(r => r["millesime_epci"] == "2020")
            .GroupBy(r => r["code_ti"])
            .ToDictionary(g => g.Key, g => g.Select(r => new SeedGrouping(r["siren_epci"], r["nom_epci"], Csv.NullIfEmpty(r["type_epci"]))).ToList());

        var communes2023 = Csv.Read(PathOf("territoires_industrie_2023_communes.csv"))
            .GroupBy(r => r["id_ti"])
            .ToDictionary(g => g.Key, g => g.Select(r => new SeedCommune(r["code_commune_2026"], r["nom_commune"]))
                .DistinctBy(c => c.InseeCode).OrderBy(c => c.InseeCode, StringComparer.Ordinal).ToList());
        var groupings2023 = Csv.Read(PathOf("territoires_industrie_2023_groupements.csv"))
            .GroupBy(r => r["id_ti"])
            .ToDictionary(g => g.Key, g => g.Select(r => new SeedGrouping(r["siren_groupement"], r["lib_groupement"], Csv.NullIfEmpty(r["nature_2026"]))).ToList());

        var result = new List<SeedTerritory>();
        foreach (var r in Csv.Read(PathOf("territoires_industrie_2018.csv")))
        {
            var code = r["code_ti"];
            var point = points2018.GetValueOrDefault(code);
            result.Add(new SeedTerritory(
                TerritoryId(Phase1, code), Phase1, code, r["nom"],
                Csv.List(r["regions_couvertes"]), Csv.List(r["departements"]),
                ParseInt(r["population_communes_paquet_6_0_0"]),
                point is null ? null : ParseDouble(point["lat"]), point is null ? null : ParseDouble(point["lon"]),
                studied.Contains(code), groupings2018.GetValueOrDefault(code) ?? [], communes2018.GetValueOrDefault(code) ?? []));
        }
        foreach (var r in Csv.Read(PathOf("territoires_industrie_2023.csv")))
        {
            var code = r["id_ti"];
            result.Add(new SeedTerritory(
                TerritoryId(Phase2, code), Phase2, code, r["lib_ti"],
                // This file joins its lists with ';'.
                Csv.List(r["regions_couvertes"], ';'), Csv.List(r["departements"], ';'),
                ParseInt(r["population_communes_derivees"]), ParseDouble(r["lat"]), ParseDouble(r["lon"]),
                Studied: false, groupings2023.GetValueOrDefault(code) ?? [], communes2023.GetValueOrDefault(code) ?? []));
        }
        return result;
    }

    /// <summary>The perimeters of both phases (seeds/geo), as (territory id, GeoJSON geometry).</summary>
    public static IEnumerable<(string Id, string Geometry)> ReadContours(string directory)
    {
        foreach (var (file, phase, codeProperty) in new[]
                 {
                     ("territoires_industrie_2018.geojson", Phase1, "code_ti"),
                     ("territoires_industrie_2023.geojson", Phase2, "id_ti"),
                 })
        {
            using var stream = File.OpenRead(Path.Combine(directory, file));
            using var document = System.Text.Json.JsonDocument.Parse(stream);
            foreach (var feature in document.RootElement.GetProperty("features").EnumerateArray())
            {
                var code = feature.GetProperty("properties").GetProperty(codeProperty).GetString()!;
                yield return (TerritoryId(phase, code), feature.GetProperty("geometry").GetRawText());
            }
        }
    }

    private static int? ParseInt(string value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static double? ParseDouble(string value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
