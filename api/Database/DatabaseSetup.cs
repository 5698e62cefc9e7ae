using System.Data;
using Dapper;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "Observatoire";
    public const string OwnerConnectionStringName = "ObservatoireOwner";
    public const string LocalDatabaseName = "observatoire";

    /// <summary>
    /// The configured connection strings, or ones to a private local cluster started for this process
    /// (registered so that it stops with the application, and watched so that it restarts if it dies).
    /// </summary>
    public static async Task<DatabaseConnections> ResolveConnectionStringsAsync(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // Without an owner string the run-time role migrates too (it must then own the schema).
            var owner = builder.Configuration.GetConnectionString(OwnerConnectionStringName);
            return new DatabaseConnections(WithRunTimeDefaults(configured), string.IsNullOrWhiteSpace(owner) ? configured : owner);
        }

        var binaries = LocalPostgres.FindBinaries() ?? throw new DatabaseUnavailableException(
            """
            No database: ConnectionStrings__Observatoire is not set and no PostgreSQL server binaries (initdb, pg_ctl) were found.
            Either:
              - install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql), then run again;
              - or set ConnectionStrings__Observatoire to a PostgreSQL server, e.g.
                  ConnectionStrings__Observatoire="Host=localhost;Port=5432;Database=observatoire;Username=...;Password=..."
              - or start the stack with Docker: docker compose up
            """);

        var dataDirectory = builder.Configuration["LocalDatabase:Directory"] ?? Path.Combine(RepositoryRoot(builder.Environment.ContentRootPath), ".data", "postgres");
        var cluster = await LocalPostgres.StartAsync(dataDirectory, binaries);
        string runTime;
        try
        {
            await cluster.EnsureDatabaseAsync(LocalDatabaseName);
            runTime = await cluster.EnsureAppRoleAsync(LocalDatabaseName);
        }
        catch (NpgsqlException e)
        {
            await cluster.DisposeAsync();
            throw new LocalPostgresException(
                $"The local PostgreSQL database cannot be used: the cluster in {cluster.ClusterDirectory} runs but the database {LocalDatabaseName} or its role {LocalPostgres.AppRole} could not be created: {e.Message}\n" +
                $"Way out: delete {dataDirectory} and the files beside it to start from scratch, or set ConnectionStrings__Observatoire to a PostgreSQL server of yours.");
        }
        // Program disposes it when the application stops: the last process using the cluster stops it.
        builder.Services.AddSingleton(cluster);
        builder.Services.AddHostedService<LocalPostgresWatchdog>();
        return new DatabaseConnections(WithRunTimeDefaults(runTime), cluster.ConnectionString(LocalDatabaseName));
    }

    /// <summary>
    /// Pool settings measured on 2 cores (a bounded pool with auto-prepare roughly doubles throughput), and the time
    /// budgets of every request (docs/decisions/0023): a statement, a lock wait, an idle transaction, opening a
    /// connection or waiting for a pooled one are all bounded, so that a fault answers 503 instead of hanging.
    /// A setting already in the connection string wins.
    /// </summary>
    public static string WithRunTimeDefaults(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        // The keywords given, spaces and case ignored ("Max Pool Size" = "maxpoolsize").
        var given = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=')[0].Replace(" ", "").ToLowerInvariant()).ToHashSet();
        bool Has(params string[] keys) => keys.Any(given.Contains);
        if (!Has("maximumpoolsize", "maxpoolsize")) csb.MaxPoolSize = 16;
        if (!Has("maxautoprepare")) csb.MaxAutoPrepare = 20;
        if (!Has("noresetonclose")) csb.NoResetOnClose = true;
        // Connecting, and waiting for a pooled connection when all are busy.
        if (!Has("timeout")) csb.Timeout = 5;
        // The client's own bound, above the server's statement_timeout: a server that stops answering altogether.
        if (!Has("commandtimeout")) csb.CommandTimeout = 10;
        var options = csb.Options ?? "";
        foreach (var (setting, value) in Budgets)
        {
            if (!options.Contains(setting, StringComparison.OrdinalIgnoreCase)) options += $" -c {setting}={value}";
        }
        csb.Options = options.Trim();
        return csb.ConnectionString;
    }

    /// <summary>The server-side budgets of the run-time role (each overridable in the connection string's Options).</summary>
    public static readonly IReadOnlyList<(string Setting, string Value)> Budgets =
    [
        ("statement_timeout", "5s"),
        ("lock_timeout", "2s"),
        ("idle_in_transaction_session_timeout", "10s"),
        // The API's statements are index lookups of a millisecond or less: starting parallel workers costs more (5 ms
        // measured), and a prepared statement's generic plan chose them for a search matching one row of 10^6.
        ("max_parallel_workers_per_gather", "0"),
        // A generic plan over 10^6 rows can cost more than jit_above_cost while it finds nothing: the webhook outbox's
        // poll compiled 30 functions every second (50 ms, for a few microseconds of work).
        ("jit", "off"),
    ];

    public static IServiceCollection AddObservatoireDatabase(this IServiceCollection services, DatabaseConnections connections)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
        services.AddNpgsqlDataSource(connections.RunTime);
        services.AddSingleton(connections);
        services.AddSingleton<DatabasePreparation>();
        services.AddHostedService(provider => provider.GetRequiredService<DatabasePreparation>());
        return services;
    }

    /// <summary>The folder holding Observatoire.Api.sln above <paramref name="start"/>, else <paramref name="start"/>.</summary>
    public static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Observatoire.Api.sln"))) return dir.FullName;
        }
        return start;
    }

    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => DateOnly.Parse((string)value, System.Globalization.CultureInfo.InvariantCulture),
        };

        public override void SetValue(IDbDataParameter parameter, DateOnly value)
        {
            parameter.DbType = DbType.Date;
            parameter.Value = value;
        }
    }
}

public sealed class DatabaseUnavailableException(string message) : Exception(message);

/// <summary>
/// The run-time connection string (the API's role: reads and writes the data, nothing else) and the owner's
/// (migrations, grants, seeds). They are the same string when no owner is configured.
/// </summary>
public sealed record DatabaseConnections(string RunTime, string Owner);
