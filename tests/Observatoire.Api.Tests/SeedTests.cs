using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests;

public sealed class SeedTests
{
    [Test]
    public async Task Loading_the_seeds_again_leaves_every_table_exactly_as_it_was()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestApi.Database.ConnectionString);
        var before = await Fingerprint(dataSource);
        await Seeder.SeedAsync(dataSource, TestApi.Collections, Seeder.DefaultDirectory);
        var after = await Fingerprint(dataSource);

        Assert.That(before.Keys, Does.Contain("territories").And.Contain("territory_communes"));
        Assert.That(after, Is.EqualTo(before));
    }

    [Test]
    public async Task Both_phases_are_seeded_with_every_territory_and_the_eight_studied_ones()
    {
        var phase1 = await TestApi.Database.ScalarAsync<long>("select count(*) from territories where phase = '2018-2022' and id !~ '^20(18|23)-ti-?9[0-2][0-9]{2}$'");
        var phase2 = await TestApi.Database.ScalarAsync<long>("select count(*) from territories where phase = '2023-2027' and id !~ '^20(18|23)-ti-?9[0-2][0-9]{2}$'");
        var studied = await TestApi.Database.ScalarAsync<long>("select count(*) from territories where studied");
        Assert.Multiple(() =>
        {
            Assert.That(phase1, Is.EqualTo(148));
            Assert.That(phase2, Is.EqualTo(183));
            Assert.That(studied, Is.EqualTo(8));
        });
    }

    // One digest per table, over every column (versions and timestamps included): a rewrite shows.
    // Rows written by other tests are stable while this test runs, since the suite runs one test at a time; the running
    // APIs' own bookkeeping (keys' last use, rate-limit counters and heartbeats, records' stored documents) is not data and is left out.
    private static async Task<Dictionary<string, string>> Fingerprint(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('evolve_changelog', 'api_keys', 'rate_limit_counters', 'rate_limit_replicas', 'record_documents') order by 1",
            connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        var result = new Dictionary<string, string>();
        foreach (var table in tables)
        {
            await using var digest = new NpgsqlCommand($"select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from \"{table}\" t", connection);
            result[table] = (string)(await digest.ExecuteScalarAsync())!;
        }
        return result;
    }
}
