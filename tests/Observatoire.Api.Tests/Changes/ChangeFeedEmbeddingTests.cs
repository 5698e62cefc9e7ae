using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Observatoire.Api.Tests.Changes;

/// <summary>
/// Random writes through the API to every collection (creations, replacements, deletions, and the link changes
/// they carry: a figure added to a territory, an actor named by a resource renamed, a source cited by a territory
/// retitled, a session's speakers changed, territories sharing communes) while a copy replays the feed: at the end
/// the copy and the API's answers (from memory or stored documents) equal a read of every record computed anew. Set CHANGE_FEED_EMBED_SEED to replay another run.
/// </summary>
public sealed class ChangeFeedEmbeddingTests
{
    private const int DefaultSeed = 20261130;
    private const int Operations = 260;

    [Test]
    public async Task A_copy_replaying_the_feed_follows_changes_of_embedded_records_and_equals_a_fresh_read_of_every_record()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHANGE_FEED_EMBED_SEED"), out var given) ? given : DefaultSeed;
        TestContext.Out.WriteLine($"seed {seed}");
        using var writer = TestApi.Writer();
        using var reader = TestApi.Anonymous();
        var copy = new Copy(reader, await Feed.End(reader));
        var run = new Run(new Random(seed), writer, copy);

        for (var i = 0; i < Operations; i++) await run.Step();
        await Horizon.WaitUntilEverythingIsServable();
        await copy.CatchUp();

