using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Faults;

/// <summary>The API's run-time role, through a real connection with the connection string the API uses.</summary>
public sealed class LeastPrivilegeTests
{
    private static string RunTime => TestApi.Factory.Services.GetRequiredService<DatabaseConnections>().RunTime;

    private static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(RunTime);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [Test]
    public async Task The_run_time_role_is_not_a_superuser_and_owns_nothing()
    {
        await using var connection = await OpenAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await ScalarAsync(connection, "select current_user"), Is.Not.EqualTo(new NpgsqlConnectionStringBuilder(TestApi.Database.ConnectionString).Username));
            Assert.That(await ScalarAsync(connection, "select rolsuper or rolcreatedb or rolcreaterole or rolbypassrls from pg_roles where rolname = current_user"), Is.False);
            Assert.That(await ScalarAsync(connection, "select count(*) from pg_class where relowner = (select oid from pg_roles where rolname = current_user)"), Is.EqualTo(0L));
        });
    }

    [TestCase("create table intruder (id integer)", TestName = "The_run_time_role_cannot_create_a_table")]
    [TestCase("alter table territories add column intruder integer", TestName = "The_run_time_role_cannot_alter_a_table")]
    [TestCase("drop table sources", TestName = "The_run_time_role_cannot_drop_a_table")]
    [TestCase("truncate sources", TestName = "The_run_time_role_cannot_truncate_a_table")]
    [TestCase("copy (select 1) to program 'true'", TestName = "The_run_time_role_cannot_run_a_program_through_copy")]
    [TestCase("create schema intruder", TestName = "The_run_time_role_cannot_create_a_schema")]
    public async Task The_run_time_role_is_refused(string sql)
    {
        await using var connection = await OpenAsync();
        var refused = Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, sql));
        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), refused.Message);
    }

    [Test]
    public async Task The_run_time_role_reads_writes_and_listens()
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Assert.That((long)(await ScalarAsync(connection, "select count(*) from territories"))!, Is.GreaterThan(0));
        var inserted = await ScalarAsync(connection,
            "insert into sources (id, url, created_at, updated_at, version) values ('src-privilege-check', 'https://example.org/p', now(), now(), 1) returning id");
        Assert.That(inserted, Is.EqualTo("src-privilege-check"));
        Assert.That(await ScalarAsync(connection, "update sources set title = 'x' where id = 'src-privilege-check' returning id"), Is.EqualTo("src-privilege-check"));
        Assert.That(await ScalarAsync(connection, "delete from sources where id = 'src-privilege-check' returning id"), Is.EqualTo("src-privilege-check"));
        await transaction.RollbackAsync();
        await ScalarAsync(connection, "listen observatoire_privilege_check");
    }

    [Test]
    public async Task A_table_the_owner_creates_later_is_granted_to_the_run_time_role()
    {
        var table = $"later_{Guid.NewGuid():N}"[..20];
        await using (var owner = new NpgsqlConnection(TestApi.Database.ConnectionString))
        {
            await owner.OpenAsync();
            await ScalarAsync(owner, $"create table {table} (id integer)");
        }
        try
        {
            await using var connection = await OpenAsync();
            Assert.That(await ScalarAsync(connection, $"insert into {table} values (1) returning id"), Is.EqualTo(1));
        }
        finally
        {
            await using var owner = new NpgsqlConnection(TestApi.Database.ConnectionString);
            await owner.OpenAsync();
            await ScalarAsync(owner, $"drop table {table}");
        }
    }
}
