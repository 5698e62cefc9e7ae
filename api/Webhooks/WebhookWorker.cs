using Dapper;
using Npgsql;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// Delivers the notifications: each round turns the outbox into notifications (<see cref="WebhookOutbox"/>), then
/// sends each endpoint's due notifications in order, one at a time. A session advisory lock per endpoint keeps
/// any other process from sending to it meanwhile; it holds no transaction open while waiting on the endpoint,
/// so the change feed's horizon never waits on a slow partner, and a crash releases it with its connection.
/// A failed notification is retried after an exponential, jittered delay, and blocks those after it; once it
/// has failed for the whole retry window, the endpoint is disabled with the reason. See docs/decisions/0030.
/// </summary>
public sealed class WebhookWorker(WebhookDatabase database, WebhookOutbox outbox, WebhookSender sender, WebhookOptions options, ILogger<WebhookWorker> logger)
    : BackgroundService
{
    // Notifications sent to one endpoint in a row before the others get their turn.
    private const int PerEndpointRound = 50;

    private const string SelectDue = $"""
        select e.id {WebhookOutbox.LiveEndpoints}
          and (select d.next_attempt_at from webhook_deliveries d where d.endpoint_id = e.id order by d.id limit 1) <= now()
        order by e.id
        """;

    private const string TryLock = "select pg_try_advisory_lock(hashtext('webhook_endpoint'), (@id % 2147483647)::int)";
    private const string Unlock = "select pg_advisory_unlock(hashtext('webhook_endpoint'), (@id % 2147483647)::int)";

    private const string SelectHead = """
        select d.id, d.message_id, d.payload, d.attempts, d.next_attempt_at <= now() as due, e.url, e.secret
        from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
        where d.endpoint_id = @endpointId and e.disabled_at is null
        order by d.id
        limit 1
        """;

    private const string RecordAttempt = """
        insert into webhook_attempts (endpoint_id, message_id, attempted_at, status, error, duration_ms, delivered)
        values (@endpointId, @messageId, @attemptedAt, @status, @error, @durationMs, @delivered)
        """;

    // Attempts are kept 30 days.
    private const string Delivered = $"""
        with attempt as ({RecordAttempt}),
        pruned as (delete from webhook_attempts where endpoint_id = @endpointId and attempted_at < now() - interval '30 days')
        delete from webhook_deliveries where id = @deliveryId
        """;

    private const string Failed = $"""
        with attempt as ({RecordAttempt}),
        failed as (
            update webhook_deliveries
            set attempts = attempts + 1, first_failed_at = coalesce(first_failed_at, @attemptedAt), next_attempt_at = now() + @delay
            where id = @deliveryId
            returning first_failed_at
        )
        update webhook_endpoints set disabled_at = now(), disabled_reason = @reason
        where id = @endpointId and disabled_at is null and (select first_failed_at from failed) <= now() - @window
        returning id
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await outbox.FanOutAsync(stoppingToken) == WebhookOutbox.TransactionsPerRound) { }
                await DeliverDueAsync(stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database unreachable or not yet migrated: tried again, less often while it lasts.
                failures++;
                logger.LogWarning("Webhook deliveries paused: {Error}", e.Message);
            }
            var wait = TimeSpan.FromTicks(Math.Min(options.PollInterval.Ticks << Math.Min(failures, 6), Math.Max(options.PollInterval.Ticks, TimeSpan.FromSeconds(30).Ticks)));
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task DeliverDueAsync(CancellationToken ct)
    {
        List<long> due;
        await using (var connection = await database.DataSource.OpenConnectionAsync(ct))
        {
            due = (await connection.QueryAsync<long>(new CommandDefinition(SelectDue, cancellationToken: ct))).AsList();
        }
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct }, DeliverToAsync);
    }

    private async ValueTask DeliverToAsync(long endpointId, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TryLock, new { id = endpointId }, cancellationToken: ct))) return;
        try
        {
            for (var sent = 0; sent < PerEndpointRound; sent++)
            {
                var head = await connection.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(SelectHead, new { endpointId }, cancellationToken: ct));
                if (head is not { Due: true }) return;
                var attemptedAt = DateTime.UtcNow;
                var result = await sender.SendAsync(head.Url, head.Secret, head.MessageId, head.Payload, ct);
                var attempt = new
                {
                    endpointId, deliveryId = head.Id, messageId = head.MessageId, attemptedAt, status = result.Status,
                    error = result.Error, durationMs = result.DurationMs, delivered = result.Delivered,
                };
                if (result.Delivered)
                {
                    await connection.ExecuteAsync(new CommandDefinition(Delivered, attempt, cancellationToken: ct));
                    continue;
                }
                var disabled = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(Failed, new
                {
                    attempt.endpointId, attempt.deliveryId, attempt.messageId, attemptedAt, attempt.status, attempt.error,
                    attempt.durationMs, attempt.delivered, delay = RetryDelay(head.Attempts + 1), window = options.RetryWindow,
                    reason = $"Every attempt to deliver a notification failed for the whole retry window ({options.RetryWindow}); the last one: {result.Error}",
                }, cancellationToken: ct));
                if (disabled is not null) logger.LogWarning("Disabled webhook endpoint {Endpoint}: its notifications failed for {Window}", endpointId, options.RetryWindow);
                return;
            }
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition(Unlock, new { id = endpointId }, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>The delay before retry <paramref name="attempt"/>: doubling from FirstRetryDelay up to MaxRetryDelay, then a random share of it ("equal jitter").</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var doubled = options.FirstRetryDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 40));
        var capped = Math.Min(doubled, options.MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(capped / 2 + Random.Shared.NextDouble() * capped / 2));
    }

    private sealed class Head
    {
        public long Id { get; init; }
        public string MessageId { get; init; } = "";
        public string Payload { get; init; } = "";
        public int Attempts { get; init; }
        public bool Due { get; init; }
        public string Url { get; init; } = "";
        public string Secret { get; init; } = "";
    }
}
