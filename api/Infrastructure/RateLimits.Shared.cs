using System.Threading.RateLimiting;
using Dapper;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// The rate-limit counters of every replica sharing a database (docs/decisions/0032-shared-rate-limits.md). While other
/// replicas count, a replica admits a request only from permits it has reserved in PostgreSQL: it reserves them in
/// blocks (a share of what is left of the client's budget), so most requests are admitted from memory and the shared
/// total never exceeds the budget. Every RateLimits:SyncMilliseconds it reads back the totals of the counters in use
/// and hands back the reservations of counters left idle. A lone replica counts in memory and adds its counts at each
/// exchange. While PostgreSQL cannot be reached, each replica counts on its own and adds its counts once it can.
/// </summary>
public sealed class SharedRateCounters : PartitionedRateLimiter<BudgetPartition>
{
    public const string ApplicationName = "observatoire-rate-limits";
    private static readonly TimeSpan BeatEvery = TimeSpan.FromSeconds(1);
    // A reservation unused this long goes back to the other replicas.
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(1);

    private readonly Dictionary<BudgetPartition, Counter> _counters = [];
    private readonly NpgsqlDataSource _db;
    private readonly string _scope;
    private readonly Guid _replica = Guid.NewGuid();
    private readonly TimeProvider _time;
    // One exchange at a time, so that what is in flight is exactly what the running statement carries.
    private readonly SemaphoreSlim _exchange = new(1, 1);
    private readonly ILogger _logger;
    private long _nextBeat;
    private volatile int _replicas = 1;
    private volatile bool _failing;

