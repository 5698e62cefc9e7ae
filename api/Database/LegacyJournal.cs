using Dapper;
using EvolveDb.Migration;
using Npgsql;

namespace Observatoire.Api.Database;

/// <summary>
/// Databases migrated before Evolve recorded their migrations in <c>schema_migrations</c> (version = file name
/// without .sql, no checksum). Their rows move to Evolve's journal, with today's checksums, in one transaction
/// that also drops the old table: run again, it finds nothing to do. The caller holds the migration lock.
/// </summary>
internal static class LegacyJournal
{
    // The table Evolve 3.2 creates on PostgreSQL (PostgreSQLMetadataTable), created here first so that
    // the adopted rows and Evolve's own land in the same journal.
    private const string CreateJournal = """
        create table if not exists {0} (
            id serial primary key not null,
            type smallint,
            version varchar(50),
            description varchar(200) not null,
            name varchar(300) not null,
            checksum varchar(32),
            installed_by varchar(100) not null,
            installed_on timestamp not null default now(),
            success boolean not null
        )
        """;

    // type 0 is a versioned migration (EvolveDb.Metadata.MetadataType.Migration).
    private const string Adopt = """
        insert into {0} (type, version, description, name, checksum, installed_by, installed_on, success)
        select 0, @Version, @Description, @Name, @Checksum, current_user, applied_at::timestamp, true
        from {1}
        where version = @Legacy
          and not exists (select 1 from {0} where type = 0 and version = @Version and success)
        """;

    public static async Task AdoptAsync(NpgsqlConnection connection, string schema, IReadOnlyList<MigrationScript> migrations, CancellationToken ct)
    {
        var legacy = $"{Quote(schema)}.schema_migrations";
        var journal = $"{Quote(schema)}.{Quote(Migrator.Journal)}";
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition("select to_regclass(@legacy) is not null", new { legacy }, cancellationToken: ct)))
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        var applied = await connection.QueryAsync<string>(new CommandDefinition(
            $"select version from {legacy} order by version", transaction: transaction, cancellationToken: ct));
        var byStem = migrations.ToDictionary(m => Path.GetFileNameWithoutExtension(m.Name), StringComparer.Ordinal);
        await connection.ExecuteAsync(new CommandDefinition(string.Format(CreateJournal, journal), transaction: transaction, cancellationToken: ct));
        foreach (var version in applied)
        {
            if (!byStem.TryGetValue(version, out var script))
            {
                throw new MigrationException(
                    $"The database cannot be migrated: it has migration {version}, which this version of the API does not know. " +
                    "Run the version of the API that applied it, or a later one.");
            }
            await connection.ExecuteAsync(new CommandDefinition(string.Format(Adopt, journal, legacy), new
            {
                Version = script.Version!.Label,
                Description = $"{script.Description} (recorded by the earlier runner)",
                script.Name,
                Checksum = script.CalculateChecksum(),
                Legacy = version,
            }, transaction, cancellationToken: ct));
        }
        await connection.ExecuteAsync(new CommandDefinition($"drop table {legacy}", transaction: transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
