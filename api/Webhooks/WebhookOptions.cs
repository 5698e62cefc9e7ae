using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Webhooks;

/// <summary>The Webhooks section of the configuration (docs/decisions/0030-webhooks.md).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Whether this process delivers notifications (several processes may: they share the work).</summary>
    public bool Deliver { get; set; } = true;

    /// <summary>Whether endpoints may resolve to loopback, link-local or private addresses; off outside tests and labs.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How often the worker looks for committed changes and due notifications.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The delay before the first retry; each next one doubles, up to <see cref="MaxRetryDelay"/>, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a notification is retried before its endpoint is disabled.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The time an endpoint has to answer one notification, connection included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most of an answer's body read (the rest is dropped): only its start is kept, in failed attempts.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024;

    /// <summary>The most changes one notification carries; a larger batch becomes several notifications.</summary>
    public int MaxChangesPerNotification { get; set; } = 500;

    /// <summary>How many endpoints one process delivers to at the same time.</summary>
    public int Concurrency { get; set; } = 8;
}

public static class WebhookSetup
{
    public static IServiceCollection AddObservatoireWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        if (options.PollInterval <= TimeSpan.Zero || options.FirstRetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.FirstRetryDelay ||
            options.Timeout <= TimeSpan.Zero || options.MaxResponseBytes < 0 || options.MaxChangesPerNotification < 1 || options.Concurrency < 1)
        {
            throw new InvalidOperationException("The Webhooks settings are not valid: intervals and delays must be positive (MaxRetryDelay at least FirstRetryDelay), MaxChangesPerNotification and Concurrency at least 1.");
        }
        services.AddSingleton(options);
        services.AddSingleton<WebhookDatabase>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookOutbox>();
        if (options.Deliver) services.AddHostedService<WebhookWorker>();
        return services;
    }
}

/// <summary>
/// The delivery worker's own pool on the primary, apart from the requests' one: a connection is held while an
/// endpoint answers (its advisory lock), and slow partners must never take connections from the requests.
/// </summary>
public sealed class WebhookDatabase(DatabaseConnections connections, WebhookOptions options) : IAsyncDisposable
{
    public const string ApplicationName = "observatoire-webhooks";

    public NpgsqlDataSource DataSource { get; } = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connections.RunTime)
    {
        ApplicationName = ApplicationName, MaxPoolSize = options.Concurrency + 2, Multiplexing = false,
    }.ConnectionString);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
