using System.Globalization;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Reads on PostgreSQL standbys (ConnectionStrings:ObservatoireReadOnly), writes on the primary. A GET is sent to
/// the read servers only when they are known to have replayed every commit it must see: the version a client's
/// earlier write returned (<see cref="MinVersionHeader"/>) and every write this process answered; otherwise it reads
/// on the primary. Handlers are unchanged: for a GET served by the standbys, the request's services answer
/// NpgsqlDataSource with the read source. See docs/decisions/0027-replicas-and-standbys.md.
/// </summary>
public sealed partial class ReadReplicas : IAsyncDisposable
{
    public const string ConnectionStringName = "ObservatoireReadOnly";

    /// <summary>On a write's answer: the data version it committed. On a read: serve at least that version.</summary>
    public const string MinVersionHeader = "Observatoire-Min-Version";

    internal static readonly object StandbyRead = new();

    private long _ownWrite;

    internal ReadReplicas(NpgsqlDataSource source, IReadOnlyList<StandbyHost> hosts, TimeSpan pollInterval, TimeSpan maxPollAge)
    {
        Source = source;
        Hosts = hosts;
        PollInterval = pollInterval;
        MaxPollAge = maxPollAge;
    }

    /// <summary>The data source of reads: the read-only connection string, multi-host as configured.</summary>
    public NpgsqlDataSource Source { get; }

    /// <summary>Each server the read connection string names, polled on its own for the version it has replayed.</summary>
    internal IReadOnlyList<StandbyHost> Hosts { get; }

    public TimeSpan PollInterval { get; }

    /// <summary>Past this age without a successful poll, the standbys' version is not trusted and reads go to the primary.</summary>
    public TimeSpan MaxPollAge { get; }

    /// <summary>
    /// The lowest version replayed by the read servers that answered their last poll: whichever of them a read
    /// lands on has at least this version (a standby only moves forward). Null while none is known or too old.
    /// </summary>
    public DataVersion? Replayed
    {
        get
        {
            DataVersion? lowest = null;
            var now = Environment.TickCount64;
            foreach (var host in Hosts)
            {
                if (host.Last is not { } seen || now - seen.AtTicks > MaxPollAge.TotalMilliseconds) continue;
                if (lowest is null || seen.Version.Version < lowest.Version) lowest = seen.Version;
            }
            return lowest;
        }
    }

    /// <summary>The version of the latest write this process answered.</summary>
    public long OwnWrite => Interlocked.Read(ref _ownWrite);

    public void WroteAt(long version)
    {
        for (var current = OwnWrite; current < version; current = OwnWrite)
        {
            if (Interlocked.CompareExchange(ref _ownWrite, version, current) == current) return;
        }
    }

    /// <summary>
    /// The version a cacheable read is answered at: on the standbys, the version they had all replayed when the read
    /// was routed (at or below the data it reads, so a body is never kept under a version newer than its data);
    /// on the primary, <see cref="DataVersions.CurrentAsync"/>.
    /// </summary>
    public static ValueTask<DataVersion> CurrentVersionAsync(HttpContext context, CancellationToken ct) =>
        context.Items.TryGetValue(StandbyRead, out var replayed) && replayed is DataVersion version
            ? ValueTask.FromResult(version)
            : context.RequestServices.GetRequiredService<DataVersions>().CurrentAsync(ct);

    internal static bool TryRequired(HttpRequest request, out long version)
    {
        version = 0;
        var header = request.Headers[MinVersionHeader];
        if (header.Count == 0) return true;
        return header.Count == 1 && long.TryParse(header[0], NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    /// <summary>After a committed write: its version goes on the answer, and this process's reads wait for it.</summary>
    internal static void AfterWrite(HttpContext context, DataVersion version)
    {
        context.Response.Headers[MinVersionHeader] = version.Version.ToString(CultureInfo.InvariantCulture);
        context.RequestServices.GetService<ReadReplicas>()?.WroteAt(version.Version);
    }

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        foreach (var host in Hosts) await host.DataSource.DisposeAsync();
    }

    /// <summary>The request's services, but for the database of reads.</summary>
    internal sealed class ReadServices(IServiceProvider inner, NpgsqlDataSource reads) : IServiceProvider, IKeyedServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(NpgsqlDataSource) ? reads : inner.GetService(serviceType);

        public object? GetKeyedService(Type serviceType, object? serviceKey) =>
            ((IKeyedServiceProvider)inner).GetKeyedService(serviceType, serviceKey);

        public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
            ((IKeyedServiceProvider)inner).GetRequiredKeyedService(serviceType, serviceKey);
    }
}
