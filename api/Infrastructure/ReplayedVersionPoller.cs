using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Infrastructure;

/// <summary>One server of the read connection string, with the data version it was last seen to have replayed.</summary>
internal sealed class StandbyHost(string name, NpgsqlDataSource dataSource)
{
    public string Name { get; } = name;

    /// <summary>A small pool of its own: the read source may send a connection to any of the hosts.</summary>
    public NpgsqlDataSource DataSource { get; } = dataSource;

    private volatile Seen? _last;

    /// <summary>The version last read on it, and when (Environment.TickCount64); replaced whole, never torn.</summary>
    public Seen? Last { get => _last; set => _last = value; }

    public sealed record Seen(DataVersion Version, long AtTicks);

    /// <summary>One entry per host named (host or host:port, comma-separated, as Npgsql reads them).</summary>
    public static IReadOnlyList<StandbyHost> All(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        return [.. (settings.Host ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(entry =>
        {
            var (host, port) = Split(entry, settings.Port);
            var one = new NpgsqlConnectionStringBuilder(connectionString)
            {
                Host = host, Port = port, TargetSessionAttributes = null, LoadBalanceHosts = false, MaxPoolSize = 2, MinPoolSize = 0,
                ApplicationName = ReplayedVersionPoller.ApplicationName, Timeout = 5, CommandTimeout = 5,
            };
            return new StandbyHost(entry, NpgsqlDataSource.Create(one.ConnectionString));
        })];
    }

    private static (string Host, int Port) Split(string entry, int defaultPort)
    {
        // host, host:port, [v6], [v6]:port; a bare IPv6 address has several colons and no port.
        var colon = entry.LastIndexOf(':');
        if (colon <= 0 || entry.EndsWith(']') || (entry.IndexOf(':') != colon && !entry.StartsWith('['))) return (entry.Trim('[', ']'), defaultPort);
        return int.TryParse(entry[(colon + 1)..], out var port) ? (entry[..colon].Trim('[', ']'), port) : (entry, defaultPort);
    }
}

/// <summary>
/// Reads, every Replicas:PollIntervalMilliseconds (50 ms), the data version each read server has replayed
/// (data_version is replicated; LISTEN is not available on a standby). That interval plus the replay lag bounds how
/// long a cached answer outlives a commit on a process reading from standbys.
/// </summary>
public sealed class ReplayedVersionPoller(ReadReplicas replicas, ILogger<ReplayedVersionPoller> logger) : BackgroundService
{
    public const string ApplicationName = "observatoire-replayed-version";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = new HashSet<string>();
        using var timer = new PeriodicTimer(replicas.PollInterval);
        do
        {
            await Task.WhenAll(replicas.Hosts.Select(host => PollAsync(host, failing, stoppingToken)));
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task PollAsync(StandbyHost host, HashSet<string> failing, CancellationToken ct)
    {
        try
        {
            await using var connection = await host.DataSource.OpenConnectionAsync(ct);
            var seen = await DataVersions.ReadAsync(connection, ct);
            // Versions only grow on a server; one read lower (a host replaced by an older copy) is taken as it is.
            host.Last = new StandbyHost.Seen(seen, Environment.TickCount64);
            lock (failing)
            {
                if (failing.Remove(host.Name)) logger.LogInformation("The read server {Host} answers again", host.Name);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Left to age past Replicas:MaxPollAgeMilliseconds: then the others set the version, or reads go to the primary.
            lock (failing)
            {
                if (failing.Add(host.Name)) logger.LogWarning("The read server {Host} cannot be polled for its data version: {Error}", host.Name, e.Message);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

public static class ReadReplicaSetup
{
    /// <summary>
    /// The connection string of the data version listener: ConnectionStrings:ObservatoireListen when set (LISTEN
    /// needs a session, so it must reach the primary directly when the others go through a transaction pooler),
    /// else the primary's.
    /// </summary>
    public static string ListenerConnectionString(IConfiguration configuration, string primary) =>
        configuration.GetConnectionString("ObservatoireListen") is { Length: > 0 } listen ? listen : primary;

    public static IServiceCollection AddObservatoireReadReplicas(this IServiceCollection services, IConfiguration configuration)
    {
        var configured = configuration.GetConnectionString(ReadReplicas.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(configured)) return services;
        var settings = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithRunTimeDefaults(configured));
        // Npgsql refuses target session attributes with a single host, where they would choose nothing anyway.
        if (settings.Host?.Contains(',') != true) settings.Remove("Target Session Attributes");
        var connectionString = settings.ConnectionString;
        var interval = TimeSpan.FromMilliseconds(configuration.GetValue("Replicas:PollIntervalMilliseconds", 50));
        var maxAge = TimeSpan.FromMilliseconds(configuration.GetValue("Replicas:MaxPollAgeMilliseconds", 1000));
        // Made by the container, so that it disposes the data sources when the application stops.
        return services
            .AddSingleton(_ => new ReadReplicas(NpgsqlDataSource.Create(connectionString), StandbyHost.All(connectionString), interval, maxAge))
            .AddHostedService(provider => new ReplayedVersionPoller(
                provider.GetRequiredService<ReadReplicas>(), provider.GetRequiredService<ILogger<ReplayedVersionPoller>>()));
    }

    /// <summary>
    /// Keeps an endpoint's reads on the primary: for data the data version does not cover (API keys), whose
    /// replay the routing cannot check.
    /// </summary>
    public static TBuilder ReadsOnPrimary<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(PrimaryReads.Instance);

    internal sealed class PrimaryReads
    {
        public static readonly PrimaryReads Instance = new();
    }

    /// <summary>
    /// Sends each GET that the standbys can answer to them, by giving it request services whose NpgsqlDataSource is
    /// the read source. Put after authentication (its key lookups stay on the primary) and before the endpoints.
    /// </summary>
    public static IApplicationBuilder UseReadReplicas(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) ||
            context.GetEndpoint()?.Metadata.GetMetadata<PrimaryReads>() is not null)
        {
            await next(context);
            return;
        }
        // Checked with or without standbys, so that a client learns of a malformed header before it matters.
        if (!ReadReplicas.TryRequired(context.Request, out var asked))
        {
            await TypedResults.Problem(Problems.Create(context, StatusCodes.Status400BadRequest, "Bad Request",
                $"The {ReadReplicas.MinVersionHeader} header must be a data version, as returned by a write.")).ExecuteAsync(context);
            return;
        }
        if (context.RequestServices.GetService<ReadReplicas>() is not { } replicas ||
            replicas.Replayed is not { } replayed || replayed.Version < Math.Max(asked, replicas.OwnWrite))
        {
            await next(context);
            return;
        }

        var original = context.RequestServices;
        context.RequestServices = new ReadReplicas.ReadServices(original, replicas.Source);
        context.Items[ReadReplicas.StandbyRead] = replayed;
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestServices = original;
        }
    });
}
