using System.Data;
using Dapper;
using Npgsql;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Database;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "Observatoire";
    public const string LocalDatabaseName = "observatoire";

    /// <summary>
    /// The configured connection string, or one to a private local cluster started for this process
    /// (registered so that it stops with the application).
    /// </summary>
    public static async Task<string> ResolveConnectionStringAsync(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured)) return WithPoolDefaults(configured);

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
        try
        {
            await cluster.EnsureDatabaseAsync(LocalDatabaseName);
        }
        catch (NpgsqlException e)
        {
            await cluster.DisposeAsync();
            throw new LocalPostgresException(
                $"The local PostgreSQL database cannot be used: the cluster in {cluster.ClusterDirectory} runs but the database {LocalDatabaseName} could not be created: {e.Message}\n" +
                $"Way out: delete {dataDirectory} and the files beside it to start from scratch, or set ConnectionStrings__Observatoire to a PostgreSQL server of yours.");
        }
        // Program disposes it when the application stops: the last process using the cluster stops it.
        builder.Services.AddSingleton(cluster);
        return WithPoolDefaults(cluster.ConnectionString(LocalDatabaseName));
    }

    /// <summary>Pool settings measured on 2 cores: a bounded pool with auto-prepare roughly doubles throughput.</summary>
    public static string WithPoolDefaults(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("Max Pool Size", StringComparison.OrdinalIgnoreCase)) csb.MaxPoolSize = 16;
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase)) csb.MaxAutoPrepare = 20;
        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)) csb.NoResetOnClose = true;
        return csb.ConnectionString;
    }

    public static IServiceCollection AddObservatoireDatabase(this IServiceCollection services, string connectionString)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
        services.AddNpgsqlDataSource(connectionString);
        return services;
    }

    /// <summary>Applies migrations, registers the bootstrap API key and loads the seeds into an empty database.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Observatoire.Database");
        if (app.Services.GetService<LocalPostgres>() is { } cluster)
        {
            logger.LogInformation("Using the local PostgreSQL cluster in {Directory} on 127.0.0.1:{Port}", cluster.ClusterDirectory, cluster.Port);
        }
        var applied = await Migrator.MigrateAsync(dataSource);
        if (applied.Count > 0) logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));

        await ApiKeys.RegisterBootstrapKeyAsync(app, dataSource, logger);

        if (app.Configuration.GetValue("Seeds:LoadWhenEmpty", true) && await Seeder.IsEmptyAsync(dataSource))
        {
            var counts = await Seeder.SeedAsync(dataSource, Seeder.DefaultDirectory);
            logger.LogInformation("Loaded seeds: {Counts}", counts);
        }
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
