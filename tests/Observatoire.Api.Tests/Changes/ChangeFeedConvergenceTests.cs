using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using Observatoire.Api.Tests.Territories;

namespace Observatoire.Api.Tests.Changes;

/// <summary>
/// Random creations, replacements and deletions, through the API and in overlapping transactions opened
/// directly on the database that commit in another order than they began, while a client replays the feed
/// into an empty copy: once everything is committed and the client has caught up, its copy equals the API's data.
/// Set CHANGE_FEED_SEED to replay a failing run.
/// </summary>
public sealed partial class ChangeFeedConvergenceTests
{
    private const int Rounds = 20;
    private const int OperationsPerRound = 40;
    private const int CodeCount = 6;
    private const int MaxOpenTransactions = 3;

    [Test]
    public async Task A_client_replaying_the_feed_during_concurrent_writes_ends_with_exactly_the_api_data()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHANGE_FEED_SEED"), out var given) ? given : Random.Shared.Next();
        using var writer = TestApi.Writer();
        using var reader = TestApi.Anonymous();
        var codes = Enumerable.Range(0, CodeCount).Select(_ => TerritoryRequests.FreshCode2023()).ToList();
        await using var run = new Run(new Random(seed), writer, reader, codes);
        await run.LoadExistence();

        for (var round = 1; round <= Rounds; round++)
        {
            var replica = new Replica(reader, run.Ids);
            run.Log($"-- round {round}");
            for (var i = 0; i < OperationsPerRound; i++) await run.Step(replica);
            await run.CommitAll(replica);
            await run.WaitUntilServable();
            await replica.CatchUp();
            run.Log("replay to the end", replica);

            var context = $"seed {seed} (rerun with CHANGE_FEED_SEED={seed}), round {round}\n{run.History}";
            foreach (var id in run.Ids)
            {
                var response = await reader.GetAsync($"/v1/territories/{id}");
                var actual = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NotFound), context);
                Assert.That(actual is not null, Is.EqualTo(run.Exists(id)), $"{id}: the API and the test's model disagree. {context}");
                Assert.That(replica.Bodies.GetValueOrDefault(id), Is.EqualTo(actual), $"{id}: the copy differs from the API. {context}");
                if (actual is not null)
                {
                    Assert.That(replica.Versions.GetValueOrDefault(id), Is.EqualTo((long)JsonNode.Parse(actual)!["version"]!),
                        $"{id}: the last version the feed announced is not the current one. {context}");
                }
            }
        }
    }

    /// <summary>A partner's copy: for each change, the record read at href, or removed.</summary>
    private sealed partial class Replica(HttpClient client, IReadOnlySet<string> tracked)
    {
        private string _next = Feed.Beginning;

        /// <summary>The version each change announced, for every territory of the feed.</summary>
        public Dictionary<string, long> Versions { get; } = new();

        /// <summary>The body read at href, for the territories this test writes (the others are not read, to keep it quick).</summary>
        public Dictionary<string, string> Bodies { get; } = new();

        public async Task<bool> ReadPage(int limit)
        {
            var page = await Feed.Read(client, LimitParameter().Replace(_next, $"limit={limit}"));
            foreach (var entry in page.Items)
            {
                var id = (string)entry["id"]!;
                // The copy holds territories, the collection this test writes; the feed carries every collection.
                Assert.That((string?)entry["collection"], Is.AnyOf("territories", "resources", "actors", "sessions", "projects", "figures", "sources"));
                if ((string?)entry["collection"] != "territories") continue;
                if ((string?)entry["operation"] == "deleted")
                {
                    Versions.Remove(id);
                    Bodies.Remove(id);
                    continue;
                }
                Versions[id] = (long)entry["version"]!;
                if (!tracked.Contains(id)) continue;
                var response = await client.GetAsync((string)entry["href"]!);
                if (response.StatusCode == HttpStatusCode.NotFound) Bodies.Remove(id);
                else Bodies[id] = await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
            }
            _next = page.Next;
            return page.CaughtUp;
        }

        public async Task CatchUp()
        {
            while (!await ReadPage(1000)) { }
        }

        [GeneratedRegex(@"limit=\d+")]
        private static partial Regex LimitParameter();
    }

    /// <summary>An open transaction and the existence of each territory it wrote, as it sees them.</summary>
    private sealed class OpenTransaction(int number, NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public int Number { get; } = number;
        public NpgsqlConnection Connection { get; } = connection;
        public NpgsqlTransaction Transaction { get; } = transaction;
        public Dictionary<string, bool> Writes { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    /// <summary>
    /// The writes and the model of what exists. A territory written by an open transaction is left alone by every
    /// other writer until that transaction ends (it would wait for the lock, and so would the test).
    /// </summary>
    private sealed class Run(Random random, HttpClient writer, HttpClient reader, IReadOnlyList<string> codes) : IAsyncDisposable
    {
        private readonly Dictionary<string, bool> _committed = new();
        private readonly List<OpenTransaction> _open = [];
        private readonly List<string> _history = [];
        private int _transactions;
        private int _names;

        public IReadOnlySet<string> Ids { get; } = codes.Select(TerritoryRequests.IdOf).ToHashSet();

        public string History => string.Join("\n", _history.TakeLast(120));

        public bool Exists(string id) => _committed[id];

        public void Log(string line) => _history.Add(line);

        public void Log(string what, Replica replica) =>
            _history.Add($"{what} (copy holds {string.Join(" ", Ids.Order().Select(id => replica.Bodies.ContainsKey(id) ? $"{id}@v{replica.Versions[id]}" : "-"))})");

        public async Task LoadExistence()
        {
            foreach (var id in Ids) _committed[id] = (await reader.GetAsync($"/v1/territories/{id}")).StatusCode == HttpStatusCode.OK;
        }

        public async Task Step(Replica replica)
        {
            var roll = random.Next(100);
            if (roll < 20 && FreeCode() is { } code) await ApiWrite(code);
            else if (roll < 35 && _open.Count < MaxOpenTransactions && FreeCode() is { } first) await Begin(first);
            else if (roll < 60 && _open.Count > 0) await WriteIn(Pick(_open));
            else if (roll < 72 && _open.Count > 0) await Commit(Pick(_open));
            else if (roll < 74 && _open.Count > 0) await Rollback(Pick(_open));
            else if (roll < 90)
            {
                var limit = random.Next(1, 6);
                await replica.ReadPage(limit);
                Log($"replay one page of {limit}", replica);
            }
            else
            {
                await replica.CatchUp();
                Log("replay to the end", replica);
            }
        }

        /// <summary>Ends the round: every open transaction commits, in an order of their own, with replays between.</summary>
        public async Task CommitAll(Replica replica)
        {
            while (_open.Count > 0)
            {
                await Commit(Pick(_open));
                if (random.Next(2) == 0)
                {
                    await replica.ReadPage(random.Next(1, 6));
                    Log("replay one page", replica);
                }
            }
        }

        /// <summary>Waits until no transaction older than the last change is running (an autovacuum could be).</summary>
        public async Task WaitUntilServable()
        {
            var last = await TestApi.Database.ScalarAsync<string>(
                "select max(change_txid)::text from (select change_txid from territories union all select change_txid from tombstones) c");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!await TestApi.Database.ScalarAsync<bool>("select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8", last!))
            {
                if (DateTime.UtcNow > deadline) Assert.Fail("A transaction of the server stayed open for 10 s.");
                await Task.Delay(20);
            }
        }

        private async Task ApiWrite(string code)
        {
            var id = TerritoryRequests.IdOf(code);
            HttpResponseMessage response;
            HttpStatusCode expected;
            string what;
            if (!_committed[id])
            {
                (response, expected, what) = (await writer.PostJson("/v1/territories", TerritoryRequests.Valid(code, NextName())), HttpStatusCode.Created, "create");
                _committed[id] = true;
            }
            else if (random.Next(2) == 0)
            {
                (response, expected, what) = (await writer.PutJson($"/v1/territories/{id}", Replacement(code)), HttpStatusCode.OK, "replace");
            }
            else
            {
                (response, expected, what) = (await writer.DeleteAsync($"/v1/territories/{id}"), HttpStatusCode.NoContent, "delete");
                _committed[id] = false;
            }
            Log($"API {what} {id}: {(int)response.StatusCode}");
            Assert.That(response.StatusCode, Is.EqualTo(expected), $"API {what} {id}: {await response.Content.ReadAsStringAsync()}\n{History}");
        }

        private async Task Begin(string code)
        {
            var connection = new NpgsqlConnection(TestApi.Database.ConnectionString);
            await connection.OpenAsync();
            var transaction = new OpenTransaction(++_transactions, connection, await connection.BeginTransactionAsync());
            _open.Add(transaction);
            Log($"T{transaction.Number} begins");
            await Write(transaction, code);
        }

        private async Task WriteIn(OpenTransaction transaction)
        {
            // Its own territories, or one that no other transaction holds.
            var candidates = transaction.Writes.Keys.Select(id => id[5..]).Concat(FreeCodes()).Distinct().ToList();
            await Write(transaction, candidates[random.Next(candidates.Count)]);
        }

        private async Task Write(OpenTransaction transaction, string code)
        {
            var id = TerritoryRequests.IdOf(code);
            var exists = transaction.Writes.TryGetValue(id, out var seen) ? seen : _committed[id];
            string what;
            if (!exists)
            {
                await DirectWrites.Create(transaction.Connection, transaction.Transaction, code, NextName());
                (what, transaction.Writes[id]) = ("creates", true);
            }
            else if (random.Next(2) == 0)
            {
                await DirectWrites.Rename(transaction.Connection, transaction.Transaction, id, NextName());
                what = "renames";
            }
            else
            {
                await DirectWrites.Delete(transaction.Connection, transaction.Transaction, id);
                (what, transaction.Writes[id]) = ("deletes", false);
            }
            transaction.Writes.TryAdd(id, true);
            Log($"T{transaction.Number} {what} {id}");
        }

        private async Task Commit(OpenTransaction transaction)
        {
            await transaction.Transaction.CommitAsync();
            foreach (var (id, exists) in transaction.Writes) _committed[id] = exists;
            await End(transaction, "commits");
        }

        private async Task Rollback(OpenTransaction transaction)
        {
            await transaction.Transaction.RollbackAsync();
            await End(transaction, "rolls back");
        }

        private async Task End(OpenTransaction transaction, string how)
        {
            _open.Remove(transaction);
            await transaction.DisposeAsync();
            Log($"T{transaction.Number} {how}");
        }

        private IEnumerable<string> FreeCodes() =>
            codes.Where(code => !_open.Any(t => t.Writes.ContainsKey(TerritoryRequests.IdOf(code))));

        private string? FreeCode()
        {
            var free = FreeCodes().ToList();
            return free.Count == 0 ? null : free[random.Next(free.Count)];
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private string NextName() => $"Essai {++_names}";

        private Dictionary<string, object?> Replacement(string code)
        {
            var request = TerritoryRequests.Valid(code, NextName());
            request["population"] = random.Next(1000, 100000);
            return request;
        }

        public async ValueTask DisposeAsync()
        {
            // A failed run must not leave a transaction open: the feed would stop at it for every later test.
            foreach (var transaction in _open) await transaction.DisposeAsync();
            _open.Clear();
        }
    }
}
