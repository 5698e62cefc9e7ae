using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Observatoire.Api.Database;
using Observatoire.Api.Infrastructure;
using Observatoire.Contracts;

namespace Observatoire.Api.Changes;

public static class ChangesApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const string InvalidSince = "The since token is not valid. Use the links.next URL of a previous page as it is.";

    public static IEndpointRouteBuilder MapChangesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/changes").WithTags("Changes").RejectUnknownQueryParameters();
        api.MapGet("/", ListChanges).WithName("listChanges").WithSummary("Read the change feed")
            .WithDescription("The creations, updates and deletions of every collection, in commit order: each record appears once, at the position of its latest change. " +
                "A record changes (its version moves on) whenever anything in its representation does, embedded data included: the title of a source it " +
                "cites, the name of an actor or territory it names, a territory's figures and predecessors or successors, the ids of the records that name it. " +
                "Start without since to replay everything into an empty copy, then follow links.next, which is always present: at the end of the feed " +
                "(caughtUp true, items possibly empty) it resumes after the last change served. Apply each entry in order: read the record at href when it was " +
                "created or updated (on a 404, it has been deleted since: remove it), remove it when it was deleted. A copy that does so converges to the API's data. " +
                "A change is served once every transaction that began writing before it has ended, so that one committing late is never skipped: a long write delays " +
                "the feed, it loses nothing. lag says when committed changes are held back that way (heldBack, how many, since when, why): " +
                $"a transaction of the API's own is ended by the server after {IdleBound} idle, so it cannot hold the feed longer than that " +
                "past its last statement; a session opened directly on the database holds it until it ends. " +
                "The Link header carries rel=\"next\" only while more pages are ready.")
            .WithResponseExample(200, ChangesExamples.Page)
            .WithResponseExample(400, ChangesExamples.InvalidSinceProblem);
        return app;
    }

    // Tombstones hold the deletions of every collection; then one line per collection. Only the changes of
    // transactions older than the oldest one still running are served: a transaction that commits later has an
    // id at or above that horizon, so its changes sort after everything served so far and no token has passed them.
    // pg_current_snapshot() is the snapshot of this statement: every change below its xmin is visible to it, and
    // the committed changes at or above it are the ones held back (counted in the same statement, so that a change
    // is either served, or counted as held, or committed after this answer).
    private const string SelectChanges = """
        with changes as not materialized (
                      select entity as collection, id, null::bigint as version, deleted_at as changed_at, change_txid, change_seq from tombstones
            union all {collections}
        ), after as not materialized (
            select * from changes where (change_txid, change_seq) > (@txid::xid8, @seq)
        ), held as (
            select count(*)::int as held_changes, min(changed_at) as held_since, max(changed_at) as newest_change_at
            from after where change_txid >= pg_snapshot_xmin(pg_current_snapshot())
        )
        select served.collection, served.id, served.version, served.changed_at, served.change_txid::text as txid, served.change_seq as seq,
               held.held_changes, held.held_since, held.newest_change_at
        from held left join lateral (
            select * from after
            where change_txid < pg_snapshot_xmin(pg_current_snapshot())
            order by change_txid, change_seq
            limit @take + 1
        ) served on true
        order by served.change_txid, served.change_seq
        """;

    // A collection's table is named as the collection.
    internal const string ChangesOfCollection = "select '{collection}', id, version, updated_at, change_txid, change_seq from {collection}";

    /// <param name="since">Where to resume: the token in links.next of a previous page. Absent: from the beginning of the feed.</param>
    /// <param name="limit">Page size, 1 to 1000 (default 100).</param>
    public static async Task<Results<Ok<ChangesPage>, ValidationProblem>> ListChanges(
        HttpContext context, NpgsqlDataSource db, CollectionRegistry collections, DataVersions versions, CancellationToken ct,
        int? limit = null, string? since = null)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) return Problems.Validation(context, "limit", $"limit must be between 1 and {MaxLimit}.");
        var from = FeedPosition.Start;
        if (since is not null && !FeedPosition.TryDecode(context, since, out from)) return Problems.Validation(context, "since", InvalidSince);

        await using var connection = await db.OpenConnectionAsync(ct);
        var answer = (await connection.QueryAsync<ChangeRow>(new CommandDefinition(collections.Compose(SelectChanges, ChangesOfCollection),
            new { txid = from.Txid, seq = from.Seq, take }, cancellationToken: ct))).AsList();
        // One row carries the held changes even when none is served (its change columns are then null).
        var rows = answer.Where(r => r.Collection is not null).ToList();
        // Read after the changes, the version covers every change served: the records' hrefs, read next, are never
        // answered from before what the feed announced, whatever the notifications' delay.
        versions.Raise(await DataVersions.ReadAsync(connection, ct));

        var served = rows.Take(take).ToList();
        var last = served.Count == 0 ? from : new FeedPosition(served[^1].Txid, served[^1].Seq);
        var caughtUp = rows.Count <= take;
        var next = Paging.RequestUrlWith(context, "since", last.Encode(context));
        if (!caughtUp) context.Response.Headers.Append("Link", $"<{next}>; rel=\"next\"");
        return TypedResults.Ok(new ChangesPage([.. served.Select(r => ToEntry(context.Request.PathBase, r))], new ChangesLinks(next), caughtUp, ToLag(answer[0])));
    }

    /// <summary>
    /// The longest a transaction of the API's own sessions can stay open idle, holding the feed back: the server
    /// ends it after that (idle_in_transaction_session_timeout of the run-time role).
    /// </summary>
    public static readonly string IdleBound = DatabaseSetup.Budgets.Single(b => b.Setting == "idle_in_transaction_session_timeout").Value;

    public static readonly string HeldReason =
        "A transaction that began writing before these changes is still open: they are served as soon as it ends, in commit order. " +
        $"The API's own transactions are ended by the server after {IdleBound} idle; other sessions' hold the feed until they end.";

    private static ChangesLag ToLag(ChangeRow row) => row.HeldChanges == 0
        ? new ChangesLag(false, 0, null, null, null)
        : new ChangesLag(true, row.HeldChanges, row.HeldSince, row.NewestChangeAt, HeldReason);

    /// <summary>A change as the feed (and the webhooks' notifications) show it; hrefs start with <paramref name="pathBase"/>.</summary>
    internal static ChangeEntry ToEntry(PathString pathBase, ChangeRow row) => row.Version switch
    {
        null => new ChangeEntry(row.Collection!, row.Id, "deleted", null, row.ChangedAt, null),
        var version => new ChangeEntry(row.Collection!, row.Id, version == 1 ? "created" : "updated", version, row.ChangedAt,
            $"{pathBase}/v1/{row.Collection}/{Uri.EscapeDataString(row.Id)}"),
    };

    internal sealed class ChangeRow
    {
        public string? Collection { get; init; }
        public string Id { get; init; } = "";
        public long? Version { get; init; }
        public DateTime ChangedAt { get; init; }
        public string Txid { get; init; } = "";
        public long Seq { get; init; }
        public int HeldChanges { get; init; }
        public DateTime? HeldSince { get; init; }
        public DateTime? NewestChangeAt { get; init; }
    }
}

