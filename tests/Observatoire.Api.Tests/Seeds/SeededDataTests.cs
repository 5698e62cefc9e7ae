using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Observatoire.Api.Database;

namespace Observatoire.Api.Tests.Seeds;

/// <summary>The seeded knowledge base, read back through the API.</summary>
public sealed class SeededDataTests
{
    private static readonly string SeedDirectory = Seeder.DefaultDirectory;

    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _anonymous.Dispose();

    // The observatory's programme: 15 sessions, each with its day.
    private static readonly (int Number, string Date, string? Territory)[] Programme =
    [
        (1, "2019-07-05", null), (2, "2019-09-25", "2018-ti2707"), (3, "2019-10-23", "2018-ti5209"), (4, "2019-11-14", "2018-ti9301"),
        (5, "2019-12-03", null), (6, "2020-01-28", "2018-ti1104"), (7, "2020-02-25", "2018-ti2804"), (8, "2020-05-19", null),
        (9, "2020-06-16", "2018-ti2702"), (10, "2020-09-15", "2018-ti4414"), (11, "2020-10-07", null), (12, "2020-11-26", "2018-ti7505"),
        (13, "2020-12-09", null), (14, "2021-02-02", "2018-ti7508"), (15, "2021-04-06", null),
    ];

    private static readonly string[] StudiedTerritories =
        ["2018-ti2707", "2018-ti5209", "2018-ti9301", "2018-ti1104", "2018-ti2804", "2018-ti2702", "2018-ti4414", "2018-ti7505"];

