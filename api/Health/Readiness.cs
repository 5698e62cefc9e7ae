using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Observatoire.Api.Health;

/// <summary>
/// What readiness knows besides the database answering: whether the database has been migrated (it may have been
/// unreachable at start-up), and whether the process is stopping (readiness turns red before the listener closes).
/// </summary>
public sealed class Readiness : IHealthCheck
{
    public const string Stopping = "The service is stopping.";
    public const string NotPrepared = "The database has not been migrated yet.";

    private volatile bool _prepared;
    private volatile bool _stopping;

    public void MarkDatabasePrepared() => _prepared = true;

    public void MarkStopping() => _stopping = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy(Stopping)
            : !_prepared ? HealthCheckResult.Unhealthy(NotPrepared)
            : HealthCheckResult.Healthy());
}

/// <summary>
/// On SIGTERM (or Ctrl-C): readiness turns red at once, the listener stays open for <c>Shutdown:DrainSeconds</c> so
/// that a load balancer sees it and stops sending, then Kestrel stops accepting and lets in-flight requests finish
/// (within HostOptions.ShutdownTimeout).
/// </summary>
public sealed class ShutdownDrain(Readiness readiness, IConfiguration configuration, IHostApplicationLifetime lifetime) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken ct)
    {
        lifetime.ApplicationStopping.Register(readiness.MarkStopping);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken ct) => Task.Delay(DrainDelay(configuration), ct);

    public static TimeSpan DrainDelay(IConfiguration configuration) => TimeSpan.FromSeconds(configuration.GetValue("Shutdown:DrainSeconds", 2.0));

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
