using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests;

/// <summary>Loading changed seeds into a loaded database, in a database of this test's own.</summary>
public sealed class SeedUpdateTests
{
    [Test]
    public async Task Changed_or_dropped_communes_in_the_seeds_move_the_versions_of_their_territory_and_of_the_territories_linked_by_them()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Migrator.MigrateAsync(dataSource);
        await Seeder.SeedAsync(dataSource, TestApi.Collections, Seeder.DefaultDirectory);
        var before = await Versions(dataSource);

        var changed = Path.Combine(Path.GetTempPath(), $"observatoire-seeds-{Guid.NewGuid():N}");
        CopyDirectory(Seeder.DefaultDirectory, changed);
        try
        {
            var file = Path.Combine(changed, "territories", "territoires_industrie_2023_communes.csv");
            var lines = await File.ReadAllLinesAsync(file);
            var index = Array.FindIndex(lines, l => l.StartsWith("ti-2708,90010,", StringComparison.Ordinal));
            lines[index] = lines[index].Replace(",Belfort,", ",Belfort (renamed in a test),", StringComparison.Ordinal);
            // And a commune of Lacq-Pau-Tarbes (2023-2027) that the changed seeds no longer list.
            lines = [.. lines.Where(l => !l.StartsWith("ti-7510,64445,", StringComparison.Ordinal))];
            await File.WriteAllLinesAsync(file, lines);
            await Seeder.SeedAsync(dataSource, TestApi.Collections, changed);
        }
        finally
        {
            Directory.Delete(changed, recursive: true);
        }
        var after = await Versions(dataSource);

        Assert.Multiple(() =>
        {
            Assert.That(after["2023-ti-2708"], Is.GreaterThan(before["2023-ti-2708"]), "the territory whose commune changed");
            Assert.That(after["2018-ti2707"], Is.GreaterThan(before["2018-ti2707"]), "the territory of the other phase sharing that commune");
            Assert.That(after["2018-ti5209"], Is.EqualTo(before["2018-ti5209"]), "a territory the change does not touch");
            Assert.That(after[PauTerritory2023], Is.GreaterThan(before[PauTerritory2023]), "the territory that lost a commune");
            Assert.That(after["2018-ti7505"], Is.GreaterThan(before["2018-ti7505"]), "the territory of the other phase that shared it");
        });
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var count = new NpgsqlCommand($"select count(*) from territory_communes where territory_id = '{PauTerritory2023}' and insee_code = '64445'", connection);
        Assert.That((long)(await count.ExecuteScalarAsync())!, Is.Zero, "a commune the seeds no longer list is removed");
    }

    [Test]
    public async Task A_seeded_record_deleted_since_comes_back_with_the_seeds_and_loses_its_tombstone()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestApi.Database.CreateExtraDatabaseAsync());
        await Migrator.MigrateAsync(dataSource);
        await Seeder.SeedAsync(dataSource, TestApi.Collections, Seeder.DefaultDirectory);
        await using var connection = await dataSource.OpenConnectionAsync();
        async Task<T> Scalar<T>(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return (T)(await command.ExecuteScalarAsync())!;
        }
        var id = await Scalar<string>("delete from figures where id = (select min(id) from figures) returning id");
        Assert.That(await Scalar<long>($"select count(*) from tombstones where entity = 'figures' and id = '{id}'"), Is.EqualTo(1));

        await Seeder.SeedAsync(dataSource, TestApi.Collections, Seeder.DefaultDirectory);

        Assert.Multiple(async () =>
        {
            Assert.That(await Scalar<long>($"select count(*) from figures where id = '{id}'"), Is.EqualTo(1));
            Assert.That(await Scalar<long>($"select count(*) from tombstones where entity = 'figures' and id = '{id}'"), Is.Zero);
        });
    }

    [TestCase("Ville,TI9999,Ville,27\n", "a row with fields missing")]
    [TestCase("Ville,TI9999,\"Ville\"x,27,,,,,,,,\n", "text after a closing quote")]
    [TestCase("Ville,TI9999,\"Ville,27,,,,,,,,\n", "a quote never closed")]
    public async Task A_seed_file_with_a_malformed_row_stops_the_loading_naming_the_file(string line, string why)
    {
        var broken = Path.Combine(Path.GetTempPath(), $"observatoire-seeds-{Guid.NewGuid():N}");
        CopyDirectory(Seeder.DefaultDirectory, broken);
        await using var dataSource = NpgsqlDataSource.Create(TestApi.Database.ConnectionString);
        try
        {
            await File.AppendAllTextAsync(Path.Combine(broken, "territories", "territoires_etudies.csv"), line);
            var error = Assert.ThrowsAsync<InvalidDataException>(() => Seeder.SeedAsync(dataSource, TestApi.Collections, broken), why);
            Assert.That(error!.Message, Does.StartWith("territoires_etudies.csv: "), why);
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }

    [TestCase("actors.csv", "person-001,", "latribune-montpellier-relocaliser", "latribune-montpellier-relocaliser | no-such-source",
        "knowledge/actors.csv: unknown ids of sources: no-such-source.")]
    [TestCase("session_speakers.csv", "1,person-001,", "person-001", "person-999", "knowledge/session_speakers.csv: unknown ids of actors: person-999.")]
    [TestCase("resources.csv", "", ",TI2707,", ",TI9999,", "knowledge/resources.csv: unknown ids of territories: 2018-ti9999.")]
    [TestCase("actors.csv", "person-002,", "person-002,", "person-001,", "actors: the id 'person-001' appears twice.")]
    public async Task A_seed_row_naming_an_unknown_record_or_repeating_an_id_stops_the_loading_naming_the_file(
        string file, string lineStart, string from, string to, string message)
    {
        var broken = Path.Combine(Path.GetTempPath(), $"observatoire-seeds-{Guid.NewGuid():N}");
        CopyDirectory(Seeder.DefaultDirectory, broken);
        await using var dataSource = NpgsqlDataSource.Create(TestApi.Database.ConnectionString);
        try
        {
            var path = Path.Combine(broken, "knowledge", file);
            var lines = await File.ReadAllLinesAsync(path);
            var index = Array.FindIndex(lines, 1, l => l.StartsWith(lineStart, StringComparison.Ordinal) && l.Contains(from, StringComparison.Ordinal));
            lines[index] = lines[index].Replace(from, to, StringComparison.Ordinal);
            await File.WriteAllLinesAsync(path, lines);
            var error = Assert.ThrowsAsync<InvalidDataException>(() => Seeder.SeedAsync(dataSource, TestApi.Collections, broken));
            Assert.That(error!.Message, Is.EqualTo(message));
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }

    private const string PauTerritory2023 = "2023-ti-7510";

    private static async Task<Dictionary<string, long>> Versions(NpgsqlDataSource dataSource)
    {
        var versions = new Dictionary<string, long>();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select id, version from territories", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) versions[reader.GetString(0)] = reader.GetInt64(1);
        return versions;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
