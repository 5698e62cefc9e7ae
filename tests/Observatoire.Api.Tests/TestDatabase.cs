using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests;

/// <summary>
/// The real PostgreSQL the suite runs against: the server named by OBSERVATOIRE_TEST_CONNECTION (a fresh
/// database is created on it and dropped afterwards), or else a throwaway cluster started from the
/// PostgreSQL binaries of the machine and removed at the end.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ServerVariable = "OBSERVATOIRE_TEST_CONNECTION";

    private readonly LocalPostgres? _cluster;
    private readonly string? _clusterRoot;
    private readonly string _adminConnectionString;
    private readonly string _database;

    private TestDatabase(string adminConnectionString, string database, LocalPostgres? cluster, string? clusterRoot)
    {
        _adminConnectionString = adminConnectionString;
        _database = database;
        _cluster = cluster;
        _clusterRoot = clusterRoot;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database }.ConnectionString;
        AppConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = _appRole, Password = _appPassword, Pooling = true }.ConnectionString;
    }

    /// <summary>The owner's (a superuser or a role that may create databases): migrations, seeds, test set-up.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// The restricted role the API under test connects with, as in production (login only; its grants come from the
    /// API's start-up). Its name is unique to the run: roles belong to the whole server.
    /// </summary>
    public string AppConnectionString { get; }

    private readonly string _appRole = $"observatoire_app_{Guid.NewGuid():N}"[..29];
    private readonly string _appPassword = Guid.NewGuid().ToString("N");

    private async Task CreateAppRoleAsync()
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create role {_appRole} login password '{_appPassword}'", connection);
        await create.ExecuteNonQueryAsync();
    }

    private readonly List<string> _extraDatabases = [];

    /// <summary>Another empty database on the same server, dropped with this one (for tests that need data of their own).</summary>
    public async Task<string> CreateExtraDatabaseAsync()
    {
        var name = $"observatoire_extra_{Guid.NewGuid():N}"[..31];
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {name}", connection);
        await create.ExecuteNonQueryAsync();
        _extraDatabases.Add(name);
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var database = $"observatoire_test_{Guid.NewGuid():N}"[..30];
        var server = Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(server))
        {
            var admin = new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString;
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {database}", connection);
            await create.ExecuteNonQueryAsync();
            var onServer = new TestDatabase(admin, database, null, null);
            await onServer.CreateAppRoleAsync();
            return onServer;
        }

        var binaries = LocalPostgres.FindBinaries() ?? throw new InvalidOperationException(
            $"The tests need PostgreSQL: install its server binaries (apt-get install postgresql) or set {ServerVariable}.");
        var root = Path.Combine(Path.GetTempPath(), $"observatoire-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                       UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        var cluster = await LocalPostgres.StartAsync(Path.Combine(root, "postgres"), binaries);
        await cluster.EnsureDatabaseAsync(database);
        var testDatabase = new TestDatabase(cluster.ConnectionString("postgres"), database, cluster, root);
        await testDatabase.CreateAppRoleAsync();
        return testDatabase;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
            Directory.Delete(_clusterRoot!, recursive: true);
            return;
        }
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        foreach (var database in _extraDatabases.Append(_database))
        {
            await using var drop = new NpgsqlCommand($"drop database if exists {database} with (force)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        await using var dropRole = new NpgsqlCommand($"drop role if exists {_appRole}", connection);
        await dropRole.ExecuteNonQueryAsync();
    }
}
