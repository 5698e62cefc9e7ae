using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Observatoire.Api.Changes;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Observatoire.Api.Webhooks;

/// <summary>
/// Turns the outbox (one row per committed transaction that changed data, migration 0017) into notifications: the
/// feed's changes of those transactions, per endpoint following their collections, in feed order, in batches.
/// </summary>
public sealed class WebhookOutbox(WebhookDatabase database, CollectionRegistry collections, CursorKeys cursorKeys, WebhookOptions options, IOptions<JsonOptions> json)
{
    /// <summary>How many transactions one round takes from the outbox.</summary>
    public const int TransactionsPerRound = 200;

    public const string NotificationType = "changes.committed";

    // One process at a time turns the outbox into notifications, so that each endpoint's notifications are
    // numbered in feed order whatever the number of replicas; the others skip the round.
    private const string TryLock = "select pg_try_advisory_xact_lock(hashtext('webhook_outbox'))";

    // A transaction is taken once the feed serves its changes: when every transaction older than it has ended
    // (the horizon of GET /v1/changes). Its changes superseded since are notified with the later transaction.
    private const string TakeReady = """
        with ready as (
            delete from webhook_outbox
            where txid in (select txid from webhook_outbox where txid < pg_snapshot_xmin(pg_current_snapshot()) order by txid limit @limit)
            returning txid
        )
        select collection, id, version, changed_at, change_txid::text as txid, change_seq as seq, (select count(*) from ready) as taken
        from (
                      select entity as collection, id, null::bigint as version, deleted_at as changed_at, change_txid, change_seq from tombstones
            union all {collections}
        ) changes
        where change_txid in (select txid from ready)
        union all
        select null, null, null, null, null, null, (select count(*) from ready)
        order by txid nulls first, seq
        """;

    // Endpoints of revoked or expired keys get nothing: their owner can no longer see them.
    internal const string LiveEndpoints = """
        from webhook_endpoints e join api_keys k on k.id = e.key_id
        where e.disabled_at is null and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
        """;

    private const string SelectEndpoints = $"select e.id, e.collections {LiveEndpoints} order by e.id";

    private const string InsertDeliveries = """
        insert into webhook_deliveries (endpoint_id, message_id, payload)
        select endpoint_id, message_id, payload from unnest(@endpoints, @messages, @payloads) with ordinality as n(endpoint_id, message_id, payload, position)
        order by position
        """;

    /// <summary>Takes one round of ready transactions; answers how many were taken (0 when another process holds the outbox).</summary>
    public async Task<int> FanOutAsync(CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(TryLock, transaction: transaction, cancellationToken: ct))) return 0;
        var rows = (await connection.QueryAsync<ReadyRow>(new CommandDefinition(collections.Compose(TakeReady, ChangesApi.ChangesOfCollection),
            new { limit = TransactionsPerRound }, transaction, cancellationToken: ct))).AsList();
        var taken = (int)rows[0].Taken;
        var changes = rows.Where(r => r.Txid is not null).Select(r => r.ToChange()).ToList();
        if (changes.Count > 0)
        {
            var endpoints = await connection.QueryAsync<(long Id, string[] Collections)>(new CommandDefinition(SelectEndpoints, transaction: transaction, cancellationToken: ct));
            var (ids, messages, payloads) = (new List<long>(), new List<string>(), new List<string>());
            foreach (var endpoint in endpoints)
            {
                var followed = changes.Where(c => endpoint.Collections.Contains(c.Collection)).ToList();
                foreach (var batch in followed.Chunk(options.MaxChangesPerNotification))
                {
                    ids.Add(endpoint.Id);
                    messages.Add("msg_" + Guid.CreateVersion7().ToString("N"));
                    payloads.Add(Payload(batch));
                }
            }
            if (ids.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(InsertDeliveries,
                    new { endpoints = ids.ToArray(), messages = messages.ToArray(), payloads = payloads.ToArray() }, transaction, cancellationToken: ct));
            }
        }
        await transaction.CommitAsync(ct);
        return taken;
    }

    // since reads from the batch's first change on (the feed serves what sorts after the token); next follows its last.
    private string Payload(ChangesApi.ChangeRow[] batch)
    {
        var first = batch[0];
        var since = new FeedPosition(first.Txid, Math.Max(0, first.Seq - 1)).Encode(cursorKeys);
        var next = new FeedPosition(batch[^1].Txid, batch[^1].Seq).Encode(cursorKeys);
        var notification = new WebhookNotification(NotificationType, DateTime.UtcNow,
            new WebhookChanges([.. batch.Select(r => ChangesApi.ToEntry(PathString.Empty, r))], since, next));
        return JsonSerializer.Serialize(notification, json.Value.SerializerOptions);
    }

    private sealed class ReadyRow
    {
        public string? Collection { get; init; }
        public string? Id { get; init; }
        public long? Version { get; init; }
        public DateTime? ChangedAt { get; init; }
        public string? Txid { get; init; }
        public long? Seq { get; init; }
        public long Taken { get; init; }

        public ChangesApi.ChangeRow ToChange() => new()
        {
            Collection = Collection!, Id = Id!, Version = Version, ChangedAt = ChangedAt!.Value, Txid = Txid!, Seq = Seq!.Value,
        };
    }
}
