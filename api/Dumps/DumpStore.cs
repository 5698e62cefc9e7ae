using System.Collections.Concurrent;
using System.Data;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Observatoire.Api.Changes;
using Observatoire.Api.Infrastructure;

namespace Observatoire.Api.Dumps;

/// <summary>The Dumps:* settings.</summary>
public sealed class DumpSettings
{
    public const string Section = "Dumps";

    /// <summary>Where dumps are kept; default: a folder of the system's temporary folder, one per database.</summary>
    public string? Directory { get; set; }

    /// <summary>How many dumps are kept, the latest ones: a download begun on the previous one can still finish.</summary>
    public int Keep { get; set; } = 2;
}

/// <summary>What a kept dump holds, written beside its files (index.json); the manifest on the wire is made from it.</summary>
public sealed record DumpIndex(long DataVersion, DateTime DataChangedAt, DateTime CreatedAt, FeedPosition Since, IReadOnlyList<DumpIndexFile> Files);

public sealed record DumpIndexFile(string Collection, long Count, long Bytes, string Sha256);

/// <summary>
/// Snapshot dumps on disk, one folder per data version (docs/decisions/0029-snapshot-dumps.md). A dump is read in one
/// read-only REPEATABLE READ transaction: every collection of the <see cref="CollectionRegistry"/>, each record as its
/// <see cref="Collection.Records"/> reads it and serialised with the API's JSON options (the bytes of its item GET),
/// and the feed position below the snapshot's xmin. It is written in a temporary folder then renamed, so a folder
/// that exists is complete; concurrent requests for one version share one production.
/// </summary>
public sealed class DumpStore(CollectionRegistry collections, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    DumpSettings settings, string directory, IHostApplicationLifetime lifetime, ILogger<DumpStore> logger)
{
    public const string FileSuffix = ".jsonl.gz";
    private const string IndexName = "index.json";

    // pg_current_snapshot() is the transaction's snapshot under REPEATABLE READ: every transaction below its xmin
    // has ended, so its writes are in the dump; the feed resumes at the first change of a transaction at or above it.
    private const string SelectSnapshot = """
        select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, d.version, d.changed_at, now() as taken_at
        from data_version d
        """;

    /// <summary>Dumps read from the database (once per data version, whoever asks).</summary>
    public static readonly System.Diagnostics.Metrics.Counter<long> Produced =
        ReadCache.Meter.CreateCounter<long>("observatoire.dumps.produced", description: "Snapshot dumps read from the database.");

    private static readonly JsonSerializerOptions IndexJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<long, Lazy<Task<DumpIndex>>> _producing = new();

    public string Directory => directory;

    /// <summary>The dump of <paramref name="current"/>: the kept one, else produced now (once, whoever asks).</summary>
    public async Task<DumpIndex> LatestAsync(DataVersion current, NpgsqlDataSource db, CancellationToken ct)
    {
        // A folder of this version from another database (a recreated one) has another commit time: not ours.
        if (Read(current.Version) is { } kept && kept.DataChangedAt == current.ChangedAt) return kept;
        var production = _producing.GetOrAdd(current.Version, _ => new Lazy<Task<DumpIndex>>(() => ProduceAsync(db, lifetime.ApplicationStopping)));
        try
        {
            return await production.Value.WaitAsync(ct);
        }
        finally
        {
            if (production.Value.IsCompleted) _producing.TryRemove(KeyValuePair.Create(current.Version, production));
        }
    }

    /// <summary>The kept dump of this version, if any.</summary>
    public DumpIndex? Read(long version)
    {
        var path = Path.Combine(directory, Name(version), IndexName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<DumpIndex>(File.ReadAllBytes(path), IndexJson) : null;
        }
        catch (IOException)
        {
            return null; // removed meanwhile
        }
    }

    /// <summary>Whether a later dump than <paramref name="version"/> is kept: the older one was removed, not never made.</summary>
    public bool Superseded(long version) => KeptVersions().Any(v => v > version);

    public string PathOf(long version, string collection) => Path.Combine(directory, Name(version), collection + FileSuffix);

