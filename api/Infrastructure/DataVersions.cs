using Dapper;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>A committed state of the data: the data_version row (migration 0009). Versions only grow.</summary>
public sealed record DataVersion(long Version, DateTime ChangedAt);

/// <summary>
/// The data version this process knows. It only grows: raised by the notifications of every commit
/// (<see cref="DataVersionListener"/>), and by this process's own writes before their answer is sent, so a writer
/// reads its write at once. While the listener is not connected, notifications may be missed: the known version is
/// not trusted, and each read asks PostgreSQL instead (one cheap statement). See docs/decisions/0017-read-cache.md.
/// </summary>
public sealed class DataVersions(NpgsqlDataSource dataSource)
{
    public const string Channel = "observatoire_data";

    internal const string SelectVersion = "select version, changed_at from data_version";

    private DataVersion? _known;
    private volatile bool _listening;

    /// <summary>The highest version known, if any.</summary>
    public DataVersion? Known => Volatile.Read(ref _known);

    /// <summary>Whether notifications are being received, so that <see cref="Known"/> is current.</summary>
    public bool Listening => _listening;

    /// <summary>The version a read is answered at: the known one while listening, else PostgreSQL's.</summary>
    public async ValueTask<DataVersion> CurrentAsync(CancellationToken ct)
    {
        if (_listening && Known is { } known) return known;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return Raise(await ReadAsync(connection, ct));
    }

    /// <summary>Reads the committed version on a pooled connection and raises the known one to it.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        Raise(await ReadAsync(connection, ct));
    }

    internal static async Task<DataVersion> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var (version, changedAt) = await connection.QuerySingleAsync<(long, DateTime)>(new CommandDefinition(SelectVersion, cancellationToken: ct));
        return new DataVersion(version, DateTime.SpecifyKind(changedAt, DateTimeKind.Utc));
    }

    /// <summary>Makes <paramref name="seen"/> known unless a later version already is; returns the version known.</summary>
    public DataVersion Raise(DataVersion seen)
    {
        while (true)
        {
            var current = Volatile.Read(ref _known);
            if (current is not null && current.Version >= seen.Version) return current;
            if (Interlocked.CompareExchange(ref _known, seen, current) == current) return seen;
        }
    }

    internal void Connected() => _listening = true;

    internal void Disconnected() => _listening = false;

    /// <summary>
    /// An endpoint filter for every write: after a 2xx (the transaction has committed), the version is read and
    /// raised before the answer is sent, so the writer's next read is never served from before its write, whatever
    /// the notification's delay. The version goes on the answer for the writer's reads on other replicas.
    /// </summary>
    public static async ValueTask<object?> RaiseAfterWrite(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 })
        {
            var versions = context.HttpContext.RequestServices.GetRequiredService<DataVersions>();
            await versions.RefreshAsync(CancellationToken.None);
            if (versions.Known is { } known) ReadReplicas.AfterWrite(context.HttpContext, known);
        }
        return result;
    }
}