/// <summary>
/// A position in the change feed: the transaction id and sequence number of the last change served. It travels
/// as an opaque, integrity-checked token (see <see cref="Paging.EncodeCursor(HttpContext, string[])"/>).
/// </summary>
public readonly record struct FeedPosition(string Txid, long Seq)
{
    private const string Kind = "changes";

    public static readonly FeedPosition Start = new("0", 0);

    public string Encode(HttpContext context) => Paging.EncodeCursor(context, Kind, Txid, Seq.ToString(CultureInfo.InvariantCulture));

    /// <summary>The token GET /v1/changes accepts, made elsewhere (a dump's manifest, the status, a webhook notification).</summary>
    public string Encode(CursorKeys keys) => Paging.EncodeCursor(keys, Path, Kind, Txid, Seq.ToString(CultureInfo.InvariantCulture));

    private const string Path = "/v1/changes";

    /// <summary>The position as the document's examples show it (accepted nowhere).</summary>
    public string Example() => Paging.ExampleCursor(Kind, Txid, Seq.ToString(CultureInfo.InvariantCulture));

    public static bool TryDecode(HttpContext context, string token, out FeedPosition position)
    {
        position = Start;
        if (Paging.DecodeCursor(context, token, 3) is not [Kind, var txid, var seq]) return false;
        if (!ulong.TryParse(txid, NumberStyles.None, CultureInfo.InvariantCulture, out var x) ||
            !long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var s)) return false;
        position = new FeedPosition(x.ToString(CultureInfo.InvariantCulture), s);
        return true;
    }
}