    private async Task<DumpIndex> ProduceAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(directory);
        var work = Path.Combine(directory, $".tmp-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(work);
        try
        {
            DumpIndex index;
            await using (var connection = await db.OpenConnectionAsync(ct))
            await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
            {
                await connection.ExecuteAsync(new CommandDefinition("set transaction read only", transaction, cancellationToken: ct));
                var snapshot = await connection.QuerySingleAsync<SnapshotRow>(new CommandDefinition(SelectSnapshot, transaction: transaction, cancellationToken: ct));
                var files = new List<DumpIndexFile>();
                foreach (var collection in collections.All) files.Add(await WriteAsync(connection, transaction, collection, work, ct));
                await transaction.CommitAsync(ct);
                Produced.Add(1);
                // Just below (xmin, 0): the feed serves from the first change of the oldest transaction the snapshot may lack.
                var since = new FeedPosition((ulong.Parse(snapshot.Xmin, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), long.MaxValue);
                index = new DumpIndex(snapshot.Version, DateTime.SpecifyKind(snapshot.ChangedAt, DateTimeKind.Utc),
                    DateTime.SpecifyKind(snapshot.TakenAt, DateTimeKind.Utc), since, files);
            }
            await File.WriteAllBytesAsync(Path.Combine(work, IndexName), JsonSerializer.SerializeToUtf8Bytes(index, IndexJson), ct);
            var target = Path.Combine(directory, Name(index.DataVersion));
            if (Read(index.DataVersion) is { } other && other.DataChangedAt == index.DataChangedAt)
            {
                System.IO.Directory.Delete(work, recursive: true); // another process made it meanwhile
                return other;
            }
            if (System.IO.Directory.Exists(target)) System.IO.Directory.Delete(target, recursive: true);
            System.IO.Directory.Move(work, target);
            logger.LogInformation("Snapshot dump of data version {Version} written to {Directory}", index.DataVersion, target);
            Prune();
            return index;
        }
        catch
        {
            if (System.IO.Directory.Exists(work)) System.IO.Directory.Delete(work, recursive: true);
            throw;
        }
    }

    private async Task<DumpIndexFile> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Collection collection, string folder, CancellationToken ct)
    {
        // A collection's table is named as the collection.
        var ids = (await connection.QueryAsync<string>(new CommandDefinition($"select id from {collection.Name} order by id", transaction: transaction, cancellationToken: ct))).AsList();
        var path = Path.Combine(folder, collection.Name + FileSuffix);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            foreach (var id in ids)
            {
                // In the snapshot, a record listed above cannot have gone.
                var record = await collection.Records.ReadAsync(connection, id, ct)
                    ?? throw new InvalidOperationException($"The {collection.Noun} '{id}' vanished from the dump's snapshot.");
                await gzip.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(record, collection.Records.Type, json.Value.SerializerOptions), ct);
                gzip.WriteByte((byte)'\n');
            }
        }
        await using var written = File.OpenRead(path);
        var sha256 = Convert.ToHexString(await SHA256.HashDataAsync(written, ct)).ToLowerInvariant();
        return new DumpIndexFile(collection.Name, ids.Count, written.Length, sha256);
    }

    /// <summary>Keeps the latest dumps by time of reading, whatever their version; removes abandoned temporary folders.</summary>
    private void Prune()
    {
        var kept = KeptVersions().Select(v => (Version: v, Index: Read(v))).OrderByDescending(d => d.Index?.CreatedAt ?? DateTime.MinValue).ToList();
        foreach (var (version, _) in kept.Skip(Math.Max(1, settings.Keep))) Remove(Path.Combine(directory, Name(version)));
        foreach (var work in System.IO.Directory.EnumerateDirectories(directory, ".tmp-*"))
        {
            if (System.IO.Directory.GetLastWriteTimeUtc(work) < DateTime.UtcNow.AddHours(-1)) Remove(work);
        }
    }

    // A download in progress keeps its open file: on POSIX systems it finishes; elsewhere the folder goes next time.
    private void Remove(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not remove the old dump {Folder}", folder);
        }
    }

    private IEnumerable<long> KeptVersions() => System.IO.Directory.Exists(directory)
        ? System.IO.Directory.EnumerateDirectories(directory).Select(Path.GetFileName).Select(n => long.TryParse(n, out var v) ? v : -1).Where(v => v >= 0).ToList()
        : [];

    private static string Name(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The default folder: one per OS user and database (host, port and name), so two databases never share dumps
    /// and a user never meets a folder another user created in the shared temporary folder.
    /// </summary>
    public static string DefaultDirectory(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{builder.Host}|{builder.Port}|{builder.Database}")), 0, 8).ToLowerInvariant();
        return Path.Combine(Path.GetTempPath(), $"observatoire-dumps-{Environment.UserName}", key);
    }

    private sealed class SnapshotRow
    {
        public string Xmin { get; init; } = "";
        public long Version { get; init; }
        public DateTime ChangedAt { get; init; }
        public DateTime TakenAt { get; init; }
    }
}
