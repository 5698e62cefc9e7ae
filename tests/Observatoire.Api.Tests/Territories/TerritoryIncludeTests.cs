using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Territories;

public sealed class TerritoryIncludeTests
{
    private readonly HttpClient _anonymous = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _anonymous.Dispose();

    private async Task<JsonArray> Relation(string territory, string collection) =>
        (await (await _anonymous.GetAsync($"/v1/territories/{territory}/{collection}?limit=200")).JsonBody())["items"]!.AsArray();

    [Test]
    public async Task Include_embeds_a_territorys_resources_and_actors_as_their_relation_routes_list_them()
    {
        var territory = await (await _anonymous.GetAsync("/v1/territories/2018-ti2707?include=resources,actors")).JsonBody();
        var plain = await (await _anonymous.GetAsync("/v1/territories/2018-ti2707")).JsonBody();
        var included = territory["included"]!.AsObject();
        Assert.Multiple(async () =>
        {
            Assert.That(included["resources"]!.AsArray(), Is.Not.Empty);
            Assert.That(included["actors"]!.AsArray(), Is.Not.Empty);
            Assert.That(included["resources"]!.ToJsonString(), Is.EqualTo((await Relation("2018-ti2707", "resources")).ToJsonString()));
            Assert.That(included["actors"]!.ToJsonString(), Is.EqualTo((await Relation("2018-ti2707", "actors")).ToJsonString()));
            Assert.That(included.Select(p => p.Key), Is.EquivalentTo(new[] { "resources", "actors" }), "only what was asked for");
            Assert.That(plain.AsObject().ContainsKey("included"), Is.False, "no include, no included");
            territory.AsObject().Remove("included");
            Assert.That(territory.ToJsonString(), Is.EqualTo(plain.ToJsonString()), "the territory itself is unchanged");
        });
    }

    [Test]
    public async Task Include_embeds_sessions_and_projects_and_an_empty_collection_as_an_empty_list()
    {
        var territory = await Records.NewTerritory();
        await Records.Create("sessions", Records.Session(Records.FreshNumber(), "2021-03-03", territory));
        await Records.Create("sessions", Records.Session(null, null, territory));
        await Records.Create("projects", Records.Project(territory));

        var read = await (await _anonymous.GetAsync($"/v1/territories/{territory}?include=sessions, projects,resources")).JsonBody();
        var included = read["included"]!;
        Assert.Multiple(async () =>
        {
            Assert.That(included["sessions"]!.AsArray(), Has.Count.EqualTo(2));
            Assert.That(included["sessions"]!.ToJsonString(), Is.EqualTo((await Relation(territory, "sessions")).ToJsonString()));
            Assert.That(included["projects"]!.ToJsonString(), Is.EqualTo((await Relation(territory, "projects")).ToJsonString()));
            Assert.That(included["resources"]!.AsArray(), Is.Empty);
            Assert.That(included.AsObject().ContainsKey("actors"), Is.False);
        });
    }

    [TestCase("include=communes")]
    [TestCase("include=resources,figures")]
    [TestCase("include=")]
    public async Task An_unknown_related_collection_is_a_problem_naming_include(string query)
    {
        var body = await (await _anonymous.GetAsync($"/v1/territories/2018-ti2707?{query}")).ShouldBeValidationProblem("include");
        Assert.That(body["errors"]!["include"]![0]!.ToString(), Does.Contain("resources, actors, sessions, projects"));
    }

    [Test]
    public async Task Include_on_an_unknown_territory_is_a_404_problem()
    {
        await (await _anonymous.GetAsync("/v1/territories/2018-ti0000?include=actors")).ShouldBeProblem(404);
    }
}
