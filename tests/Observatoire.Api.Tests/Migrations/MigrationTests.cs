using System.Diagnostics;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Migrations;

/// <summary>The migration runner, each test in an empty database of its own.</summary>
public sealed class MigrationTests
{
    private static readonly string[] AllNames = [.. Migrator.Migrations.Select(m => m.Name)];

    [Test]
    public async Task A_fresh_database_gets_every_migration_once_recorded_with_its_checksum()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestApi.Database.CreateExtraDatabaseAsync());

        var first = await Migrator.MigrateAsync(dataSource);
        var second = await Migrator.MigrateAsync(dataSource);

        var journal = await Journal(dataSource);
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(AllNames));
            Assert.That(second, Is.Empty);
            Assert.That(journal.Keys, Is.EqualTo(AllNames));
            Assert.That(journal.Values, Is.EqualTo(Migrator.Migrations.Select(m => m.CalculateChecksum())));
        });
        Assert.That(await Scalar<bool>(dataSource, "select to_regclass('territories') is not null"), "the schema was created");
    }

    [Test]
    public async Task Concurrent_start_ups_apply_each_migration_once_and_the_others_wait_for_it()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        // One data source each, as separate API processes would have.
        var dataSources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            var applied = await Task.WhenAll(dataSources.Select(ds => Task.Run(() => Migrator.MigrateAsync(ds))));

            Assert.That(applied.SelectMany(a => a).Order(StringComparer.Ordinal), Is.EqualTo(AllNames));
            Assert.That(await Scalar<long>(dataSources[0], $"select count(*) from {Migrator.Journal} where type = 0"), Is.EqualTo(AllNames.Length));
        }
        finally
        {
            foreach (var ds in dataSources) await ds.DisposeAsync();
        }
    }

    [Test]
    public async Task A_database_migrated_by_the_earlier_runner_gets_only_the_later_migrations_and_its_journal_moves_over_once()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var released = Migrator.Migrations.Take(Migrator.Migrations.Count - 2).ToList();
        await MigrateAsTheEarlierRunnerDid(dataSource, released);
        await using var other = NpgsqlDataSource.Create(connectionString);

        // Two processes upgrading together: one adopts the old journal and applies, the other finds nothing left.
        var applied = await Task.WhenAll(Task.Run(() => Migrator.MigrateAsync(dataSource)), Task.Run(() => Migrator.MigrateAsync(other)));
        var again = await Migrator.MigrateAsync(dataSource);

        var journal = await Journal(dataSource);
        Assert.Multiple(async () =>
        {
            Assert.That(applied.SelectMany(a => a), Is.EqualTo(AllNames.Skip(released.Count)), "only the migrations the old runner had not applied");
            Assert.That(again, Is.Empty);
            Assert.That(journal.Keys, Is.EqualTo(AllNames), "each migration recorded once");
            Assert.That(journal.Values, Is.EqualTo(Migrator.Migrations.Select(m => m.CalculateChecksum())));
            Assert.That(await Scalar<bool>(dataSource, "select to_regclass('schema_migrations') is null"), "the old journal is gone");
            Assert.That(await Scalar<string>(dataSource,
                    $"select description from {Migrator.Journal} where name = '{released[0].Name}'"),
                Does.EndWith("(recorded by the earlier runner)"));
        });
    }

    [Test]
    public async Task An_edited_released_migration_stops_the_migration_with_a_message_naming_it_and_nothing_later_runs()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestApi.Database.CreateExtraDatabaseAsync());
        await Migrator.MigrateAsync(dataSource);
        var edited = Migrator.Migrations
            .Select(m => m.Name == "0002_knowledge.sql" ? Migrator.Script(m.Name, m.Content + "\n-- an afterthought\n") : m)
            .Append(Migrator.Script("9999_later.sql", "create table later_table (id int);"))
            .ToList();

        var error = Assert.ThrowsAsync<MigrationException>(() => Migrator.MigrateAsync(dataSource, edited));

        Assert.That(error!.Message, Does.Contain("0002_knowledge.sql").And.Contain("never edited").And.Contain("new migration"));
        Assert.That(await Scalar<bool>(dataSource, "select to_regclass('later_table') is null"), "no migration ran");
    }

    [Test]
    public async Task Starting_the_api_on_a_database_whose_applied_migration_changed_exits_with_code_1_and_the_message_alone()
    {
        var connectionString = await TestApi.Database.CreateExtraDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await Migrator.MigrateAsync(dataSource);
            await Scalar<int>(dataSource, $"update {Migrator.Journal} set checksum = md5('edited') where name = '0003_change_feed.sql' returning 1");
        }

        var api = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--urls", "http://127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Observatoire"] = connectionString,
                ["Seeds__LoadWhenEmpty"] = "false",
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        using var process = Process.Start(api)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        var output = await stdout + await stderr;
        Assert.Multiple(async () =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(1), output);
            Assert.That(await stderr, Does.Contain("invalid checksum for migration: 0003_change_feed.sql").And.Contain("never edited"));
            Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
        });
    }

    /// <summary>What the runner before Evolve did: each file in order, its version recorded in schema_migrations.</summary>
    private static async Task MigrateAsTheEarlierRunnerDid(NpgsqlDataSource dataSource, IEnumerable<EvolveDb.Migration.MigrationScript> migrations)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand(
            "create table schema_migrations (version text primary key, applied_at timestamptz not null default now())", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        foreach (var migration in migrations)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var apply = new NpgsqlCommand(migration.Content, connection, transaction)) await apply.ExecuteNonQueryAsync();
            await using (var record = new NpgsqlCommand("insert into schema_migrations (version) values ($1)", connection, transaction))
            {
                record.Parameters.AddWithValue(Path.GetFileNameWithoutExtension(migration.Name));
                await record.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
    }

    /// <summary>Applied migrations in order of application: name → checksum.</summary>
    private static async Task<Dictionary<string, string>> Journal(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand($"select name, checksum from {Migrator.Journal} where type = 0 and success order by id");
        await using var reader = await command.ExecuteReaderAsync();
        var result = new Dictionary<string, string>();
        while (await reader.ReadAsync()) result.Add(reader.GetString(0), reader.GetString(1));
        return result;
    }

    private static async Task<T> Scalar<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
