using Npgsql;

namespace Observatoire.Api.Tests.Caching;

/// <summary>The data version in the database (migration 0009): which writes move it on, and how often.</summary>
public sealed class DataVersionTests
{
    private static Task<long> Version() => TestApi.Database.ScalarAsync<long>("select version from data_version");

    [Test]
    public async Task Every_table_an_answer_reads_moves_the_data_version_on()
    {
        var untracked = new List<string>();
        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = current_schema() and c.relkind in ('r', 'p')
              -- Bookkeeping no answer reads: keys, the version itself, the migrations, the links' and the feed's work queues,
              -- secrets, the webhooks (their own writes must not feed their outbox) and the rate-limit counters (written
              -- into each answer's RateLimit field, never into a cached body), and the records' stored documents (answers
              -- derived from the tracked tables, checked against the record's change_seq when read).
              and c.relname not in ('api_keys', 'data_version', 'evolve_changelog', 'territory_links_pending', 'deployment_secrets', 'feed_pending',
                                    'webhook_endpoints', 'webhook_outbox', 'webhook_deliveries', 'webhook_attempts',
                                    'rate_limit_counters', 'rate_limit_replicas', 'record_documents')
              and not exists (select from pg_trigger t where t.tgrelid = c.oid and t.tgname = c.relname || '_data_version')
            """, connection);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) untracked.Add(reader.GetString(0));
        }
        Assert.That(untracked, Is.Empty, "tables whose changes would not invalidate the read cache");
        Assert.That(await TestApi.Database.ScalarAsync<long>("select count(*) from pg_trigger where tgname like '%\\_data\\_version'"),
            Is.GreaterThan(20));
    }

    [Test]
    public async Task The_seeds_moved_it_on_and_one_transaction_moves_it_once_and_a_rolled_back_one_not_at_all()
    {
        Assert.That(await Version(), Is.GreaterThan(1), "loading the seeds moved it on");

        var source = await Records.NewSource();
        var before = await Version();
        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await using var update = new NpgsqlCommand($"update sources set title = 'Titre {i}' where id = '{source}'", connection, transaction);
                await update.ExecuteNonQueryAsync();
            }
            await transaction.RollbackAsync();
        }
        Assert.That(await Version(), Is.EqualTo(before), "a rolled-back transaction changed nothing");

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await using var update = new NpgsqlCommand($"update sources set title = 'Titre {i}' where id = '{source}'", connection, transaction);
                await update.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
        Assert.That(await Version(), Is.EqualTo(before + 1), "three statements, one commit, one version");
    }

    [Test]
    public async Task A_collection_tracked_later_and_the_tables_referring_to_it_move_it_on()
    {
        await using var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task<long> Run(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
        }
        await Run("""
            create table widgets (id text primary key, created_at timestamptz not null, updated_at timestamptz not null,
                                  version bigint not null, change_txid xid8 not null, change_seq bigint not null);
            create table widget_parts (widget_id text not null references widgets (id) on delete cascade, part text not null);
            select track_collection('widgets');
            set constraints all immediate;
            """);
        var before = await Run("select version from data_version");
        await Run("insert into widgets (id) values ('w1')");
        var afterCollection = await Run("select version from data_version");
        // Immediate, the bump runs per statement; the transaction's marker is cleared so that the next one counts too.
        await Run("select length(set_config('observatoire.data_version_bumped_by', '', true))");
        await Run("insert into widget_parts values ('w1', 'p')");
        var afterLink = await Run("select version from data_version");
        await transaction.RollbackAsync();
        Assert.Multiple(() =>
        {
            Assert.That(afterCollection, Is.EqualTo(before + 1), "the collection's table");
            Assert.That(afterLink, Is.EqualTo(afterCollection + 1), "its link table");
        });
    }
}