    [Test]
    public async Task The_fifteen_sessions_of_the_programme_are_served_with_their_dates()
    {
        var sessions = (await Records.ReadAll(_anonymous, "/v1/sessions?limit=4"))
            .Where(s => (int?)s["number"] is >= 1 and <= 15).ToList();
        Assert.That(sessions.Select(s => (string?)s["id"]), Is.EqualTo(Programme.Select(p => $"seance-{p.Number:00}")));
        Assert.Multiple(() =>
        {
            foreach (var (session, expected) in sessions.Zip(Programme))
            {
                Assert.That((string?)session["date"], Is.EqualTo(expected.Date), $"session {expected.Number}");
                Assert.That((string?)session["datePrecision"], Is.EqualTo("day"), $"session {expected.Number}");
                Assert.That((string?)session["territoryId"], Is.EqualTo(expected.Territory), $"session {expected.Number}");
            }
        });

        var ninth = await (await _anonymous.GetAsync("/v1/sessions/seance-09")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That((string?)ninth["title"], Is.EqualTo("Le Grand Chalon s'illustre dans l'art d'entraîner"));
            Assert.That((string?)ninth["partner"]!["id"], Is.EqualTo("ecole-de-paris-du-management"));
            Assert.That(ninth["speakers"]!.AsArray(), Has.Count.EqualTo(4));
            Assert.That(ninth["speakers"]!.AsArray().Select(s => (string?)s!["actor"]!["id"]), Is.All.StartsWith("person-"));
            Assert.That(ninth["links"]!.AsArray().Select(l => (string?)l!["kind"]), Is.EqualTo(new[] { "report", "minutes" }));
        });
    }

    [Test]
    public async Task The_eight_studied_territories_have_resources_of_several_kinds()
    {
        var kinds = new HashSet<string>();
        foreach (var territory in StudiedTerritories)
        {
            var resources = await Records.ReadAll(_anonymous, $"/v1/territories/{territory}/resources");
            Assert.That(resources, Is.Not.Empty, territory);
            kinds.UnionWith(resources.Select(r => (string)r["kind"]!));
        }
        var nordFrancheComte = (await Records.ReadAll(_anonymous, "/v1/territories/2018-ti2707/resources")).Select(r => (string?)r["kind"]).Distinct();
        Assert.Multiple(() =>
        {
            Assert.That(kinds, Is.SupersetOf(new[] { "natural", "material", "immaterial", "human", "financial", "network" }));
            Assert.That(nordFrancheComte.Count(), Is.GreaterThanOrEqualTo(4));
        });
    }

    [Test]
    public async Task The_observatorys_partners_are_actors_and_people_appear_in_their_public_role_only()
    {
        foreach (var partner in new[] { "la-fabrique-de-l-industrie", "caisse-des-depots", "banque-des-territoires", "anct", "intercommunalites-de-france", "regions-de-france" })
        {
            var actor = await (await _anonymous.GetAsync($"/v1/actors/{partner}")).JsonBody();
            Assert.That((string?)actor["type"], Is.EqualTo("organisation"), partner);
        }
        var persons = await Records.ReadAll(_anonymous, "/v1/actors?type=person&limit=200");
        var seededPersons = persons.Where(p => ((string)p["id"]!).Length == "person-000".Length).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(seededPersons, Has.Count.EqualTo(33));
            Assert.That(seededPersons.Select(p => (string?)p["id"]), Is.All.Match("^person-[0-9]{3}$"));
            Assert.That(seededPersons.Select(p => p["website"]), Is.All.Null);
        });
    }

    [Test]
    public async Task Every_seeded_record_of_every_collection_cites_a_source()
    {
        var seeds = ReadSeeds();
        var urls = new[] { "territories", "actors", "resources", "projects", "sessions", "figures" }
            .SelectMany(collection => seeds.Ids(collection).Select(id => $"/v1/{collection}/{id}"))
            .ToList();
        Assert.That(urls, Has.Count.EqualTo(331 + 92 + 29 + 16 + 15 + 27));

        var withoutSources = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (url, ct) =>
        {
            var response = await _anonymous.GetAsync(url, ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                withoutSources.Add($"{url}: {(int)response.StatusCode}");
                return;
            }
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            if (body["sources"]!.AsArray().Count == 0) withoutSources.Add(url);
        });
        Assert.That(withoutSources, Is.Empty);
    }

    [Test]
    public async Task Seeding_a_second_time_changes_nothing()
    {
        var seeds = ReadSeeds();
        var seeded = new[] { "territories", "sources", "actors", "resources", "projects", "sessions", "figures" }
            .ToDictionary(collection => collection, collection => seeds.Ids(collection).ToArray());

        var before = await Snapshot(seeded);
        string report;
        await using (var dataSource = NpgsqlDataSource.Create(TestApi.Database.ConnectionString))
        {
            report = await Seeder.SeedAsync(dataSource, TestApi.Collections, SeedDirectory);
        }
        var after = await Snapshot(seeded);

        Assert.Multiple(() =>
        {
            Assert.That(report, Does.Contain("(0 written)").And.Contain("(0 rows written)"));
            Assert.That(after, Is.EqualTo(before));
        });
    }

    private static SeedSet ReadSeeds() =>
        SeedSet.ReadAll(TestApi.Collections, SeedDirectory, Seeder.ReadTerritories(Path.Combine(SeedDirectory, "territories")));

    // Each seeded record's version and last change, and the number of links its record owns.
    private static async Task<List<string?>> Snapshot(Dictionary<string, string[]> seeded)
    {
        var snapshot = new List<string?>();
        foreach (var (table, ids) in seeded)
        {
            snapshot.Add(await TestApi.Database.ScalarAsync<string>(
                $"select string_agg(id || ':' || version || ':' || change_seq, ',' order by id) from {table} where id = any($1)", new object[] { ids }));
        }
        foreach (var (table, owner, collection) in new[]
        {
            ("territory_sources", "territory_id", "territories"), ("actor_territories", "actor_id", "actors"), ("actor_sources", "actor_id", "actors"),
            ("resource_actors", "resource_id", "resources"), ("resource_sources", "resource_id", "resources"),
            ("project_resources", "project_id", "projects"), ("project_actors", "project_id", "projects"), ("project_sources", "project_id", "projects"),
            ("session_links", "session_id", "sessions"), ("session_speakers", "session_id", "sessions"), ("session_sources", "session_id", "sessions"),
            ("figure_sources", "figure_id", "figures"),
        })
        {
            snapshot.Add($"{table}:{await TestApi.Database.ScalarAsync<long>($"select count(*) from {table} where {owner} = any($1)", new object[] { seeded[collection] })}");
        }
        return snapshot;
    }
}
