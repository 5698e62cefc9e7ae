using Dapper;
using EvolveDb;
using EvolveDb.Dialect;
using EvolveDb.Metadata;
using EvolveDb.Migration;
using Npgsql;

namespace Observatoire.Api.Database;

/// <summary>
/// Applies the numbered SQL files embedded from Database/Migrations with Evolve: each in its own transaction,
/// recorded with its checksum in <see cref="Journal"/>; an applied migration whose text changed stops the
/// start-up. See docs/decisions/0013-evolve-migrations.md.
/// </summary>
public static class Migrator
{
    public const string Journal = "evolve_changelog";

    // The key the earlier runner took (per transaction): processes of both kinds exclude each other.
    private const long AdvisoryLockKey = 0x4f42_5345_5256;

    private const string ResourcePrefix = "Observatoire.Api.Database.Migrations.";

    /// <summary>The embedded migrations, in order: <c>NNNN_name.sql</c>, version NNNN.</summary>
    public static IReadOnlyList<MigrationScript> Migrations { get; } = LoadMigrations();

    /// <summary>Migrates the database; returns the names of the migrations it applied.</summary>
    public static Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct = default) =>
        MigrateAsync(dataSource, Migrations, ct);

    internal static async Task<IReadOnlyList<string>> MigrateAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<MigrationScript> migrations, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // A blocking session lock: a second process waits here, then finds nothing left to apply
        // (Evolve's own lock would make it poll every 3 seconds).
        await connection.ExecuteAsync(new CommandDefinition($"select pg_advisory_lock({AdvisoryLockKey})", cancellationToken: ct));
        try
        {
            var schema = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("select current_schema()", cancellationToken: ct))
                ?? throw new MigrationException("The database cannot be migrated: no schema of its search_path exists.");
            await LegacyJournal.AdoptAsync(connection, schema, migrations, ct);

            var evolve = new Evolve(connection, dbms: DBMS.PostgreSQL)
            {
                MigrationLoader = new Loader(migrations),
                Schemas = [schema],
                MetadataTableName = Journal,
                IsEraseDisabled = true,
            };
            try
            {
                evolve.Migrate();
            }
            catch (EvolveValidationException e)
            {
                throw new MigrationException(
                    $"The database cannot be migrated: {e.Message}\n" +
                    "An applied migration has changed since it ran. Released migrations are never edited: restore its " +
                    "released text (git log -p api/Database/Migrations) and put the change in a new migration.", e);
            }
            catch (EvolveException e)
            {
                throw new MigrationException($"The database cannot be migrated: {e.Message} {e.InnerException?.Message}".TrimEnd(), e);
            }
            return evolve.AppliedMigrations;
        }
        finally
        {
            // Pooled connections are not reset when returned (No Reset On Close): release the session lock.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await connection.ExecuteAsync($"select pg_advisory_unlock({AdvisoryLockKey})");
            }
        }
    }

    /// <summary>A script set of its own, for tests (the same naming as the embedded files).</summary>
    internal static MigrationScript Script(string name, string sql) => Embedded.From(name, sql);

    private static List<MigrationScript> LoadMigrations()
    {
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return (MigrationScript)Embedded.From(name[ResourcePrefix.Length..], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>
    /// <c>0001_territories.sql</c>: version 0001, description "territories". Evolve's own file convention
    /// (<c>V1__name.sql</c>) is not used so that the released files keep their names.
    /// </summary>
    private sealed class Embedded(string version, string description, string name, string content)
        : MigrationScript(version, description, name, content, MetadataType.Migration)
    {
        public static Embedded From(string name, string content)
        {
            var stem = Path.GetFileNameWithoutExtension(name);
            var separator = stem.IndexOf('_');
            if (separator <= 0 || !stem[..separator].All(char.IsAsciiDigit))
            {
                throw new MigrationException($"The migration {name} is not named NNNN_description.sql.");
            }
            return new Embedded(stem[..separator], stem[(separator + 1)..].Replace('_', ' '), name, content);
        }
    }

    private sealed class Loader(IReadOnlyList<MigrationScript> migrations) : IMigrationLoader
    {
        public IEnumerable<MigrationScript> GetMigrations() => migrations;
        public IEnumerable<MigrationScript> GetRepeatableMigrations() => [];
    }
}

/// <summary>The database cannot be brought to this version's schema; the message says why and what to do.</summary>
public sealed class MigrationException(string message, Exception? inner = null) : Exception(message, inner);
