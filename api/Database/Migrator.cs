using Npgsql;

namespace Observatoire.Api.Database;

/// <summary>
/// Applies the numbered SQL files embedded from Database/Migrations in order, each in its own
/// transaction, under a transaction-level advisory lock so that instances starting together
/// cannot apply the same migration twice. See docs/decisions/0002-migrations.md.
/// </summary>
public static class Migrator
{
    // An arbitrary constant that names "the Observatoire schema" for pg_advisory_xact_lock.
    private const long AdvisoryLockKey = 0x4f42_5345_5256;

    private const string CreateHistory = """
        create table if not exists schema_migrations (
            version text primary key,
            applied_at timestamptz not null default now()
        )
        """;

    public static IReadOnlyList<(string Version, string Sql)> Migrations { get; } = LoadMigrations();

    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        var applied = new List<string>();
        foreach (var (version, sql) in Migrations)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await Execute(connection, transaction, $"select pg_advisory_xact_lock({AdvisoryLockKey})", ct);
            await Execute(connection, transaction, CreateHistory, ct);

            await using var check = new NpgsqlCommand("select 1 from schema_migrations where version = $1", connection, transaction);
            check.Parameters.AddWithValue(version);
            if (await check.ExecuteScalarAsync(ct) is not null)
            {
                await transaction.RollbackAsync(ct);
                continue;
            }

            await Execute(connection, transaction, sql, ct);
            await using var record = new NpgsqlCommand("insert into schema_migrations (version) values ($1)", connection, transaction);
            record.Parameters.AddWithValue(version);
            await record.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            applied.Add(version);
        }
        return applied;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<(string, string)> LoadMigrations()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "Observatoire.Api.Database.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return (name[prefix.Length..^".sql".Length], reader.ReadToEnd());
            })
            .ToList();
    }
}
