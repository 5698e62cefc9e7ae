using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>A cached 200: its body, the headers it came with, and the data version it was computed at.</summary>
public sealed record CachedAnswer(long Version, DateTime ChangedAt, string ETag, byte[] Body, KeyValuePair<string, StringValues>[] Headers, DateTimeOffset StoredAt)
{
    public long Size => Body.Length + ETag.Length + Headers.Sum(h => h.Key.Length + h.Value.ToString().Length) + 256;
}

/// <summary>
/// The answers of cacheable reads, in memory within a byte budget (Cache:SizeLimitBytes), least recently used
/// first out. One entry per representation, holding the latest version computed: it answers reads at that version,
/// and, when PostgreSQL cannot be reached, stands in as a stale answer. Concurrent misses of one representation at
/// one version share one computation. See docs/decisions/0017-read-cache.md.
/// </summary>
public sealed class ReadCache : IDisposable
{
    public const long DefaultSizeLimitBytes = 64L * 1024 * 1024;
    public const int DefaultMaxEntryBytes = 1024 * 1024;

    /// <summary>The API's meter (exported by the telemetry set-up when configured).</summary>
    public static readonly Meter Meter = new(Telemetry.MeterName);
    public static readonly Counter<long> Hits = Meter.CreateCounter<long>("observatoire.cache.hits", description: "Cacheable reads answered from memory.");
    public static readonly Counter<long> Misses = Meter.CreateCounter<long>("observatoire.cache.misses", description: "Cacheable reads computed from the database.");
    public static readonly Counter<long> StaleServed = Meter.CreateCounter<long>("observatoire.cache.stale_served", description: "Stale answers served while the database could not be reached.");
    public static readonly Histogram<double> InvalidationLag = Meter.CreateHistogram<double>("observatoire.cache.invalidation_lag", unit: "ms",
        description: "Time from a commit's change of the data version to the arrival of its notification.");

    private readonly MemoryCache _entries;
    private readonly ConcurrentDictionary<(long, string), TaskCompletionSource<CachedAnswer?>> _computing = new();

    public ReadCache(IConfiguration configuration)
    {
        Enabled = configuration.GetValue("Cache:Enabled", true);
        SizeLimitBytes = configuration.GetValue("Cache:SizeLimitBytes", DefaultSizeLimitBytes);
        MaxEntryBytes = configuration.GetValue("Cache:MaxEntryBytes", DefaultMaxEntryBytes);
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = SizeLimitBytes, CompactionPercentage = 0.25, TrackStatistics = true });
    }

    /// <summary>
    /// False keeps nothing in memory: validators and 304s stay, every 200 goes to the database (Cache:Enabled; the
    /// benchmarks use it for the figures of a miss, which for a record is its stored document: <see cref="RecordDocuments"/>).
    /// </summary>
    public bool Enabled { get; }

    public long SizeLimitBytes { get; }

    /// <summary>Bodies larger than this (big exports) are streamed, not kept.</summary>
    public int MaxEntryBytes { get; }

    /// <summary>The latest answer kept for a representation, whatever its version.</summary>
    public CachedAnswer? Latest(string key) => Enabled && _entries.TryGetValue(key, out CachedAnswer? answer) ? answer : null;

    /// <summary>Keeps an answer unless a later version of it is already kept.</summary>
    public void Store(string key, CachedAnswer answer)
    {
        if (!Enabled || (Latest(key) is { } kept && kept.Version > answer.Version)) return;
        var size = answer.Size + key.Length * 2;
        // MemoryCache refuses a new entry while over its limit (and compacts later): least recently used answers make
        // room for the new one instead.
        if (_entries.GetCurrentStatistics()?.CurrentEstimatedSize + size > SizeLimitBytes) _entries.Compact(0.25);
        _entries.Set(key, answer, new MemoryCacheEntryOptions { Size = size });
    }

    /// <summary>
    /// Joins the computation of <paramref name="key"/> at <paramref name="version"/>: the first caller leads (and
    /// must <see cref="Finish"/>), the others get the leader's task, whose result is null when the answer could not
    /// be kept (not a 200, too large, failed).
    /// </summary>
    public (bool Leads, TaskCompletionSource<CachedAnswer?> Computation) Join(long version, string key)
    {
        var mine = new TaskCompletionSource<CachedAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Enabled) return (true, mine);
        var computation = _computing.GetOrAdd((version, key), mine);
        return (ReferenceEquals(computation, mine), computation);
    }

    public void Finish(long version, string key, TaskCompletionSource<CachedAnswer?> computation, CachedAnswer? answer)
    {
        computation.TrySetResult(answer);
        _computing.TryRemove(new KeyValuePair<(long, string), TaskCompletionSource<CachedAnswer?>>((version, key), computation));
    }

    /// <summary>Whether the exception says that PostgreSQL could not be reached, rather than that the request was wrong.</summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p:
                    // Shutting down, starting up, or out of connections; any other server error is an answer.
                    return p.SqlState is "57P01" or "57P02" or "57P03" or "53300";
                case NpgsqlException or SocketException or TimeoutException or IOException:
                    return true;
            }
        }
        return false;
    }

    public void Dispose() => _entries.Dispose();
}

/// <summary>
/// A response body that is kept in memory up to a limit and then, past it, written through to the real body (the
/// bytes kept first), so that a large export still streams. <see cref="Overflowed"/> tells which happened.
/// </summary>
internal sealed class CapturingStream(Stream target, int limit, Action onOverflow) : Stream
{
    private readonly MemoryStream _kept = new();

    public bool Overflowed { get; private set; }

    public byte[] Kept => _kept.ToArray();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (!Overflowed && _kept.Length + buffer.Length <= limit)
        {
            _kept.Write(buffer.Span);
            return;
        }
        if (!Overflowed)
        {
            Overflowed = true;
            onOverflow();
            _kept.Position = 0;
            await _kept.CopyToAsync(target, ct);
            _kept.SetLength(0);
        }
        await target.WriteAsync(buffer, ct);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken ct) => Overflowed ? target.FlushAsync(ct) : Task.CompletedTask;

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
