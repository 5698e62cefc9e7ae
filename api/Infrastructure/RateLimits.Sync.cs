using Npgsql;

namespace Observatoire.Api.Infrastructure;

/// <summary>
/// Exchanges the counters every RateLimits:SyncMilliseconds, prunes ended windows once a minute, and hands the last
/// counts over when the replica stops.
/// </summary>
public sealed class SharedRateCounterSync(SharedRateCounters counters, RateLimitSettings settings, ILogger<SharedRateCounterSync> logger) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await counters.LeaveAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("The last rate-limit counts could not be shared: {Error}", e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.SyncMilliseconds));
        var pruned = Environment.TickCount64;
        try
        {
            do
            {
                if (!await counters.ExchangeAsync(stoppingToken) || Environment.TickCount64 - pruned < 60_000) continue;
                pruned = Environment.TickCount64;
                try
                {
                    await counters.PruneAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning("Ended rate-limit windows could not be pruned: {Error}", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
