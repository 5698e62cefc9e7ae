using Dapper;
using Npgsql;
using Observatoire.Api.Health;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

/// <summary>
/// Brings the database to this version at start-up, as its owner: migrations, the run-time role's grants, the
/// bootstrap API key, the seeds of an empty database. When the database cannot be reached, the API starts
/// anyway, not ready (<see cref="Readiness"/>), and tries again in the background until it can.
/// </summary>
public sealed class DatabasePreparation(
    IServiceProvider services, DatabaseConnections connections, Readiness readiness, IHostApplicationLifetime lifetime,
    ILogger<DatabasePreparation> logger) : IHostedService
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _stopping = new();
    private Task _retrying = Task.CompletedTask;

    private bool _prepared;

    /// <summary>
    /// The first attempt, before the host starts: a reachable database is ready on the first request, and one
    /// that cannot be brought to this version (a changed migration) stops the start-up with its message alone.
    /// </summary>
    public async Task PrepareOrDeferAsync(CancellationToken ct = default) => _prepared = await TryPrepareAsync(ct);

    public Task StartAsync(CancellationToken ct)
    {
        if (!_prepared) _retrying = RetryAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await _stopping.CancelAsync();
        try
        {
            await _retrying.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RetryAsync(CancellationToken ct)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(wait, ct);
            try
            {
                if (await TryPrepareAsync(ct)) return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Reachable, but it cannot be brought to this version (a changed migration, bad seeds): only a person can fix it.
                logger.LogCritical(e, "The database cannot be prepared: {Reason}", e.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
    }

    /// <summary>False when the database is unavailable (it is tried again later); any other failure throws.</summary>
    private async Task<bool> TryPrepareAsync(CancellationToken ct)
    {
        try
        {
            await PrepareAsync(ct);
            readiness.MarkDatabasePrepared();
            return true;
        }
        catch (Exception e) when (DatabaseFaults.RetryAfterSeconds(e) is not null && e is not OperationCanceledException)
        {
            logger.LogWarning("The database is unavailable ({Reason}): the API answers 503 and tries again", e.InnerException?.Message ?? e.Message);
            return false;
        }
    }

    private async Task PrepareAsync(CancellationToken ct)
    {
        await using var owner = NpgsqlDataSource.Create(connections.Owner);
        if (services.GetService<LocalPostgres>() is { } cluster)
        {
            logger.LogInformation("Using the local PostgreSQL cluster in {Directory} on 127.0.0.1:{Port}", cluster.ClusterDirectory, cluster.Port);
        }
        var applied = await Migrator.MigrateAsync(owner, ct);
        if (applied.Count > 0) logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));
        await GrantRunTimeRoleAsync(owner, ct);

        await ApiKeys.RegisterBootstrapKeyAsync(services, owner, logger);

        if (services.GetRequiredService<IConfiguration>().GetValue("Seeds:LoadWhenEmpty", true) && await Seeder.IsEmptyAsync(owner))
        {
            var counts = await Seeder.SeedAsync(owner, services.GetRequiredService<CollectionRegistry>(), Seeder.DefaultDirectory, ct);
            logger.LogInformation("Loaded seeds: {Counts}", counts);
        }
    }

    /// <summary>
    /// The run-time role may read and write every table of the schema and use its sequences, now and for tables
    /// created later by the owner; nothing else (no DDL: it owns nothing). Run at every start, so that a table a
    /// new migration adds is granted too. Nothing to do when one role does both.
    /// </summary>
    private async Task GrantRunTimeRoleAsync(NpgsqlDataSource owner, CancellationToken ct)
    {
        var role = new NpgsqlConnectionStringBuilder(connections.RunTime).Username;
        if (string.IsNullOrEmpty(role) || role == new NpgsqlConnectionStringBuilder(connections.Owner).Username) return;
        await using var connection = await owner.OpenConnectionAsync(ct);
        var schema = Quote(await connection.ExecuteScalarAsync<string>(new CommandDefinition("select current_schema()", cancellationToken: ct)) ?? "public");
        var grantee = Quote(role);
        await connection.ExecuteAsync(new CommandDefinition($"""
            grant usage on schema {schema} to {grantee};
            grant select, insert, update, delete on all tables in schema {schema} to {grantee};
            grant usage, select on all sequences in schema {schema} to {grantee};
            alter default privileges in schema {schema} grant select, insert, update, delete on tables to {grantee};
            alter default privileges in schema {schema} grant usage, select on sequences to {grantee};
            """, cancellationToken: ct));
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