        // The fresh read is computed by an API that keeps nothing, in memory or in the records' stored documents; the
        // suite's API, which answers from them, must agree with it too.
        await using var computing = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Testing")
            .UseSetting("ConnectionStrings:Observatoire", TestApi.Database.ConnectionString)
            .UseSetting("Auth:BootstrapKey", TestApi.ApiKey)
            .UseSetting("Cache:Enabled", "false")
            .UseSetting("Cache:RecordDocuments", "false"));
        using var computed = computing.CreateClient();
        var context = $"seed {seed} (rerun with CHANGE_FEED_EMBED_SEED={seed})\n{run.History}";
        var differing = new List<string>();
        foreach (var (collection, id) in run.Universe)
        {
            var fresh = await Body(computed, $"/v1/{collection}/{Uri.EscapeDataString(id)}", context);
            var served = await Body(reader, $"/v1/{collection}/{Uri.EscapeDataString(id)}", context);
            var copied = copy.Bodies.GetValueOrDefault((collection, id));
            if (copied != fresh || served != fresh)
            {
                differing.Add($"{collection}/{id}:\n  copy:     {copied ?? "(absent)"}\n  served:   {served ?? "(absent)"}\n  computed: {fresh ?? "(absent)"}");
            }
        }
        Assert.That(run.Universe.Count, Is.GreaterThan(40), "the run wrote records of every collection");
        Assert.That(differing, Is.Empty, $"{differing.Count} records of the copy differ from the API. {context}");
    }

    private static async Task<string?> Body(HttpClient client, string url, string context)
    {
        var response = await client.GetAsync(url);
        Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NotFound), context);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
    }

    /// <summary>A partner's copy of the records the test writes: for each change, the record read at href, or removed.</summary>
    private sealed class Copy(HttpClient client, string next)
    {
        private string _next = next;

        public HashSet<(string Collection, string Id)> Followed { get; } = [];

        public Dictionary<(string Collection, string Id), string> Bodies { get; } = new();

        public async Task<bool> ReadPage(int limit)
        {
            var page = await Feed.Read(client, _next.Replace("limit=1000", $"limit={limit}"));
            foreach (var entry in page.Items)
            {
                var key = ((string)entry["collection"]!, (string)entry["id"]!);
                if (!Followed.Contains(key)) continue;
                if ((string?)entry["operation"] == "deleted")
                {
                    Bodies.Remove(key);
                    continue;
                }
                var response = await client.GetAsync((string)entry["href"]!);
                if (response.StatusCode == HttpStatusCode.NotFound) Bodies.Remove(key);
                else Bodies[key] = await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
            }
            _next = page.Next.Replace($"limit={limit}", "limit=1000");
            return page.CaughtUp;
        }

        public async Task CatchUp()
        {
            while (!await ReadPage(1000)) { }
        }
    }

    /// <summary>The writes, and what exists as the API answered them.</summary>
    private sealed class Run(Random random, HttpClient writer, Copy copy)
    {
        // Commune codes no real territory has: the links the run makes are between its own territories.
        private static readonly string[] Communes = ["98901", "98902", "98903", "98904", "98905", "98906"];
        private static readonly string[] Collections = ["territories", "sources", "figures", "actors", "resources", "projects", "sessions"];

        private readonly Dictionary<string, List<string>> _existing = Collections.ToDictionary(c => c, _ => new List<string>());
        private readonly List<string> _history = [];
        private readonly int _tag = random.Next(100_000, 999_999);
        private int _names;
        private int _territoryCodes;

        public HashSet<(string Collection, string Id)> Universe => copy.Followed;

        public string History => string.Join("\n", _history.TakeLast(80));

        public async Task Step()
        {
            var roll = random.Next(100);
            if (roll < 12)
            {
                var limit = random.Next(1, 8);
                await copy.ReadPage(limit);
                _history.Add($"replay one page of {limit}");
                return;
            }
            var collection = Collections[random.Next(Collections.Length)];
            var existing = _existing[collection];
            var action = existing.Count < 2 ? 0 : random.Next(10);
            if (action < 3) await Create(collection);
            else if (action < 9) await Replace(collection, Pick(existing)!);
            else await Delete(collection, Pick(existing)!);
        }

        private async Task Create(string collection)
        {
            string id;
            object? body;
            switch (collection)
            {
                case "territories":
                    var n = ++_territoryCodes;
                    var old = n % 3 == 0;
                    var code = old ? $"TI{9000 + (_tag + n) % 300}" : TerritoryRequestsCode();
                    id = old ? $"2018-{code.ToLowerInvariant()}" : $"2023-{code}";
                    body = Territory(old ? "2018-2022" : "2023-2027", code);
                    break;
                case "sources":
                    id = Records.FreshId("source");
                    body = Source(id);
                    break;
                default:
                    id = Records.FreshId(collection[..^1]);
                    body = Body(collection, id);
                    if (body is null) return;
                    break;
            }
            var response = await writer.PostJson($"/v1/{collection}", body);
            await Record("create", collection, id, response, HttpStatusCode.Created, HttpStatusCode.Conflict);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                _existing[collection].Add(id);
                Universe.Add((collection, id));
            }
        }

        private async Task Replace(string collection, string id)
        {
            object? body = collection switch
            {
                "territories" => Territory(id.StartsWith("2018-", StringComparison.Ordinal) ? "2018-2022" : "2023-2027",
                    id.StartsWith("2018-", StringComparison.Ordinal) ? id[5..].ToUpperInvariant() : id[5..]),
                "sources" => Source(id),
                _ => Body(collection, id),
            };
            if (body is null) return;
            var response = await writer.PutJson($"/v1/{collection}/{id}", body);
            await Record("replace", collection, id, response, HttpStatusCode.OK);
        }

        private async Task Delete(string collection, string id)
        {
            var response = await writer.DeleteAsync($"/v1/{collection}/{id}");
            // A record others refer to is not deleted: 409.
            await Record("delete", collection, id, response, HttpStatusCode.NoContent, HttpStatusCode.Conflict);
            if (response.StatusCode == HttpStatusCode.NoContent) _existing[collection].Remove(id);
        }

        private async Task Record(string what, string collection, string id, HttpResponseMessage response, params HttpStatusCode[] expected)
        {
            _history.Add($"{what} {collection}/{id}: {(int)response.StatusCode}");
            Assert.That(response.StatusCode, Is.AnyOf(expected.Cast<object>().ToArray()),
                $"{what} {collection}/{id}: {await response.Content.ReadAsStringAsync()}\n{History}");
        }

        private string TerritoryRequestsCode() => Territories.TerritoryRequests.FreshCode2023();

        private Dictionary<string, object?> Territory(string phase, string code) => new()
        {
            ["phase"] = phase,
            ["code"] = code,
            ["name"] = NextName("Territoire"),
            ["regionCodes"] = new[] { "27" },
            ["departmentCodes"] = new[] { "90" },
            ["population"] = random.Next(1000, 100000),
            ["studied"] = false, // other tests count the studied territories
            ["groupings"] = random.Next(2) == 0 ? Array.Empty<object>() : [new { siren = "200069052", name = NextName("CA"), kind = "CA" }],
            ["communes"] = Some(Communes, 1).Select(c => new { inseeCode = c, name = $"Commune {c}" }).ToArray(),
            ["sourceIds"] = Some(_existing["sources"]),
        };

        private Dictionary<string, object?> Source(string id)
        {
            var source = Records.Source(id);
            source["title"] = NextName("Titre");
            return source;
        }

        /// <summary>A body for the collections that refer to others; null when what it needs does not exist yet.</summary>
        private Dictionary<string, object?>? Body(string collection, string id)
        {
            var territory = Pick(_existing["territories"]);
            var sources = Some(_existing["sources"]);
            switch (collection)
            {
                case "figures":
                    if (territory is null) return null;
                    var figure = Records.Figure(territory, sources, id);
                    figure["label"] = NextName("Chiffre");
                    return figure;
                case "actors":
                    var actor = Records.Organisation(Some(_existing["territories"]), sources, id);
                    actor["name"] = NextName("Acteur");
                    return actor;
                case "resources":
                    if (territory is null) return null;
                    var resource = Records.Resource(territory, random.Next(2) == 0 ? "material" : "immaterial", Some(_existing["actors"]), sources, id);
                    resource["name"] = NextName("Ressource");
                    return resource;
                case "projects":
                    if (territory is null) return null;
                    var project = Records.Project(territory, Some(_existing["resources"]), Some(_existing["actors"]), sources, id);
                    project["name"] = NextName("Projet");
                    return project;
                default:
                    var speakers = Some(_existing["actors"]).Select(a => (object)new { actorId = a, role = NextName("Rôle") }).ToArray();
                    var session = Records.Session(Records.FreshNumber(), territoryId: random.Next(3) == 0 ? null : territory,
                        partnerActorId: random.Next(2) == 0 ? Pick(_existing["actors"]) : null, speakers: speakers, sourceIds: sources, id: id);
                    session["title"] = NextName("Séance");
                    return session;
            }
        }

        private string NextName(string prefix) => $"{prefix} {_tag} {++_names}";

        private string? Pick(List<string> items) => items.Count == 0 ? null : items[random.Next(items.Count)];

        private string[] Some(IReadOnlyList<string> items, int atLeast = 0)
        {
            var count = Math.Min(items.Count, random.Next(atLeast, 4));
            return [.. items.OrderBy(_ => random.Next()).Take(count).Order(StringComparer.Ordinal)];
        }
    }
}

/// <summary>Waiting for the feed's horizon: until every change made so far can be served.</summary>
public static class Horizon
{
    /// <summary>Waits until no transaction older than the latest write is running (an autovacuum could be).</summary>
    public static async Task WaitUntilEverythingIsServable()
    {
        var last = await TestApi.Database.ScalarAsync<string>("select pg_current_xact_id()::text");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await TestApi.Database.ScalarAsync<bool>("select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8", last!))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("A transaction stayed open for 15 s.");
            await Task.Delay(20);
        }
    }
}
