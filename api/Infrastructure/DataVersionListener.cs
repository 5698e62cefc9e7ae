using System.Globalization;
using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Holds one dedicated connection (outside the request pool) that LISTENs to the data version's channel: every
/// commit's notification raises the version known, so cached answers and ETags move on within the notification's
/// latency. On (re)connection it listens first, then reads the version, so no commit falls between the two. While it
/// is not connected, <see cref="DataVersions"/> is told so and reads ask PostgreSQL; it retries with backoff.
/// </summary>
public sealed class DataVersionListener(DataVersions versions, string connectionString, ILogger<DataVersionListener> logger) : BackgroundService
{
    /// <summary>The connection's application_name, as pg_stat_activity shows it.</summary>
    public const string ApplicationName = "observatoire-data-version";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not pooled: a broken listening connection must never go back to a pool. Keepalives find a silently
        // dropped network path (then reads ask PostgreSQL until it is back).
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = ApplicationName, Pooling = false, KeepAlive = 5, Multiplexing = false,
        }.ConnectionString;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(settings);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"listen {DataVersions.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                versions.Raise(await DataVersions.ReadAsync(connection, stoppingToken));
                versions.Connected();
                retry = FirstRetry;
                logger.LogInformation("Listening to data changes on {Channel}", DataVersions.Channel);
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                versions.Disconnected();
                logger.LogWarning("Not listening to data changes ({Error}); reads ask the database until it is back, retrying in {Retry} ms",
                    e.Message, retry.TotalMilliseconds);
            }
            finally
            {
                versions.Disconnected();
            }
            try
            {
                await Task.Delay(retry, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    // The payload is "version microseconds-since-epoch" (migration 0009).
    private void OnNotification(string payload)
    {
        var parts = payload.Split(' ');
        if (parts.Length != 2 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out var version) ||
            !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var micros))
        {
            logger.LogWarning("Ignored a malformed data version notification {Payload}", payload);
            return;
        }
        var changedAt = DateTime.UnixEpoch.AddTicks(micros * 10);
        versions.Raise(new DataVersion(version, changedAt));
        ReadCache.InvalidationLag.Record(Math.Max(0, (DateTime.UtcNow - changedAt).TotalMilliseconds));
    }
}