    public SharedRateCounters(string connectionString, RateLimitSettings settings, TimeProvider time, ILogger logger)
    {
        _db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Short timeouts: a request may wait for an exchange.
            ApplicationName = ApplicationName, MaxPoolSize = 2, MinPoolSize = 0, Multiplexing = false, Timeout = 2, CommandTimeout = 2,
        }.ConnectionString);
        _scope = settings.Scope;
        _time = time;
        _logger = logger;
    }

    /// <summary>The replicas counting for this scope, as last read (this one included).</summary>
    public int Replicas => _replicas;

    /// <summary>
    /// A request counted whatever the budget says (a failed authentication is counted, not limited); shared at once
    /// when other replicas count, so that they refuse the client's next attempt. Failures are rare: the round trip is.
    /// </summary>
    public async ValueTask SpendAsync(BudgetPartition partition, CancellationToken ct)
    {
        var counter = CounterOf(partition);
        lock (counter) counter.Pending++;
        if (_replicas > 1 && !_failing) await ExchangeAsync(ct);
    }

    /// <summary>
    /// What this replica may still admit of the partition's budget, read from PostgreSQL first when other replicas
    /// count and this one has not read it in this window (a client refused elsewhere is refused here too).
    /// </summary>
    public async ValueTask<int> AvailableAsync(BudgetPartition partition, CancellationToken ct)
    {
        // Alone, memory knows: no counter is made (and exchanged) for every address that presents a key.
        if (_replicas == 1 || _failing) return (int)GetStatistics(partition)!.CurrentAvailablePermits;
        var counter = CounterOf(partition);
        bool read;
        lock (counter) read = counter.ReadBack;
        if (!read) await ExchangeAsync(ct);
        lock (counter) return counter.Available;
    }

    public override RateLimiterStatistics? GetStatistics(BudgetPartition partition)
    {
        Counter? counter;
        lock (_counters) _counters.TryGetValue(partition, out counter);
        if (counter is null) return new RateLimiterStatistics { CurrentAvailablePermits = partition.Budget.Quota };
        lock (counter) return new RateLimiterStatistics { CurrentAvailablePermits = counter.Available };
    }

    protected override RateLimitLease AttemptAcquireCore(BudgetPartition partition, int permitCount)
    {
        var counter = CounterOf(partition);
        lock (counter)
        {
            if (counter.TakeReserved(permitCount)) return Lease.Granted;
            if (_replicas == 1 && counter.ReadBack && counter.Available >= permitCount)
            {
                counter.Pending += permitCount;
                return Lease.Granted;
            }
            // Left to AcquireAsyncCore, which reads the counter back and reserves in PostgreSQL (its first use in this
            // process, or past its reservation), or refuses at once when nothing is left.
            return Lease.Refused;
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(BudgetPartition partition, int permitCount, CancellationToken ct)
    {
        var counter = CounterOf(partition);
        var quota = partition.Budget.Quota;
        lock (counter)
        {
            if (counter.TakeReserved(permitCount)) return Lease.Granted;
            if (counter.ReadBack && counter.Available < permitCount) return Lease.Refused;
            // A share of what was left at the last exchange, so that the replicas reserve it in turns, not at once.
            counter.Wanted += Math.Max(permitCount, (quota - counter.Known) / (2 * _replicas));
        }
        // While PostgreSQL is known to be unreachable, requests do not wait for it: the background exchange retries.
        var exchanged = !_failing && await ExchangeAsync(ct);
        lock (counter)
        {
            if (counter.TakeReserved(permitCount)) return Lease.Granted;
            // Without PostgreSQL, this replica's own count decides until it can share it.
            if (exchanged || counter.Available < permitCount) return Lease.Refused;
            counter.Pending += permitCount;
            return Lease.Granted;
        }
    }

    /// <summary>
    /// Adds what this replica counted since the last exchange to the shared totals, reserves the permits asked for,
    /// hands back the reservations of counters unused since the last exchange, and reads back the totals of the
    /// counters in use; once a second, says it is alive and reads how many replicas are. False when PostgreSQL could
    /// not be reached (the counts wait for the next exchange). The token only bounds the wait for the running exchange:
    /// the statement carries every client's counts, so one client going away cannot cancel it.
    /// </summary>
    public async Task<bool> ExchangeAsync(CancellationToken ct)
    {
        await _exchange.WaitAsync(ct);
        var none = CancellationToken.None;
        var sent = new List<Sent>();
        try
        {
            var now = _time.GetUtcNow();
            var idleSince = Environment.TickCount64 - (long)IdleAfter.TotalMilliseconds;
            lock (_counters)
            {
                foreach (var (partition, counter) in _counters.ToList())
                {
                    lock (counter)
                    {
                        if (counter.Expires <= now)
                        {
                            _counters.Remove(partition);
                            continue;
                        }
                        var released = counter.LastUsed < idleSince ? counter.Reserved : 0;
                        if (!counter.Touched && counter.Pending == 0 && released == 0) continue;
                        sent.Add(new Sent(counter, counter.Pending - released, counter.Wanted, released));
                        counter.InFlight = counter.Pending;
                        counter.Pending = 0;
                        counter.Reserved -= released;
                        counter.Wanted = 0;
                        counter.Touched = false;
                    }
                }
            }
            var beat = Environment.TickCount64 >= _nextBeat;
            if (sent.Count == 0 && !beat) return true;

            await using var connection = await _db.OpenConnectionAsync(none);
            if (beat)
            {
                _replicas = await connection.ExecuteScalarAsync<int>(new CommandDefinition(Beat,
                    new { scope = _scope, replica = _replica, alive = BeatEvery * 3 }, cancellationToken: none));
                _nextBeat = Environment.TickCount64 + (long)BeatEvery.TotalMilliseconds;
            }
            if (sent.Count > 0)
            {
                var totals = await connection.QueryAsync<(int Item, int Total, int Granted)>(new CommandDefinition(Exchange, new
                {
                    scope = _scope,
                    budgets = sent.Select(s => s.Counter.Partition.Budget.Name).ToArray(),
                    clients = sent.Select(s => s.Counter.Partition.Client).ToArray(),
                    windows = sent.Select(s => s.Counter.Partition.Window).ToArray(),
                    deltas = sent.Select(s => s.Delta).ToArray(),
                    wants = sent.Select(s => s.Wanted).ToArray(),
                    quotas = sent.Select(s => s.Counter.Partition.Budget.Quota).ToArray(),
                    expires = sent.Select(s => s.Counter.Expires).ToArray(),
                }, cancellationToken: none));
                foreach (var (item, total, granted) in totals)
                {
                    var counter = sent[item - 1].Counter;
                    lock (counter)
                    {
                        counter.Known = total;
                        counter.InFlight = 0;
                        counter.Reserved += granted;
                        counter.ReadBack = true;
                    }
                }
            }
            if (_failing) _logger.LogInformation("Rate-limit counters are shared through PostgreSQL again");
            _failing = false;
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // Kept for the next exchange: nothing counted is lost, only shared later; reservations asked for are not.
            foreach (var (counter, _, _, released) in sent)
            {
                lock (counter)
                {
                    counter.Pending += counter.InFlight;
                    counter.InFlight = 0;
                    counter.Reserved += released;
                }
            }
            if (!_failing) _logger.LogWarning("Rate-limit counters cannot be shared through PostgreSQL; each replica counts alone meanwhile: {Error}", e.Message);
            _failing = true;
            return false;
        }
        finally
        {
            _exchange.Release();
        }
    }

    private Counter CounterOf(BudgetPartition partition)
    {
        lock (_counters)
        {
            if (!_counters.TryGetValue(partition, out var counter))
            {
                _counters[partition] = counter = new Counter(partition, DateTimeOffset.FromUnixTimeMilliseconds(RateLimits.WindowEndMilliseconds(partition)));
            }
            counter.Touched = true;
            counter.LastUsed = Environment.TickCount64;
            return counter;
        }
    }

    /// <summary>One counter of one client, budget and window, as this replica knows it.</summary>
    private sealed class Counter(BudgetPartition partition, DateTimeOffset expires)
    {
        public BudgetPartition Partition { get; } = partition;
        public DateTimeOffset Expires { get; } = expires;
        /// <summary>The shared total at the last exchange: every replica's admissions and reservations.</summary>
        public int Known;
        /// <summary>Admitted here without a reservation (a lone replica, or PostgreSQL unreachable), being added.</summary>
        public int InFlight;
        /// <summary>Admitted here without a reservation since the last exchange.</summary>
        public int Pending;
        /// <summary>Reserved in PostgreSQL for this replica and not used yet.</summary>
        public int Reserved;
        /// <summary>Permits to reserve at the next exchange.</summary>
        public int Wanted;
        /// <summary>Used since the last exchange: its total is read back.</summary>
        public bool Touched;
        /// <summary>When it was last used (Environment.TickCount64): its reservation is handed back once idle.</summary>
        public long LastUsed;
        /// <summary>Its total has been read from PostgreSQL at least once.</summary>
        public bool ReadBack;

        /// <summary>What this replica may still admit: the unreserved rest of the budget, and its own reservation.</summary>
        public int Available => Math.Clamp(Partition.Budget.Quota - Known - InFlight - Pending + Reserved, 0, Partition.Budget.Quota);

        public bool TakeReserved(int permits)
        {
            if (Reserved < permits) return false;
            Reserved -= permits;
            return true;
        }
    }

    private sealed record Sent(Counter Counter, int Delta, int Wanted, int Released);

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Granted = new(true), Refused = new(false);
        public override bool IsAcquired { get; } = acquired;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    /// <summary>The last exchange of a replica that stops: its counts are added, and it is no longer counted.</summary>
    public async Task LeaveAsync(CancellationToken ct)
    {
        lock (_counters)
        {
            foreach (var counter in _counters.Values)
            {
                lock (counter) counter.LastUsed = long.MinValue;
            }
        }
        if (!await ExchangeAsync(ct)) return;
        await using var connection = await _db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(Leave, new { scope = _scope, replica = _replica }, cancellationToken: ct));
    }

    /// <summary>Removes the counters whose window has ended, and the replicas gone for a minute.</summary>
    public async Task PruneAsync(CancellationToken ct)
    {
        await using var connection = await _db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(Prune, new { scope = _scope }, cancellationToken: ct));
    }

    // The others seen lately, plus this one (the statement does not see its own insert).
    private const string Beat = """
        with beat as (
            insert into rate_limit_replicas (scope, replica, seen_at) values (@scope, @replica, now())
            on conflict (scope, replica) do update set seen_at = excluded.seen_at
        )
        select 1 + count(*)::int from rate_limit_replicas where scope = @scope and replica <> @replica and seen_at > now() - @alive
        """;

    private const string Exchange = """
        select item, total, granted
        from rate_limit_exchange(@scope, @budgets, @clients, @windows, @deltas, @wants, @quotas, @expires)
        """;

    private const string Leave = "delete from rate_limit_replicas where scope = @scope and replica = @replica";

    private const string Prune = """
        delete from rate_limit_counters where expires_at < now();
        delete from rate_limit_replicas where scope = @scope and seen_at < now() - interval '1 minute';
        """;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _db.Dispose();
            _exchange.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await _db.DisposeAsync();
        _exchange.Dispose();
    }
}
