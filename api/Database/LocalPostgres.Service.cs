using System.Security.Cryptography;
using Npgsql;

namespace Observatoire.Api.Database;

// While the application runs: the restricted role it connects with, and restarting the server if it died.
public sealed partial class LocalPostgres
{
    /// <summary>The role the API connects with at run time: it reads and writes the data, nothing else (ADR 0023).</summary>
    public const string AppRole = "observatoire_app";

    private string AppPasswordFile => Beside(".app-password");

    /// <summary>
    /// Creates the run-time role (login, no other attribute) with a password generated once and kept beside the
    /// cluster's, and returns its connection string. The superuser stays the owner that migrates and seeds.
    /// </summary>
    public async Task<string> EnsureAppRoleAsync(string database, CancellationToken ct = default)
    {
        if (!File.Exists(AppPasswordFile))
        {
            await WriteSecretAsync(AppPasswordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant(), ct);
        }
        // Hexadecimal, hence safe to write into the statement (CREATE ROLE takes no parameters).
        var password = (await File.ReadAllTextAsync(AppPasswordFile, ct)).Trim();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        // Another process of the clone may create it at the same moment; the password is set again either way.
        await using var create = new NpgsqlCommand(
            $"""
            do $$ begin
              create role {AppRole} login;
            exception when duplicate_object then null;
            end $$;
            alter role {AppRole} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password '{password}';
            """, connection);
        await create.ExecuteNonQueryAsync(ct);
        return new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Username = AppRole, Password = password }.ConnectionString;
    }

    /// <summary>
    /// Starts the server again, on the same port, if it is not running (killed, crashed); false when it runs.
    /// A stale postmaster.pid is removed first, as at start-up.
    /// </summary>
    public async Task<bool> RestartIfDeadAsync(CancellationToken ct = default)
    {
        if (LivePostmaster(ClusterDirectory) is not null || _registration is null) return false;
        await using var _ = await LockAsync(ct);
        if (LivePostmaster(ClusterDirectory) is not null) return false;
        await StartOrJoinAsync(ct, keepPort: true);
        return true;
    }
}

/// <summary>
/// Restarts the private cluster when its server dies while the API runs (kill -9, out-of-memory killer): the
/// connection pool then heals by itself and the API needs no restart.
/// </summary>
public sealed class LocalPostgresWatchdog(LocalPostgres cluster, ILogger<LocalPostgresWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await cluster.RestartIfDeadAsync(stoppingToken))
                {
                    logger.LogWarning("The local PostgreSQL server in {Directory} had stopped; it was started again on 127.0.0.1:{Port}", cluster.ClusterDirectory, cluster.Port);
                }
            }
            catch (Exception e) when (e is LocalPostgresException or IOException or NpgsqlException)
            {
                // Its processes may still be ending (shared memory in use): the next tick tries again.
                logger.LogError("The local PostgreSQL server in {Directory} is down and could not be started yet: {Reason}", cluster.ClusterDirectory, e.Message);
            }
        }
    }
}
